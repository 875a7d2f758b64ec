"""Parcels, visitors and goods passes under /api/ (frontdesk/api_sets.py): the pages' rules, the
gate's verification as on the page, paging, filters and the idempotency key."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from frontdesk import services
from frontdesk.choices import CheckOutcome, PassState
from frontdesk.models import GoodsCheck, Parcel, Visit
from frontdesk.tests.conftest import ID_CARD

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _parcel(world, room=None, number="SF1"):
    return services.parcel_log(actor=world.cs, room_id=(room or world.room).pk, tracking_number=number)


def test_a_resident_lists_only_their_rooms_parcels_and_gets_404_for_a_neighbours(api, world):
    mine, theirs = _parcel(world), _parcel(world, world.room2, "SF2")
    api.force_authenticate(world.resident_user)
    listed = api.get(reverse("api:parcel-list"))
    assert [p["id"] for p in listed.data["results"]] == [mine.pk]
    assert api.get(reverse("api:parcel-detail", args=[theirs.pk])).status_code == 404
    assert api.get(reverse("api:parcel-detail", args=[mine.pk])).data["pickup_code"] == mine.pickup_code


def test_a_resident_may_not_log_a_parcel(api, world):
    api.force_authenticate(world.resident_user)
    response = api.post(reverse("api:parcel-list"), {"room": world.room.pk, "tracking_number": "SF1"}, format="json")
    assert response.status_code == 403 and not Parcel.objects.exists()


def test_staff_of_another_project_get_404_for_a_parcel(api, world):
    parcel = _parcel(world)
    api.force_authenticate(world.outsider)
    assert api.get(reverse("api:parcel-detail", args=[parcel.pk])).status_code == 404


def test_lists_are_cursor_paged_and_filtered(api, world):
    made = [_parcel(world, number=f"SF{i}") for i in range(3)]
    api.force_authenticate(world.guard)
    first = api.get(reverse("api:parcel-list"), {"page_size": 2, "room": world.room.pk})
    assert [p["id"] for p in first.data["results"]] == [made[2].pk, made[1].pk]
    second = api.get(first.data["next"])
    assert [p["id"] for p in second.data["results"]] == [made[0].pk] and second.data["next"] is None


def test_an_invalid_filter_is_a_400_with_its_field(api, world):
    api.force_authenticate(world.guard)
    response = api.get(reverse("api:parcel-list"), {"state": "abc"})
    assert response.status_code == 400 and "state" in response.data["errors"]
    assert api.get(reverse("api:visit-list"), {"room": "x"}).status_code == 400


def test_logging_twice_with_one_key_makes_one_parcel(api, world):
    api.force_authenticate(world.guard)
    body = {"room": world.room.pk, "tracking_number": "SF77"}
    url = reverse("api:parcel-list")
    first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="scan-1")
    again = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="scan-1")
    assert first.status_code == again.status_code == 201 and first.data == again.data
    assert Parcel.objects.count() == 1
    other = api.post(url, {**body, "tracking_number": "SF78"}, format="json", HTTP_IDEMPOTENCY_KEY="scan-1")
    assert other.status_code == 409 and Parcel.objects.count() == 1


def test_a_walk_in_visitor_is_registered_and_checked_out(api, world):
    api.force_authenticate(world.guard)
    body = {
        "room": world.room.pk,
        "name": "周访客",
        "purpose": "探亲",
        "agreed_by": "张三",
        "agreed_via": "phone",
        "id_number": ID_CARD,
    }
    made = api.post(reverse("api:visit-list"), body, format="json")
    assert made.status_code == 201 and made.data["id_number_masked"] != ID_CARD
    out = api.post(reverse("api:visit-checkout", args=[made.data["id"]]))
    assert out.status_code == 200 and Visit.objects.get().time_out is not None
    again = api.post(reverse("api:visit-checkout", args=[made.data["id"]]))
    assert again.status_code == 403 and again.data["code"] == "refused"


def test_a_visitor_without_name_or_agreement_is_a_400_with_field_errors(api, world):
    api.force_authenticate(world.guard)
    response = api.post(reverse("api:visit-list"), {"room": world.room.pk, "agreed_via": "phone"}, format="json")
    assert response.status_code == 400
    assert {"name", "purpose", "agreed_by", "id_number"} <= set(response.data["errors"])
    assert not Visit.objects.exists()


# ---------------------------------------------------------------- the gate


def _verify(api, goods_pass, released, key=None, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    body = {"released": [{"item": pk, "quantity": q} for pk, q in released.items()], **extra}
    return api.post(reverse("api:pass-verify", args=[goods_pass.pk]), body, format="json", **headers)


def test_the_gate_releases_a_good_pass_once(api, world, application):
    goods_pass = services.goods_pass_apply(actor=world.cs, data=application())
    items = {item.pk: item.quantity for item in goods_pass.items.all()}
    api.force_authenticate(world.guard)
    first = _verify(api, goods_pass, items, key="gate-1")
    replay = _verify(api, goods_pass, items, key="gate-1")
    assert first.status_code == replay.status_code == 201 and first.data == replay.data
    goods_pass.refresh_from_db()
    assert goods_pass.state == PassState.RELEASED and GoodsCheck.objects.count() == 1


def test_the_gate_refuses_and_records_like_the_page(api, world, application):
    """More than on the pass: refused with its reason (403) and a refused check recorded, even when an
    Idempotency-Key was sent (the refusal is what the service records; the key is freed)."""
    goods_pass = services.goods_pass_apply(actor=world.cs, data=application(items=[("沙发", 1)]))
    item = goods_pass.items.get()
    api.force_authenticate(world.guard)
    response = _verify(api, goods_pass, {item.pk: 2}, key="gate-2")
    assert response.status_code == 403 and "超过" in response.data["detail"]
    check = GoodsCheck.objects.get()
    assert check.outcome == CheckOutcome.REFUSED and check.guard == world.guard
    goods_pass.refresh_from_db()
    assert goods_pass.state == PassState.AUTHORISED
    fixed = _verify(api, goods_pass, {item.pk: 1}, key="gate-2")
    assert fixed.status_code == 201 and GoodsCheck.objects.count() == 2


def test_a_pass_for_another_day_is_refused_and_recorded(api, world, application):
    goods_pass = services.goods_pass_apply(
        actor=world.cs, data=application(valid_on=timezone.localdate() + timedelta(days=1))
    )
    api.force_authenticate(world.guard)
    response = _verify(api, goods_pass, {i.pk: i.quantity for i in goods_pass.items.all()})
    assert response.status_code == 403
    assert GoodsCheck.objects.get().outcome == CheckOutcome.REFUSED


def test_a_resident_sees_their_pass_but_may_not_verify_it(api, world, application):
    goods_pass = services.goods_pass_apply(actor=world.cs, data=application())
    api.force_authenticate(world.resident_user)
    assert api.get(reverse("api:pass-detail", args=[goods_pass.pk])).status_code == 200
    assert _verify(api, goods_pass, {}).status_code == 403 and not GoodsCheck.objects.exists()


def test_verify_with_bad_input_is_a_400(api, world, application):
    goods_pass = services.goods_pass_apply(actor=world.cs, data=application())
    api.force_authenticate(world.guard)
    response = api.post(reverse("api:pass-verify", args=[goods_pass.pk]), {"released": "x"}, format="json")
    assert response.status_code == 400 and "released" in response.data["errors"]
    assert not GoodsCheck.objects.exists()


def test_a_resident_invites_a_visitor_and_the_gate_admits_the_code(api, world):
    api.force_authenticate(world.resident_user)
    body = {"room": world.room.pk, "name": "周朋友", "purpose": "聚会"}
    made = api.post(reverse("api:visit-invite"), body, format="json", HTTP_IDEMPOTENCY_KEY="inv-1")
    again = api.post(reverse("api:visit-invite"), body, format="json", HTTP_IDEMPOTENCY_KEY="inv-1")
    assert made.status_code == 201 and made.data["code"] and again.data == made.data and Visit.objects.count() == 1
    assert api.post(reverse("api:visit-invite"), {**body, "room": world.room2.pk}, format="json").status_code == 404
    api.force_authenticate(world.guard)
    admitted = api.post(
        reverse("api:visit-admit"), {"project": world.project.pk, "code": made.data["code"]}, format="json"
    )
    assert admitted.status_code == 200 and admitted.data["time_in"]


def test_staff_may_not_invite_in_a_residents_name(api, world):
    api.force_authenticate(world.cs)
    body = {"room": world.room.pk, "name": "周朋友", "purpose": "聚会"}
    assert api.post(reverse("api:visit-invite"), body, format="json").status_code == 403
    assert not Visit.objects.exists()


def test_the_owner_confirms_a_tenants_pass(api, world, application):
    goods_pass = services.goods_pass_apply(actor=world.cs, data=application())
    type(goods_pass).objects.filter(pk=goods_pass.pk).update(state=PassState.AWAITING_OWNER)
    api.force_authenticate(world.resident_user)
    response = api.post(reverse("api:pass-confirm", args=[goods_pass.pk]))
    assert response.status_code == 200
    goods_pass.refresh_from_db()
    assert goods_pass.state == PassState.AUTHORISED and goods_pass.authorised_via == "app"


def test_the_gate_looks_a_pass_up_by_code_under_api(api, world, application):
    goods_pass = services.goods_pass_apply(actor=world.cs, data=application())
    api.force_authenticate(world.guard)
    found = api.get(reverse("api:pass-lookup"), {"project": world.project.pk, "code": goods_pass.code})
    assert found.status_code == 200 and found.data["id"] == goods_pass.pk and found.data["refused"] is False
