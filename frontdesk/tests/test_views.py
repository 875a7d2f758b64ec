"""The front desk's pages with the cast: who may and who may not."""

import pytest
from django.urls import reverse
from django.utils import timezone

from frontdesk import services
from frontdesk.choices import ParcelState, PassState, VisitState
from frontdesk.models import GoodsPass, Parcel, PickupAttempt, Visit
from frontdesk.tests.conftest import ID_CARD

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    "frontdesk:parcels",
    "frontdesk:overdue",
    "frontdesk:visitors",
    "frontdesk:contractors",
    "frontdesk:gate",
    "frontdesk:passes",
    "frontdesk:pass-new",
    "frontdesk:passes-week",
]


def log(world, **kw):
    data = dict(room_id=world.room.pk, tracking_number="SF1", carrier="顺丰")
    data.update(kw)
    return services.parcel_log(actor=world.cs, **data)


@pytest.mark.parametrize("name", STAFF_PAGES + ["frontdesk:mine", "frontdesk:home"])
def test_it_sends_anonymous_visitors_to_sign_in(client, world, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("name", STAFF_PAGES)
@pytest.mark.parametrize("who", ["cs", "supervisor", "guard", "manager"])
def test_front_staff_open_every_page(client, world, name, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", STAFF_PAGES)
@pytest.mark.parametrize("who", ["tech", "finance", "resident_user"])
def test_others_are_refused_the_staff_pages(client, world, name, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse(name)).status_code == 403


def test_the_resident_page_is_for_residents(client, world):
    client.force_login(world.cs)
    assert client.get(reverse("frontdesk:mine")).status_code == 403


def test_home_sends_each_role_to_its_page(client, world):
    client.force_login(world.guard)
    assert client.get(reverse("frontdesk:home"))["Location"] == reverse("frontdesk:gate")
    client.force_login(world.cs)
    assert client.get(reverse("frontdesk:home"))["Location"] == reverse("frontdesk:parcels")
    client.force_login(world.resident_user)
    assert client.get(reverse("frontdesk:home"))["Location"] == reverse("frontdesk:mine")


def test_logging_a_parcel_from_the_arrival_screen(client, world):
    client.force_login(world.cs)
    post = {"room": world.room.pk, "tracking_number": "sf 998877", "carrier": "顺丰", "kind": "parcel", "shelf": "B-1"}
    response = client.post(reverse("frontdesk:parcels"), post)
    parcel = Parcel.objects.get()
    assert response.status_code == 302 and f"logged={parcel.pk}" in response["Location"]
    assert "carrier=" in response["Location"] and parcel.tracking_number == "SF998877"
    page = client.get(response["Location"])
    assert parcel.pickup_code in page.content.decode()
    assert 'value="顺丰"' in page.content.decode()  # the carrier stays for the next parcel


def test_a_parcel_without_a_room_redisplays_with_an_error(client, world):
    client.force_login(world.cs)
    response = client.post(reverse("frontdesk:parcels"), {"tracking_number": "SF1", "kind": "parcel"})
    assert response.status_code == 400 and "请选择本项目的房屋" in response.content.decode()
    assert not Parcel.objects.exists()


def test_a_guard_hands_over_by_code_and_a_second_try_is_shown_and_recorded(client, world):
    parcel = log(world)
    client.force_login(world.guard)
    url = reverse("frontdesk:parcel-collect")
    response = client.post(url, {"code": parcel.pickup_code}, follow=True)
    assert "已交付" in response.content.decode()
    response = client.post(url, {"code": parcel.pickup_code}, follow=True)
    assert "使用过" in response.content.decode()
    assert PickupAttempt.objects.count() == 1


def test_signature_and_return_from_the_parcel_page(client, world):
    parcel = log(world)
    other = log(world, tracking_number="SF2")
    client.force_login(world.cs)
    assert client.get(reverse("frontdesk:parcel", args=[parcel.pk])).status_code == 200
    assert client.post(reverse("frontdesk:parcel-sign", args=[parcel.pk]), {"collector_name": ""}).status_code == 400
    client.post(reverse("frontdesk:parcel-sign", args=[parcel.pk]), {"collector_name": "张三"})
    client.post(reverse("frontdesk:parcel-return", args=[other.pk]), {"note": "拒收"})
    states = dict(Parcel.objects.values_list("pk", "state"))
    assert states == {parcel.pk: ParcelState.COLLECTED, other.pk: ParcelState.RETURNED}
    response = client.post(reverse("frontdesk:parcel-sign", args=[other.pk]), {"collector_name": "张三"}, follow=True)
    assert "已退回" in response.content.decode()


def test_another_projects_records_are_404(client, world):
    parcel = log(world)
    visit = services.visit_preregister(actor=world.resident_user, room_id=world.room.pk, name="x", purpose="y")
    gp = services.goods_pass_apply(
        actor=world.resident_user,
        data=services.PassApplication(
            room_id=world.room.pk,
            valid_on=timezone.localdate(),
            carrier_name="c",
            carrier_id_number=ID_CARD,
            items=[("箱", 1)],
        ),
    )
    client.force_login(world.outsider)
    assert client.get(reverse("frontdesk:parcel", args=[parcel.pk])).status_code == 404
    assert client.post(reverse("frontdesk:parcel-sign", args=[parcel.pk]), {"collector_name": "x"}).status_code == 404
    assert client.post(reverse("frontdesk:visit-leave", args=[visit.pk])).status_code == 404
    assert client.get(reverse("frontdesk:pass", args=[gp.pk])).status_code == 404
    assert client.post(reverse("frontdesk:pass-verify", args=[gp.pk]), {}).status_code == 404
    assert client.get(reverse("frontdesk:room-parcels", args=[world.room.pk])).status_code == 404
    # a neighbour resident cannot see them either
    client.force_login(world.tech)
    assert client.get(reverse("frontdesk:pass", args=[gp.pk])).status_code == 404


def test_walk_in_form_and_leaving(client, world):
    client.force_login(world.cs)
    post = {
        "room": world.room.pk,
        "name": "周访客",
        "id_type": "id_card",
        "id_number": ID_CARD,
        "phone": "13600001234",
        "people": 1,
        "purpose": "探亲",
        "agreed_by": "",
        "agreed_via": "phone",
    }
    response = client.post(reverse("frontdesk:visitors"), post)
    assert response.status_code == 400 and "征得被访户同意" in response.content.decode()
    post["agreed_by"] = "张三"
    assert client.post(reverse("frontdesk:visitors"), post).status_code == 302
    visit = Visit.objects.get()
    page = client.get(reverse("frontdesk:visitors")).content.decode()
    assert ID_CARD not in page and "1101**********002X" in page and "136****1234" in page
    client.post(reverse("frontdesk:visit-leave", args=[visit.pk]))
    assert Visit.objects.get().state == VisitState.LEFT


def test_the_guard_never_sees_a_full_id_number_nor_a_reveal_button(client, world):
    services.visit_register(
        actor=world.cs,
        data=services.WalkIn(
            room_id=world.room.pk, name="周", purpose="探亲", agreed_by="张三", agreed_via="phone", id_number=ID_CARD
        ),
    )
    visit = Visit.objects.get()
    reveal = reverse("privacy-reveal", args=["frontdesk.visit", visit.pk, "id_number"])
    client.force_login(world.cs)
    assert reveal in client.get(reverse("frontdesk:visitors")).content.decode()  # the desk may click to see it
    client.force_login(world.guard)
    page = client.get(reverse("frontdesk:visitors")).content.decode()
    assert ID_CARD not in page and "1101**********002X" in page and reveal not in page


def test_resident_preregisters_from_the_phone_and_the_guard_admits(client, world):
    client.force_login(world.resident_user)
    post = {
        "preregister": "1",
        "v-room": world.room.pk,
        "v-name": "李表哥",
        "v-phone": "",
        "v-people": 2,
        "v-purpose": "做客",
        "v-expected_on": timezone.localdate().isoformat(),
    }
    response = client.post(reverse("frontdesk:mine"), post, follow=True)
    visit = Visit.objects.get()
    assert visit.code in response.content.decode()
    client.force_login(world.guard)
    response = client.post(reverse("frontdesk:gate-admit"), {"code": visit.code}, follow=True)
    assert "已记录到达" in response.content.decode()
    response = client.post(reverse("frontdesk:gate-admit"), {"code": visit.code}, follow=True)
    assert "使用过" in response.content.decode()


def test_a_resident_cannot_preregister_for_a_room_not_theirs(client, world):
    client.force_login(world.resident_user)
    post = {
        "preregister": "1",
        "v-room": world.room2.pk,
        "v-name": "x",
        "v-people": 1,
        "v-purpose": "y",
        "v-expected_on": timezone.localdate().isoformat(),
    }
    assert client.post(reverse("frontdesk:mine"), post).status_code == 400
    assert not Visit.objects.exists()


def test_pass_from_the_desk_then_checked_at_the_gate(client, world):
    client.force_login(world.cs)
    post = {
        "room": world.room.pk,
        "valid_on": timezone.localdate().isoformat(),
        "applicant": world.resident.pk,
        "authorised_via": "phone",
        "carrier_name": "老李",
        "carrier_id_number": ID_CARD,
        "items": "沙发 1\n纸箱×5",
        "note": "",
    }
    response = client.post(reverse("frontdesk:pass-new"), post)
    gp = GoodsPass.objects.get()
    assert response.status_code == 302 and gp.state == PassState.AUTHORISED
    client.force_login(world.guard)
    response = client.get(reverse("frontdesk:gate-pass"), {"code": gp.code})
    assert response["Location"] == reverse("frontdesk:pass", args=[gp.pk])
    page = client.get(response["Location"]).content.decode()
    assert "沙发" in page and ID_CARD not in page
    fields = {f"item_{i.pk}": i.quantity for i in gp.items.all()}
    response = client.post(reverse("frontdesk:pass-verify", args=[gp.pk]), {**fields, "extra": "电视 1"}, follow=True)
    assert "不予放行" in response.content.decode()
    response = client.post(reverse("frontdesk:pass-verify", args=[gp.pk]), fields, follow=True)
    assert "已放行" in response.content.decode()
    assert GoodsPass.objects.get().state == PassState.RELEASED
    # the same code at the gate again: refused on sight, and the refusal is recorded
    response = client.get(reverse("frontdesk:gate-pass"), {"code": gp.code}, follow=True)
    assert "不能重复使用" in response.content.decode()
    assert list(gp.checks.values_list("outcome", flat=True)) == ["refused", "released", "refused"]


def pass_form(world, applicant, **kw):
    data = {
        "room": world.room.pk,
        "valid_on": timezone.localdate().isoformat(),
        "applicant": applicant,
        "applicant_relation": "owner",  # an old form's claim: ignored, the room's links decide
        "authorised_via": "phone",
        "carrier_name": "老李",
        "carrier_id_number": ID_CARD,
        "items": "沙发 1",
    }
    data.update(kw)
    return data


def test_the_desk_chooses_the_applicant_among_the_rooms_people(client, world, room_tenant):
    client.force_login(world.cs)
    options = client.get(reverse("frontdesk:pass-applicants"), {"room": world.room.pk}).content.decode()
    assert f'value="{world.resident.pk}"' in options and f'value="{room_tenant.pk}"' in options
    assert f'value="{world.neighbour.pk}"' not in options

    response = client.post(reverse("frontdesk:pass-new"), pass_form(world, room_tenant.pk))

    gp = GoodsPass.objects.get()
    assert response.status_code == 302
    assert (gp.state, gp.applicant_name, gp.applicant_relation) == (PassState.AWAITING_OWNER, "租客", "tenant")
    assert not gp.authorised_at


def test_a_person_not_linked_to_the_room_is_refused_on_the_pass_form(client, world):
    client.force_login(world.cs)
    response = client.post(reverse("frontdesk:pass-new"), pass_form(world, world.neighbour.pk))

    assert response.status_code == 400
    assert response.context["form"].errors["applicant"] == ["申请人须是这套房屋现登记的业主、家庭成员或租户。"]
    assert "申请人须是这套房屋现登记的业主、家庭成员或租户。" in response.content.decode()
    # the select offers the room's people again, nobody else
    body = response.content.decode()
    assert f'value="{world.resident.pk}"' in body and f'value="{world.neighbour.pk}"' not in body
    assert not GoodsPass.objects.exists()


def test_a_pass_form_with_an_unreadable_item_line_redisplays(client, world):
    client.force_login(world.cs)
    post = {
        "room": world.room.pk,
        "valid_on": timezone.localdate().isoformat(),
        "applicant": world.resident.pk,
        "authorised_via": "phone",
        "carrier_name": "老李",
        "carrier_id_number": ID_CARD,
        "items": "沙发",
    }
    response = client.post(reverse("frontdesk:pass-new"), post)
    assert response.status_code == 400 and "看不懂的行" in response.content.decode()


def test_owner_confirms_a_tenants_pass_from_the_phone_page(client, world, room_tenant):
    gp = services.goods_pass_apply(
        actor=world.cs,
        data=services.PassApplication(
            room_id=world.room.pk,
            valid_on=timezone.localdate(),
            carrier_name="c",
            carrier_id_number=ID_CARD,
            items=[("床", 1)],
            applicant_id=room_tenant.pk,
        ),
    )
    client.force_login(world.resident_user)
    page = client.get(reverse("frontdesk:mine")).content.decode()
    assert "我是业主，确认放行" in page
    client.post(reverse("frontdesk:pass-confirm", args=[gp.pk]))
    assert GoodsPass.objects.get().state == PassState.AUTHORISED


def test_weekly_archive_and_print(client, world):
    services.goods_pass_apply(
        actor=world.cs,
        data=services.PassApplication(
            room_id=world.room.pk,
            valid_on=timezone.localdate(),
            carrier_name="老李",
            carrier_id_number=ID_CARD,
            items=[("床", 1)],
            applicant_id=world.resident.pk,
            authorised_via="phone",
        ),
    )
    client.force_login(world.supervisor)
    year, week, _ = timezone.localdate().isocalendar()
    for extra in ({}, {"print": "1"}):
        page = client.get(reverse("frontdesk:passes-week"), {"week": f"{year}-W{week:02d}", **extra}).content.decode()
        assert "3-2-1502" in page and "老李" in page and ID_CARD not in page
    assert client.get(reverse("frontdesk:passes-week"), {"week": "2026-W60"}).status_code == 404


def test_list_pages_have_bounded_queries(client, world, django_assert_max_num_queries):
    for i in range(15):
        log(world, tracking_number=f"SF{i}", kind="important" if i % 3 == 0 else "parcel")
        services.visit_register(
            actor=world.cs,
            data=services.WalkIn(
                room_id=world.room2.pk,
                name=f"访客{i}",
                purpose="探亲",
                agreed_by="李四",
                agreed_via="phone",
                id_number=ID_CARD,
            ),
        )
        services.goods_pass_apply(
            actor=world.cs,
            data=services.PassApplication(
                room_id=world.room.pk,
                valid_on=timezone.localdate(),
                carrier_name="老李",
                carrier_id_number=ID_CARD,
                items=[("床", 1), ("柜", 2)],
                applicant_id=world.resident.pk,
                authorised_via="phone",
            ),
        )
    client.force_login(world.cs)
    year, week, _ = timezone.localdate().isocalendar()
    for name, params in [
        ("frontdesk:parcels", {}),
        ("frontdesk:visitors", {}),
        ("frontdesk:passes", {}),
        ("frontdesk:gate", {}),
        ("frontdesk:passes-week", {"week": f"{year}-W{week:02d}"}),
    ]:
        with django_assert_max_num_queries(14):
            assert client.get(reverse(name), params).status_code == 200
    client.force_login(world.resident_user)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("frontdesk:mine")).status_code == 200


# ---------------------------------------------------------------- a contractor's rooms as staff type them


def contractor_pass_post(client, world, rooms):
    from datetime import timedelta

    now = timezone.localtime().replace(second=0, microsecond=0)
    client.force_login(world.cs)
    return client.post(
        reverse("frontdesk:contractors"),
        {
            "project": world.project.pk,
            "company_name": "好家装饰",
            "people": "王师傅",
            "rooms": rooms,
            "purpose": "装修",
            "valid_from": f"{now:%Y-%m-%dT%H:%M}",
            "valid_to": f"{now + timedelta(days=7):%Y-%m-%dT%H:%M}",
        },
    )


@pytest.mark.parametrize(
    "typed",
    [
        "3栋2单元1502，3-2-1501",
        "３-２-１５０２、３-２-１５０１",
        " 3-2-1502 ;3幢2单元1501室 ",
        "3-2-1502　3-2-1501",  # a full-width space between them
    ],
)
def test_a_contractor_pass_takes_the_rooms_as_typed(client, world, typed):
    from frontdesk.models import ContractorPass

    response = contractor_pass_post(client, world, typed)
    assert response.status_code == 302
    assert sorted(ContractorPass.objects.get().rooms.values_list("code", flat=True)) == ["3-2-1501", "3-2-1502"]


def test_a_contractor_pass_names_another_projects_rooms_as_typed(client, world):
    from frontdesk.models import ContractorPass

    response = contractor_pass_post(client, world, "3栋2单元1502，1栋1单元101，１-１-１０１")
    assert response.status_code == 400
    assert response.context["form"].errors["rooms"] == ["没有这些房屋：1栋1单元101、１-１-１０１"]
    assert not ContractorPass.objects.exists()


def _gate_page(client, gp):
    response = client.get(reverse("frontdesk:gate-pass"), {"code": gp.code}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_a_pass_that_cannot_leave_shows_only_the_refusal_with_its_reason_at_the_gate(client, world, room_tenant):
    """An expired pass, a used one and a tenant's pass the owner has not confirmed: the guard sees
    why it is refused and no release button (pressing it was refused anyway)."""
    from datetime import timedelta

    import time_machine

    def apply(**kw):
        data = dict(
            room_id=world.room.pk,
            valid_on=timezone.localdate(),
            carrier_name="老李",
            carrier_id_number=ID_CARD,
            items=[("沙发", 1)],
            applicant_id=world.resident.pk,
            authorised_via="phone",
        )
        data.update(kw)
        return services.goods_pass_apply(actor=world.cs, data=services.PassApplication(**data))

    client.force_login(world.guard)
    good = apply()
    page = _gate_page(client, good)
    assert 'id="verify-form"' in page and "核对并放行" in page and 'id="pass-refused"' not in page

    expired = apply(carrier_name="过期")
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        page = _gate_page(client, expired)
    assert "核对并放行" not in page and 'id="verify-form"' not in page
    assert 'id="pass-refused"' in page and "当天有效" in page

    used = apply(carrier_name="用过")
    services.goods_pass_verify(
        actor=world.guard, goods_pass=used, released={i.pk: i.quantity for i in used.items.all()}
    )
    page = client.get(reverse("frontdesk:pass", args=[used.pk])).content.decode()
    assert "核对并放行" not in page and 'id="pass-refused"' in page and "不能重复使用" in page

    waiting = apply(carrier_name="租户", applicant_id=room_tenant.pk, authorised_via="")
    assert waiting.state == PassState.AWAITING_OWNER
    page = _gate_page(client, waiting)
    assert "核对并放行" not in page and 'id="pass-refused"' in page and "还没有业主确认" in page
