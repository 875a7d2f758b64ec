"""A resident applies for a goods pass over the API (/api/passes/, frontdesk/api_sets.py PassViewSet),
as on their phone page (frontdesk/views.py `mine`, services.goods_pass_apply): the owner's pass is
authorised at once, a tenant's waits for the owner, who confirms it (passes/{id}/confirm/)."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.choices import Role
from frontdesk.choices import PassState
from frontdesk.models import GoodsPass
from frontdesk.tests.conftest import ID_CARD
from tests.factories import make_resident, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def tenant_user(world):
    """A tenant of 3-2-1502 (world.room, whose owner is world.resident_user) with an account."""
    user = make_user("tenant", Role.RESIDENT, company=world.company)
    make_resident(world.room, "租客", "13500001111", relation="tenant", user=user)
    return user


@pytest.fixture
def neighbour_user(world):
    user = make_user("neighbour", Role.RESIDENT, company=world.company)
    world.neighbour.user = user
    world.neighbour.save()
    return user


def _body(room, **kw):
    body = {
        "room": room.pk,
        "valid_on": str(timezone.localdate()),
        "carrier_name": "搬家师傅",
        "carrier_id_number": ID_CARD,
        "items": [{"name": "沙发", "quantity": 1}],
    }
    return body | kw


def _apply(api, user, body, key=None):
    api.force_authenticate(user)
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post(reverse("api:pass-list"), body, format="json", **headers)


def test_the_owners_own_pass_is_authorised_at_once(api, world):
    response = _apply(api, world.resident_user, _body(world.room))
    assert response.status_code == 201, response.data
    goods_pass = GoodsPass.objects.get(pk=response.data["id"])
    assert goods_pass.state == PassState.AUTHORISED and goods_pass.applicant_user == world.resident_user


def test_a_tenants_pass_waits_for_the_owner_who_confirms_it(api, world, tenant_user, neighbour_user):
    made = _apply(api, tenant_user, _body(world.room), key="tenant-1")
    again = _apply(api, tenant_user, _body(world.room), key="tenant-1")
    assert made.status_code == 201 and again.data == made.data and GoodsPass.objects.count() == 1
    goods_pass = GoodsPass.objects.get(pk=made.data["id"])
    assert goods_pass.state == PassState.AWAITING_OWNER and goods_pass.applicant_relation == "tenant"

    # the tenant may not confirm their own pass; the neighbour does not see it at all
    assert api.post(reverse("api:pass-confirm", args=[goods_pass.pk])).status_code == 403
    api.force_authenticate(neighbour_user)
    assert api.get(reverse("api:pass-detail", args=[goods_pass.pk])).status_code == 404
    assert api.post(reverse("api:pass-confirm", args=[goods_pass.pk])).status_code == 404
    goods_pass.refresh_from_db()
    assert goods_pass.state == PassState.AWAITING_OWNER

    api.force_authenticate(world.resident_user)
    listed = api.get(reverse("api:pass-list"), {"state": PassState.AWAITING_OWNER})
    assert [p["id"] for p in listed.data["results"]] == [goods_pass.pk]
    confirmed = api.post(reverse("api:pass-confirm", args=[goods_pass.pk]))
    assert confirmed.status_code == 200, confirmed.data
    goods_pass.refresh_from_db()
    assert goods_pass.state == PassState.AUTHORISED and goods_pass.authorised_via == "app"


def test_a_resident_may_not_apply_for_a_room_not_theirs(api, world, neighbour_user):
    for room in (world.room, world.other_room):
        assert _apply(api, neighbour_user, _body(room)).status_code == 404
    assert not GoodsPass.objects.exists()


@pytest.mark.parametrize(
    "change,field",
    [
        ({"items": []}, "items"),
        ({"valid_on": "2000-01-01"}, "valid_on"),
        ({"carrier_id_number": "123"}, "carrier_id_number"),
    ],
)
def test_a_bad_application_is_a_field_error_and_nothing_is_made(api, world, change, field):
    response = _apply(api, world.resident_user, _body(world.room, **change))
    assert response.status_code == 400 and field in response.data["errors"], response.data
    assert not GoodsPass.objects.exists()


def test_the_desk_still_names_the_applicant(api, world):
    response = _apply(api, world.cs, _body(world.room, authorised_via="phone"))
    assert response.status_code == 400 and "applicant" in response.data["errors"]
    done = _apply(api, world.cs, _body(world.room, authorised_via="phone", applicant=world.resident.pk))
    assert done.status_code == 201 and done.data["state"] == PassState.AUTHORISED
