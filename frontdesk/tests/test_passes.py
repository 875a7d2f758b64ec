"""Goods release passes: authorisation, the owner's confirmation, the guard's check, the weekly archive."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.errors import ActionRefused
from core.models import Notification
from frontdesk import hooks, selectors, services
from frontdesk.choices import PassState
from frontdesk.models import GoodsCheck, GoodsPass
from frontdesk.services import PassApplication
from frontdesk.tests.conftest import ID_CARD
from tests.factories import make_resident, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant(world):
    user = make_user("tenant", "resident", company=world.company, display_name="租客小王")
    make_resident(world.room, "租客小王", "13500000000", relation="tenant", user=user)
    return user


def released(gp, **by_name):
    return {item.pk: by_name.get(item.name, item.quantity) for item in gp.items.all()}


def test_the_owner_applies_from_the_phone_and_the_pass_is_authorised(world):
    gp = services.goods_pass_apply(
        actor=world.resident_user,
        data=PassApplication(
            room_id=world.room.pk,
            valid_on=timezone.localdate(),
            carrier_name="老李",
            carrier_id_number=ID_CARD,
            items=[("冰箱", 1)],
        ),
    )
    assert gp.state == PassState.AUTHORISED and gp.applicant_relation == "owner"
    assert (gp.authorised_by, gp.authorised_via) == (world.resident_user.name, "app")


def test_staff_on_the_owners_behalf_record_how_the_owner_asked(world, application):
    with pytest.raises(ValidationError) as exc:
        services.goods_pass_apply(actor=world.cs, data=application(authorised_via=""))
    assert "authorised_via" in exc.value.message_dict
    gp = services.goods_pass_apply(actor=world.cs, data=application(authorised_via="in_person"))
    assert gp.state == PassState.AUTHORISED and gp.authorised_via == "in_person" and gp.authorised_user == world.cs
    assert [(i.name, i.quantity) for i in gp.items.all()] == [("沙发", 1), ("纸箱", 5)]


def test_a_tenants_pass_waits_for_the_owner_who_is_told(world, tenant):
    gp = services.goods_pass_apply(
        actor=tenant,
        data=PassApplication(
            room_id=world.room.pk,
            valid_on=timezone.localdate(),
            carrier_name="搬家",
            carrier_id_number=ID_CARD,
            items=[("床", 1)],
        ),
    )
    assert gp.state == PassState.AWAITING_OWNER and gp.applicant_relation == "tenant"
    assert Notification.objects.filter(user=world.resident_user).exists()
    assert not Notification.objects.filter(user=tenant).exists()
    # the guard cannot release it yet, and the refusal is recorded
    with pytest.raises(ActionRefused, match="业主确认"):
        services.goods_pass_verify(actor=world.guard, goods_pass=gp, released=released(gp))
    assert GoodsCheck.objects.get().outcome == "refused"
    # the tenant cannot confirm their own pass; the owner can
    with pytest.raises(ActionRefused):
        services.goods_pass_confirm(actor=tenant, goods_pass=gp)
    services.goods_pass_confirm(actor=world.resident_user, goods_pass=gp)
    gp.refresh_from_db()
    assert gp.state == PassState.AUTHORISED and gp.authorised_via == "app"
    with pytest.raises(ActionRefused):
        services.goods_pass_confirm(actor=world.resident_user, goods_pass=gp)


def test_the_desk_records_the_owners_confirmation_with_the_way(world, application, room_tenant):
    gp = services.goods_pass_apply(actor=world.cs, data=application(applicant_id=room_tenant.pk))
    assert gp.state == PassState.AWAITING_OWNER
    with pytest.raises(ValidationError):
        services.goods_pass_confirm(actor=world.cs, goods_pass=gp, via="", owner_name="张三")
    services.goods_pass_confirm(actor=world.cs, goods_pass=gp, via="phone", owner_name="张三")
    gp.refresh_from_db()
    assert (gp.state, gp.authorised_by, gp.authorised_via) == (PassState.AUTHORISED, "张三", "phone")


def test_the_arrears_hook_reads_the_rooms_account(world):
    assert hooks.room_arrears(world.room) == 0
    owe(world, 30000)
    assert hooks.room_arrears(world.room) == 30000
    assert hooks.goods_pass_policy(world.company.pk) == "warn"  # the default


def owe(world, fen):
    from billing.tests.arrears_factories import fee_item, make_bill

    due = timezone.localdate() - timedelta(days=10)
    return make_bill(world.room, [(fee_item(world.company), fen)], period_start=due.replace(day=1), due_on=due)


def tenant_pass(world, application, room_tenant):
    gp = services.goods_pass_apply(actor=world.cs, data=application(applicant_id=room_tenant.pk))
    services.goods_pass_confirm(actor=world.cs, goods_pass=gp, via="phone", owner_name="张三")
    return GoodsPass.objects.select_related("room", "project").get(pk=gp.pk)


def test_warn_shows_the_amount_and_lets_the_goods_out(world, application, room_tenant):
    owe(world, 30000)
    gp = tenant_pass(world, application, room_tenant)
    check = services.goods_pass_arrears(gp)
    assert check.warn and not check.blocked and check.owed == 30000
    assert services.goods_pass_refusal(gp) == ""
    services.goods_pass_verify(actor=world.guard, goods_pass=gp, released=released(gp))
    assert GoodsPass.objects.get(pk=gp.pk).state == PassState.RELEASED


def test_block_needs_a_supervisors_override_with_a_reason(world, application, room_tenant):
    from billing.tests.arrears_factories import settings_for

    settings_for(world.company, goods_pass_arrears="block")
    owe(world, 30000)
    gp = tenant_pass(world, application, room_tenant)  # the owner may still agree
    assert "300.00" in services.goods_pass_refusal(gp)
    with pytest.raises(ActionRefused, match="300.00"):
        services.goods_pass_verify(actor=world.guard, goods_pass=gp, released=released(gp))
    assert GoodsPass.objects.get(pk=gp.pk).state == PassState.AUTHORISED
    for who in (world.cs, world.guard):
        with pytest.raises(ActionRefused):
            services.goods_pass_override_arrears(actor=who, goods_pass=gp, reason="业主担保")
    with pytest.raises(ValidationError):
        services.goods_pass_override_arrears(actor=world.supervisor, goods_pass=gp, reason=" ")
    services.goods_pass_override_arrears(actor=world.supervisor, goods_pass=gp, reason="业主电话担保本周缴清")
    gp = GoodsPass.objects.select_related("room", "project").get(pk=gp.pk)
    assert (gp.arrears_override_by, gp.arrears_owed_fen) == (world.supervisor, 30000)
    assert services.goods_pass_refusal(gp) == ""
    services.goods_pass_verify(actor=world.guard, goods_pass=gp, released=released(gp))
    assert GoodsPass.objects.get(pk=gp.pk).state == PassState.RELEASED


def test_block_does_not_hold_an_owners_own_goods(world, application):
    from billing.tests.arrears_factories import settings_for

    settings_for(world.company, goods_pass_arrears="block")
    owe(world, 30000)
    gp = services.goods_pass_apply(actor=world.cs, data=application())
    gp = GoodsPass.objects.select_related("room", "project").get(pk=gp.pk)
    assert services.goods_pass_arrears(gp).warn and services.goods_pass_refusal(gp) == ""


def test_a_paid_up_room_needs_no_override(world, application, room_tenant):
    from billing.tests.arrears_factories import settings_for

    settings_for(world.company, goods_pass_arrears="block")
    gp = tenant_pass(world, application, room_tenant)
    assert services.goods_pass_refusal(gp) == ""
    with pytest.raises(ActionRefused, match="不需要"):
        services.goods_pass_override_arrears(actor=world.supervisor, goods_pass=gp, reason="x")


def test_the_pass_page_offers_the_override_to_supervisors_only(client, world, application, room_tenant):
    from django.urls import reverse

    from billing.tests.arrears_factories import settings_for
    from tests.factories import PASSWORD

    settings_for(world.company, goods_pass_arrears="block")
    owe(world, 30000)
    gp = tenant_pass(world, application, room_tenant)
    url = reverse("frontdesk:pass", args=[gp.pk])
    client.login(username="cs", password=PASSWORD)
    page = client.get(url).content.decode()
    assert 'id="pass-arrears"' in page and 'id="override-form"' not in page and 'id="verify-form"' not in page
    post = reverse("frontdesk:pass-override-arrears", args=[gp.pk])
    client.post(post, {"reason": "想放行"})
    assert GoodsPass.objects.get(pk=gp.pk).arrears_override_at is None
    client.login(username="sup", password=PASSWORD)
    assert 'id="override-form"' in client.get(url).content.decode()
    assert client.post(post, {"reason": ""}).status_code == 400
    client.post(post, {"reason": "业主担保"})
    assert GoodsPass.objects.get(pk=gp.pk).arrears_override_reason == "业主担保"
    assert 'id="verify-form"' in client.get(url).content.decode()


def test_the_guard_releases_and_records_fewer_items_as_a_difference(world, application):
    gp = services.goods_pass_apply(actor=world.cs, data=application())
    check = services.goods_pass_verify(actor=world.guard, goods_pass=gp, released=released(gp, 纸箱=3))
    gp.refresh_from_db()
    assert gp.state == PassState.RELEASED and gp.released_by == world.guard
    assert check.outcome == "released" and check.differences == [{"item": "纸箱", "on_pass": 5, "actual": 3}]
    assert {i.name: i.released_quantity for i in gp.items.all()} == {"沙发": 1, "纸箱": 3}


def test_a_pass_used_twice_is_refused(world, application):
    gp = services.goods_pass_apply(actor=world.cs, data=application())
    services.goods_pass_verify(actor=world.guard, goods_pass=gp, released=released(gp))
    with pytest.raises(ActionRefused, match="重复"):
        services.goods_pass_verify(actor=world.guard, goods_pass=gp, released=released(gp))
    assert list(gp.checks.values_list("outcome", flat=True)) == ["released", "refused"]


def test_a_pass_used_on_another_day_is_refused(world, application):
    tomorrow = timezone.localdate() + timedelta(days=1)
    gp = services.goods_pass_apply(actor=world.cs, data=application(valid_on=tomorrow))
    with pytest.raises(ActionRefused, match="当天有效"):
        services.goods_pass_verify(actor=world.guard, goods_pass=gp, released=released(gp))
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        with pytest.raises(ActionRefused, match="当天有效"):
            services.goods_pass_verify(actor=world.guard, goods_pass=gp, released=released(gp))
    assert GoodsPass.objects.get(pk=gp.pk).state == PassState.AUTHORISED
    assert gp.checks.filter(outcome="refused").count() == 2
    with pytest.raises(ValidationError):
        services.goods_pass_apply(actor=world.cs, data=application(valid_on=timezone.localdate() - timedelta(days=1)))


def test_items_not_on_the_pass_are_a_refusal_and_nothing_leaves(world, application):
    gp = services.goods_pass_apply(actor=world.cs, data=application())
    with pytest.raises(ActionRefused, match="不在放行单上"):
        services.goods_pass_verify(
            actor=world.guard, goods_pass=gp, released=released(gp), extra_items=[("电视机", 1)], note="车上多一台电视"
        )
    check = gp.checks.get()
    assert check.outcome == "refused" and "车上多一台电视" in check.reason
    assert check.differences == [{"item": "电视机", "on_pass": 0, "actual": 1}]
    gp.refresh_from_db()
    assert gp.state == PassState.AUTHORISED and all(i.released_quantity is None for i in gp.items.all())


def test_more_than_on_the_pass_is_a_refusal(world, application):
    gp = services.goods_pass_apply(actor=world.cs, data=application())
    with pytest.raises(ActionRefused, match="超过"):
        services.goods_pass_verify(actor=world.guard, goods_pass=gp, released=released(gp, 纸箱=8))
    assert GoodsPass.objects.get(pk=gp.pk).state == PassState.AUTHORISED


def test_finding_a_pass_by_code(world, application):
    gp = services.goods_pass_apply(actor=world.cs, data=application())
    assert services.find_goods_pass(actor=world.guard, project_id=world.project.pk, code=gp.code) == gp
    with pytest.raises(ActionRefused, match="不是本项目"):
        services.find_goods_pass(actor=world.outsider, project_id=world.other_project.pk, code=gp.code)
    with pytest.raises(ActionRefused):
        services.find_goods_pass(actor=world.tech, project_id=world.project.pk, code=gp.code)
    with pytest.raises(ValidationError):
        services.find_goods_pass(actor=world.guard, project_id=world.project.pk, code="abc")


def test_application_refusals(world, application, tenant):
    with pytest.raises(ValidationError) as exc:
        services.goods_pass_apply(actor=world.cs, data=application(items=[], carrier_id_number="", carrier_name=""))
    assert {"items", "carrier_id_number", "carrier_name"} <= set(exc.value.message_dict)
    with pytest.raises(ActionRefused):
        services.goods_pass_apply(actor=world.resident_user, data=application(room_id=world.room2.pk))
    with pytest.raises(ActionRefused):
        services.goods_pass_apply(actor=world.tech, data=application())
    assert not GoodsPass.objects.exists()


def test_weekly_archive_groups_by_iso_week(world, application):
    today = timezone.localdate()
    year, week, weekday = today.isocalendar()
    this_week = services.goods_pass_apply(actor=world.cs, data=application())
    next_monday = today + timedelta(days=8 - weekday)
    services.goods_pass_apply(actor=world.cs, data=application(valid_on=next_monday))
    assert selectors.passes_for_week(world.cs, [world.project.pk], year, week) == [this_week]
    assert selectors.passes_for_week(world.outsider, [world.project.pk], year, week) == []
