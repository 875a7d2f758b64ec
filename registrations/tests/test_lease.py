"""Rental registration (出租登记): owner confirmation, activation, overlap, move-out, reminders."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import idcard
from core.errors import ActionRefused
from core.models import Notification
from estate.choices import Relation, RoomState
from estate.models import Occupancy
from registrations import services
from registrations.choices import LeaseState
from registrations.models import Event, Lease, RegistrationSettings

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"  # a valid check digit


def register(world, room=None, start=date(2026, 12, 1), end=date(2027, 11, 30), **kw):
    data = dict(
        actor=world.cs,
        room=room or world.room,
        tenant_name="吴租",
        id_type="id_card",
        id_number=ID,
        tenant_phone="13600001234",
        start=start,
        end=end,
        contract_no="ZL-2026-01",
        emergency_name="吴父",
        emergency_phone="13600005678",
    )
    data.update(kw)
    return services.lease_register(**data)


def confirm(world, lease, **kw):
    data = dict(actor=world.cs, lease=lease, owner_name="张三", method="phone")
    data.update(kw)
    return services.lease_confirm_owner(**data)


def active(world, **kw):
    lease = register(world, **kw)
    confirm(world, lease)
    return services.lease_activate(actor=world.cs, lease=lease)


def test_id_card_check_digit():
    assert idcard.valid_id_card(ID)
    assert not idcard.valid_id_card("110105194912310021")
    assert not idcard.valid_id_card("110105194913310028")  # month 13


def test_register_stores_the_full_number_and_checks_input(world):
    lease = register(world, id_number="11010519491231002x")
    assert lease.id_number == ID and lease.state == LeaseState.DRAFT
    with pytest.raises(ValidationError) as exc:
        register(world, tenant_name="", id_number="123", tenant_phone="", start=date(2027, 1, 2), end=date(2027, 1, 1))
    assert set(exc.value.message_dict) == {"tenant_name", "id_number", "tenant_phone", "end"}


def test_end_before_start_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        register(world, start=date(2027, 3, 1), end=date(2027, 2, 28))
    assert "end" in exc.value.message_dict
    assert not Lease.objects.exists()


def test_activation_without_the_owners_confirmation_is_refused(world):
    lease = register(world)
    with pytest.raises(ActionRefused, match="业主确认"):
        services.lease_activate(actor=world.cs, lease=lease)
    lease.refresh_from_db()
    assert lease.state == LeaseState.DRAFT and not Occupancy.objects.filter(relation=Relation.TENANT).exists()


def test_confirmation_records_who_how_and_when(world):
    lease = confirm(world, register(world), method="written", note="委托书存档")
    assert lease.owner_name == "张三" and lease.confirm_method == "written"
    assert lease.confirm_recorded_by == world.cs and lease.confirmed_at is not None
    with pytest.raises(ValidationError):
        confirm(world, lease, owner_name="", method="fax")


def test_activation_makes_the_tenant_an_occupant_and_the_room_rented(world):
    lease = active(world)
    occ = Occupancy.objects.get(room=world.room, relation=Relation.TENANT)
    assert (occ.start, occ.end) == (lease.start, lease.end)
    assert occ.resident.name == "吴租" and occ.resident.phone == "13600001234"
    world.room.refresh_from_db()
    assert world.room.state == RoomState.RENTED and lease.state == LeaseState.ACTIVE


def test_overlapping_leases_are_refused_at_registration_and_activation(world):
    first = register(world)
    second = register(world, start=date(2027, 6, 1), end=date(2028, 5, 31))  # drafts may overlap
    confirm(world, first)
    services.lease_activate(actor=world.cs, lease=first)
    confirm(world, second)
    with pytest.raises(ActionRefused, match="重叠"):
        services.lease_activate(actor=world.cs, lease=second)
    with pytest.raises(ActionRefused, match="重叠"):
        register(world, start=date(2027, 11, 30), end=date(2028, 1, 1))
    register(world, start=date(2027, 12, 1), end=date(2028, 11, 30))  # the day after is fine
    register(world, room=world.room2, start=date(2027, 1, 1), end=date(2027, 6, 30))  # another room is fine


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    a=st.tuples(st.integers(0, 60), st.integers(0, 60)),
    b=st.tuples(st.integers(0, 60), st.integers(0, 60)),
)
def test_overlap_rule_matches_interval_arithmetic(world, a, b):
    base = date(2027, 1, 1)
    a_start, a_end = base + timedelta(days=min(a)), base + timedelta(days=max(a))
    b_start, b_end = base + timedelta(days=min(b)), base + timedelta(days=max(b))
    Lease.objects.filter(room=world.room2).update(state=LeaseState.CANCELLED)
    lease = register(world, room=world.room2, start=a_start, end=a_end)
    Lease.objects.filter(pk=lease.pk).update(state=LeaseState.ACTIVE)
    overlaps = a_start <= b_end and b_start <= a_end
    try:
        register(world, room=world.room2, start=b_start, end=b_end)
    except ActionRefused:
        assert overlaps
    else:
        assert not overlaps


def test_move_out_ends_the_occupancy_and_records_the_account_check(world):
    lease = active(world)
    with pytest.raises(ValidationError):
        services.lease_move_out(actor=world.cs, lease=lease, on=date(2026, 11, 1))
    services.lease_move_out(actor=world.cs, lease=lease, on=date(2027, 5, 31), note="押金已退")
    lease.refresh_from_db()
    occ = Occupancy.objects.get(pk=lease.occupancy_id)
    assert lease.state == LeaseState.ENDED and occ.end == date(2027, 5, 31)
    assert lease.move_out_owed_fen == 0 and lease.move_out_override_by is None
    world.room.refresh_from_db()
    assert world.room.state == RoomState.OCCUPIED  # the owner is still on file
    with pytest.raises(ActionRefused):
        services.lease_move_out(actor=world.cs, lease=lease, on=date(2027, 6, 1))


def owe(world, fen=30000):
    from billing.tests.arrears_factories import fee_item, make_bill

    return make_bill(world.room, [(fee_item(world.company), fen)], period_start=date(2026, 10, 1))


def test_move_out_in_arrears_is_blocked_until_a_supervisor_overrides(world):
    """The default policy (BillingSettings.move_out_arrears) is block."""
    lease = active(world)
    owe(world)
    with pytest.raises(ValidationError) as exc:
        services.lease_move_out(actor=world.cs, lease=lease, on=date(2027, 5, 31))
    assert "300.00" in exc.value.message_dict["override_reason"][0]
    with pytest.raises(ActionRefused):
        services.lease_move_out(actor=world.cs, lease=lease, on=date(2027, 5, 31), override_reason="业主担保")
    assert Lease.objects.get(pk=lease.pk).state == LeaseState.ACTIVE
    services.lease_move_out(actor=world.supervisor, lease=lease, on=date(2027, 5, 31), override_reason="业主担保")
    lease.refresh_from_db()
    assert lease.state == LeaseState.ENDED and lease.move_out_owed_fen == 30000
    assert (lease.move_out_override_by, lease.move_out_override_reason) == (world.supervisor, "业主担保")


def test_move_out_in_arrears_with_warn_goes_ahead_and_records_the_amount(world):
    from billing.tests.arrears_factories import settings_for

    settings_for(world.company, move_out_arrears="warn")
    lease = active(world)
    owe(world, 12345)
    services.lease_move_out(actor=world.cs, lease=lease, on=date(2027, 5, 31))
    lease.refresh_from_db()
    assert lease.state == LeaseState.ENDED and lease.move_out_owed_fen == 12345 and lease.move_out_override_by is None


def test_move_out_of_the_only_occupant_leaves_the_room_vacant(world, vacant_room):
    lease = register(world, room=vacant_room, start=date(2026, 1, 1), end=date(2027, 12, 31))
    confirm(world, lease)
    services.lease_activate(actor=world.cs, lease=lease)
    services.lease_move_out(actor=world.cs, lease=lease, on=date(2026, 12, 31))
    vacant_room.refresh_from_db()
    assert vacant_room.state == RoomState.VACANT


def test_people_who_may_not_register_are_refused(world):
    for who in (world.tech, world.finance, world.resident_user, world.outsider):
        with pytest.raises(ActionRefused):
            register(world, actor=who)
    lease = register(world)
    with pytest.raises(ActionRefused):
        confirm(world, lease, actor=world.guard)


def test_cancel_only_a_draft(world):
    lease = register(world)
    services.lease_cancel(actor=world.cs, lease=lease, reason="租户放弃")
    lease.refresh_from_db()
    assert lease.state == LeaseState.CANCELLED
    with pytest.raises(ActionRefused):
        services.lease_activate(actor=world.cs, lease=lease)


# ------------------------------------------------------------------ expiry reminders


def test_the_reminder_fires_once_n_days_before_the_end(world):
    tenant_user = world.resident_user.__class__.objects.create(username="tenant", role="resident")
    lease = active(world, start=date(2026, 1, 1), end=date(2026, 12, 31))
    lease.resident.user = tenant_user
    lease.resident.save()
    assert services.lease_send_reminders(today=date(2026, 11, 30)) == 0  # 31 days before
    assert services.lease_send_reminders(today=date(2026, 12, 1)) == 1  # 30 days before
    assert services.lease_send_reminders(today=date(2026, 12, 1)) == 0
    assert services.lease_send_reminders(today=date(2026, 12, 20)) == 0
    notes = Notification.objects.filter(title__contains="租约将于")
    recipients = set(notes.values_list("user__username", flat=True))
    assert {"cs", "cs2", "sup", "mgr", "tenant", "owner"} <= recipients
    assert not recipients & {"tech", "other_cs", "pm", "fin"}
    assert notes.count() == len(recipients)  # each person once
    assert notes.first().url == f"/registrations/leases/{lease.pk}/"
    reminded = Event.objects.get(kind="lease", record_id=lease.pk, action="remind")
    assert reminded.actor is None  # the system, not a person


def test_the_reminder_days_are_a_setting_per_project_over_company(world):
    RegistrationSettings.objects.create(company=world.company, lease_reminder_days=60)
    active(world, start=date(2026, 1, 1), end=date(2026, 12, 31))
    assert services.lease_send_reminders(today=date(2026, 10, 31)) == 0  # 61 days before
    assert services.lease_send_reminders(today=date(2026, 11, 1)) == 1  # 60 days before
    RegistrationSettings.objects.create(company=world.company, project=world.project, lease_reminder_days=7)
    lease2 = register(world, room=world.room2, start=date(2026, 1, 1), end=date(2026, 12, 31))
    confirm(world, lease2, owner_name="李四")
    services.lease_activate(actor=world.cs, lease=lease2)
    assert services.lease_send_reminders(today=date(2026, 12, 23)) == 0
    assert services.lease_send_reminders(today=date(2026, 12, 24)) == 1


def test_draft_ended_and_past_leases_get_no_reminder(world, vacant_room):
    register(world, start=date(2026, 1, 1), end=date(2026, 12, 31))  # a draft
    ended = register(world, room=world.room2, start=date(2026, 1, 1), end=date(2026, 12, 31))
    confirm(world, ended, owner_name="李四")
    services.lease_activate(actor=world.cs, lease=ended)
    services.lease_move_out(actor=world.cs, lease=ended, on=date(2026, 6, 30))
    past = register(world, room=vacant_room, start=date(2026, 1, 1), end=date(2026, 12, 10))
    confirm(world, past, owner_name="某业主")
    services.lease_activate(actor=world.cs, lease=past)
    assert services.lease_send_reminders(today=date(2026, 12, 20)) == 0
    assert not Notification.objects.exists()


def test_the_periodic_task_calls_the_service(world, monkeypatch):
    from registrations import tasks

    called = {}
    monkeypatch.setattr(services, "lease_send_reminders", lambda **kw: called.setdefault("n", 3))
    assert tasks.remind_lease_expiry.call_local() == 3
