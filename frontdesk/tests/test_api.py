"""The front desk's API: the same rules as the pages, in the API's one error shape."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from frontdesk import services
from frontdesk.choices import CheckOutcome
from frontdesk.models import Parcel, PickupAttempt
from frontdesk.tests.conftest import ID_CARD

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_log_and_list_a_rooms_parcels(api, world):
    api.force_authenticate(world.guard)
    response = api.post(
        reverse("frontdesk:api-parcels"),
        {"room": world.room.pk, "tracking_number": "SF9", "carrier": "顺丰"},
        format="json",
    )
    assert response.status_code == 201 and len(response.data["pickup_code"]) == 6
    listed = api.get(reverse("frontdesk:api-parcels"), {"room": world.room.pk})
    assert [p["id"] for p in listed.data] == [response.data["id"]]


def test_bad_input_is_a_400_with_field_errors_and_changes_nothing(api, world):
    api.force_authenticate(world.cs)
    response = api.post(
        reverse("frontdesk:api-parcels"), {"room": world.other_room.pk, "tracking_number": "X"}, format="json"
    )
    assert response.status_code == 400 and response.data["code"] == "invalid" and "room" in response.data["errors"]
    response = api.post(reverse("frontdesk:api-parcels"), {"room": world.room.pk, "tracking_number": ""}, format="json")
    assert response.status_code == 400 and "tracking_number" in response.data["errors"]
    assert not Parcel.objects.exists()


def test_code_used_twice_is_a_403_and_recorded(api, world):
    parcel = services.parcel_log(actor=world.cs, room_id=world.room.pk, tracking_number="SF1")
    api.force_authenticate(world.guard)
    url = reverse("frontdesk:api-parcel-collect")
    body = {"project": world.project.pk, "code": parcel.pickup_code}
    assert api.post(url, body, format="json").status_code == 200
    response = api.post(url, body, format="json")
    assert response.status_code == 403 and response.data["code"] == "refused" and "使用过" in response.data["detail"]
    assert PickupAttempt.objects.count() == 1


def test_other_project_and_other_roles(api, world):
    api.force_authenticate(world.outsider)
    assert (
        api.post(
            reverse("frontdesk:api-parcel-collect"), {"project": world.project.pk, "code": "123456"}, format="json"
        ).status_code
        == 404
    )
    assert api.get(reverse("frontdesk:api-parcels"), {"room": world.room.pk}).data == []
    api.force_authenticate(world.tech)
    assert api.get(reverse("frontdesk:api-parcels"), {"room": world.room.pk}).status_code == 403
    api.force_authenticate(None)
    assert api.get(reverse("frontdesk:api-parcels"), {"room": world.room.pk}).status_code in (401, 403)


def test_gate_admits_by_code_and_looks_up_a_pass(api, world):
    visit = services.visit_preregister(actor=world.resident_user, room_id=world.room.pk, name="李", purpose="做客")
    gp = services.goods_pass_apply(
        actor=world.resident_user,
        data=services.PassApplication(
            room_id=world.room.pk,
            valid_on=timezone.localdate(),
            carrier_name="老李",
            carrier_id_number=ID_CARD,
            items=[("沙发", 1)],
        ),
    )
    api.force_authenticate(world.guard)
    response = api.post(
        reverse("frontdesk:api-visit-admit"), {"project": world.project.pk, "code": visit.code}, format="json"
    )
    assert response.status_code == 200 and response.data["room"] == "3-2-1502"
    response = api.get(reverse("frontdesk:api-pass-lookup"), {"project": world.project.pk, "code": gp.code})
    assert response.status_code == 200 and response.data["items"][0]["name"] == "沙发"
    assert response.data["carrier_id_masked"] == "1101**********002X" and ID_CARD not in str(response.data)
    assert response.data["refused"] is False and response.data["reason"] == ""


def test_a_used_pass_looked_up_at_the_gate_is_refused_and_recorded_as_on_the_page(api, client, world):
    """The gate's device and the gate page ask one service: a used pass scanned again is answered
    refused with the reason, and the refusal is recorded as a check either way."""
    gp = services.goods_pass_apply(
        actor=world.resident_user,
        data=services.PassApplication(
            room_id=world.room.pk,
            valid_on=timezone.localdate(),
            carrier_name="老李",
            carrier_id_number=ID_CARD,
            items=[("沙发", 1)],
        ),
    )
    item = gp.items.get()
    services.goods_pass_verify(actor=world.guard, goods_pass=gp, released={item.pk: 1})
    api.force_authenticate(world.guard)
    response = api.get(reverse("frontdesk:api-pass-lookup"), {"project": world.project.pk, "code": gp.code})
    assert response.status_code == 200 and response.data["refused"] is True
    assert "不能重复使用" in response.data["reason"]
    api_check = gp.checks.get(outcome=CheckOutcome.REFUSED)
    assert (api_check.guard, api_check.reason) == (world.guard, response.data["reason"])
    client.force_login(world.guard)
    page = client.get(reverse("frontdesk:gate-pass"), {"code": gp.code}, follow=True).content.decode()
    assert "不能重复使用" in page
    page_check = gp.checks.filter(outcome=CheckOutcome.REFUSED).exclude(pk=api_check.pk).get()
    assert (page_check.guard, page_check.reason, page_check.differences) == (
        api_check.guard,
        api_check.reason,
        api_check.differences,
    )


# ---------------------------------------------------------------- goods passes: the applicant is a person


def pass_post(world, applicant, **kw):
    data = {
        "room": world.room.pk,
        "applicant": applicant,
        "applicant_relation": "owner",  # what a client may claim: ignored, the room's links decide
        "authorised_via": "phone",
        "valid_on": timezone.localdate().isoformat(),
        "carrier_name": "老李",
        "carrier_id_number": ID_CARD,
        "items": [{"name": "沙发", "quantity": 1}],
    }
    data.update(kw)
    return data


def test_a_tenants_pass_waits_for_the_owner_even_when_called_owner(api, world, room_tenant):
    from frontdesk.choices import PassState
    from frontdesk.models import GoodsPass

    api.force_authenticate(world.cs)
    response = api.post(reverse("frontdesk:api-passes"), pass_post(world, room_tenant.pk), format="json")

    assert response.status_code == 201, response.data
    gp = GoodsPass.objects.get()
    assert (gp.state, gp.applicant_name, gp.applicant_relation) == (PassState.AWAITING_OWNER, "租客", "tenant")
    assert not gp.authorised_at and not gp.authorised_by
    # the owner chosen as the applicant: authorised at once
    response = api.post(reverse("frontdesk:api-passes"), pass_post(world, world.resident.pk), format="json")
    assert response.status_code == 201 and response.data["state"] == PassState.AUTHORISED


def test_a_person_not_linked_to_the_room_is_refused_by_the_api(api, world):
    from frontdesk.models import GoodsPass

    api.force_authenticate(world.cs)
    for stranger in (world.neighbour.pk, world.other_resident.pk, 999999):
        response = api.post(reverse("frontdesk:api-passes"), pass_post(world, stranger), format="json")
        assert response.status_code == 400 and "applicant" in response.data["errors"], response.data
    assert not GoodsPass.objects.exists()
    api.force_authenticate(world.resident_user)  # a resident applies from their phone page, not here
    assert (
        api.post(reverse("frontdesk:api-passes"), pass_post(world, world.resident.pk), format="json").status_code == 403
    )


@pytest.mark.parametrize("field", ["room", "applicant"])
@pytest.mark.parametrize("value", [99999999999999999999, -1, "²", "1e3"])
def test_absurd_ids_in_a_pass_body_are_a_400_with_field_errors(api, world, field, value):
    from frontdesk.models import GoodsPass

    api.force_authenticate(world.cs)
    body = {**pass_post(world, world.resident.pk), field: value}
    response = api.post(reverse("frontdesk:api-passes"), body, format="json")
    assert response.status_code == 400 and field in response.data["errors"], response.data
    assert not GoodsPass.objects.exists()
