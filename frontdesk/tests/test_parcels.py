"""Parcels and mail: logging, notifying, pickup codes, handing over, returns."""

import secrets
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import ActionRefused, ServiceError
from core.models import Notification
from frontdesk import selectors, services
from frontdesk.choices import ParcelState
from frontdesk.models import FrontdeskSettings, Parcel, PickupAttempt
from tests.factories import make_resident, make_user

pytestmark = pytest.mark.django_db


def log(world, actor=None, **kw):
    data = dict(room_id=world.room.pk, kind="parcel", tracking_number="SF1234567890", carrier="顺丰", shelf="A-3")
    data.update(kw)
    return services.parcel_log(actor=actor or world.cs, **data)


def test_it_logs_a_parcel_and_tells_the_rooms_occupants_with_accounts(world):
    parcel = log(world)
    assert parcel.state == ParcelState.WAITING and parcel.project_id == world.project.pk
    assert len(parcel.pickup_code) == 6 and parcel.pickup_code.isdigit()
    notes = list(Notification.objects.all())
    assert [n.user_id for n in notes] == [world.resident_user.pk]  # the neighbour has no account, staff are not told
    assert parcel.pickup_code in notes[0].title and parcel.pickup_code in notes[0].body
    assert parcel.events.get().action == "logged"


def test_it_tells_every_current_occupant_once_and_not_a_former_one(world):
    tenant_user = make_user("tenant", "resident", company=world.company)
    make_resident(world.room, "王五", "13500000000", relation="tenant", user=tenant_user)
    old_user = make_user("old", "resident", company=world.company)
    old = make_resident(world.room, "旧户", "13500000001", user=old_user)
    old.occupancies.update(end=timezone.localdate() - timedelta(days=10))
    log(world)
    assert set(Notification.objects.values_list("user_id", flat=True)) == {world.resident_user.pk, tenant_user.pk}


def test_a_guard_may_log_but_a_technician_and_another_projects_staff_may_not(world):
    assert log(world, actor=world.guard).pk
    with pytest.raises(ActionRefused):
        log(world, actor=world.tech)
    with pytest.raises(ValidationError):
        log(world, actor=world.outsider)  # the room is not in their project


def test_a_parcel_needs_a_tracking_number_but_a_letter_does_not(world):
    with pytest.raises(ValidationError) as exc:
        log(world, tracking_number="  ")
    assert "tracking_number" in exc.value.message_dict
    assert log(world, kind="letter", tracking_number="").kind == "letter"
    assert Parcel.objects.count() == 1


def test_important_mail_is_due_within_the_projects_hours(world):
    parcel = log(world, kind="important", tracking_number="EMS1")
    assert parcel.due_at == parcel.arrived_at + timedelta(hours=2)
    FrontdeskSettings.objects.create(project=world.project, important_mail_hours=1)
    parcel = log(world, kind="important", tracking_number="EMS2")
    assert parcel.due_at == parcel.arrived_at + timedelta(hours=1)
    assert not parcel.is_overdue
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert parcel.is_overdue
    assert log(world).due_at is None


def random_draws(monkeypatch, codes) -> None:
    """The random source every code is drawn from (`secrets.randbelow`) yields `codes` in turn: the
    only way to make a draw hit a code already in use, which the clash is about."""
    pool = iter(codes)
    monkeypatch.setattr(secrets, "randbelow", lambda _n: int(next(pool)))


def test_pickup_codes_are_unique_among_the_projects_waiting_parcels(world, monkeypatch):
    first = log(world)
    random_draws(monkeypatch, [first.pickup_code, first.pickup_code, "222222"])
    second = log(world, tracking_number="SF2")
    assert second.pickup_code == "222222"  # the two clashes with the waiting parcel were drawn again
    # once the first is collected its code may be drawn again
    services.parcel_collect_by_code(actor=world.cs, project_id=world.project.pk, code=first.pickup_code)
    random_draws(monkeypatch, [first.pickup_code])
    assert log(world, tracking_number="SF3").pickup_code == first.pickup_code


def test_a_code_that_keeps_clashing_is_refused_with_nothing_logged(world, monkeypatch):
    first = log(world)
    random_draws(monkeypatch, [first.pickup_code] * services.CODE_TRIES)
    with pytest.raises(ServiceError, match="唯一的码"):
        log(world, tracking_number="SF2")
    assert list(Parcel.objects.all()) == [first]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["111111", "222222", "333333", "444444"]), min_size=4, max_size=12))
def test_waiting_codes_never_repeat_whatever_the_draws(world, draws):
    Parcel.objects.all().delete()  # the world is shared by the examples: start each from an empty shelf
    with pytest.MonkeyPatch.context() as monkeypatch:
        random_draws(monkeypatch, draws + ["555555", "666666", "777777", "888888"] * 5)
        for i in range(4):
            log(world, tracking_number=f"T{i}")
    codes = list(Parcel.objects.filter(state=ParcelState.WAITING).values_list("pickup_code", flat=True))
    assert len(codes) == len(set(codes)) == 4


def test_it_hands_over_against_the_pickup_code(world):
    parcel = log(world)
    done = services.parcel_collect_by_code(actor=world.cs2, project_id=world.project.pk, code=parcel.pickup_code)
    assert done.state == ParcelState.COLLECTED and done.method == "code" and done.handed_by == world.cs2
    assert list(parcel.events.values_list("action", flat=True)) == ["logged", "collected"]


def test_a_code_used_twice_is_refused_and_the_attempt_recorded(world):
    parcel = log(world)
    services.parcel_collect_by_code(actor=world.cs, project_id=world.project.pk, code=parcel.pickup_code)
    with pytest.raises(ActionRefused, match="使用过"):
        services.parcel_collect_by_code(actor=world.guard, project_id=world.project.pk, code=parcel.pickup_code)
    attempt = PickupAttempt.objects.get()
    assert attempt.parcel == parcel and attempt.actor == world.guard and "使用过" in attempt.reason


def test_a_code_of_another_project_is_refused_and_recorded(world):
    other = services.parcel_log(actor=world.outsider, room_id=world.other_room.pk, tracking_number="YT1")
    with pytest.raises(ActionRefused, match="不是本项目"):
        services.parcel_collect_by_code(actor=world.cs, project_id=world.project.pk, code=other.pickup_code)
    assert Parcel.objects.get(pk=other.pk).state == ParcelState.WAITING
    assert PickupAttempt.objects.filter(project=world.project, code=other.pickup_code).exists()


def test_an_unknown_code_is_refused_and_a_malformed_one_changes_nothing(world):
    with pytest.raises(ActionRefused, match="没有找到"):
        services.parcel_collect_by_code(actor=world.cs, project_id=world.project.pk, code="000001")
    with pytest.raises(ValidationError):
        services.parcel_collect_by_code(actor=world.cs, project_id=world.project.pk, code="12ab")
    assert PickupAttempt.objects.count() == 1


def test_staff_may_not_use_codes_for_a_project_they_do_not_work_in(world):
    parcel = log(world)
    with pytest.raises(ActionRefused):
        services.parcel_collect_by_code(actor=world.outsider, project_id=world.project.pk, code=parcel.pickup_code)
    with pytest.raises(ActionRefused):
        services.parcel_collect_by_code(actor=world.finance, project_id=world.project.pk, code=parcel.pickup_code)


def test_it_hands_over_against_a_signature(world):
    parcel = log(world)
    with pytest.raises(ValidationError):
        services.parcel_hand_over(actor=world.cs, parcel=parcel, collector_name=" ")
    done = services.parcel_hand_over(actor=world.cs, parcel=parcel, collector_name="张三家属")
    assert done.method == "signature" and done.collector_name == "张三家属"
    with pytest.raises(ActionRefused):
        services.parcel_hand_over(actor=world.cs, parcel=done, collector_name="又一个")


def test_a_returned_parcel_cannot_be_handed_over(world):
    parcel = log(world)
    services.parcel_return(actor=world.cs, parcel=parcel, note="超过30天未领")
    parcel.refresh_from_db()
    assert parcel.state == ParcelState.RETURNED and parcel.return_note == "超过30天未领"
    with pytest.raises(ActionRefused, match="退回"):
        services.parcel_hand_over(actor=world.cs, parcel=parcel, collector_name="张三")
    with pytest.raises(ActionRefused, match="退回"):
        services.parcel_collect_by_code(actor=world.cs, project_id=world.project.pk, code=parcel.pickup_code)
    with pytest.raises(ActionRefused):
        services.parcel_return(actor=world.cs, parcel=parcel)
    assert Parcel.objects.get(pk=parcel.pk).state == ParcelState.RETURNED


def test_overdue_list_follows_the_projects_hold_days(world):
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        old = log(world, tracking_number="OLD")
    with time_machine.travel(timezone.now() - timedelta(days=10)):
        middle = log(world, tracking_number="MID")
    log(world, tracking_number="NEW")
    rows, days = selectors.overdue_parcels(world.cs, world.project)
    assert days == 30 and [p.pk for p in rows] == [old.pk]
    FrontdeskSettings.objects.create(project=world.project, hold_days=7)
    rows, days = selectors.overdue_parcels(world.cs, world.project)
    assert days == 7 and [p.pk for p in rows] == [old.pk, middle.pk]
    assert selectors.overdue_parcels(world.outsider, world.project)[0] == []


def test_a_rooms_waiting_parcels_newest_first_and_scoped(world):
    a = log(world, tracking_number="A")
    b = log(world, tracking_number="B")
    c = log(world, tracking_number="C")
    log(world, room_id=world.room2.pk, tracking_number="D")
    services.parcel_hand_over(actor=world.cs, parcel=b, collector_name="x")
    assert [p.pk for p in selectors.room_waiting_parcels(world.cs, world.room.pk)] == [c.pk, a.pk]
    assert [p.pk for p in selectors.room_waiting_parcels(world.resident_user, world.room.pk)] == [c.pk, a.pk]
    assert selectors.room_waiting_parcels(world.resident_user, world.room2.pk) == []
    assert selectors.room_waiting_parcels(world.outsider, world.room.pk) == []
    assert selectors.room_waiting_parcels(world.tech, world.room.pk) == []


def test_overdue_important_mail_alerts_the_desk_once(world):
    parcel = log(world, kind="important", tracking_number="EMS9")
    log(world, tracking_number="PLAIN")
    Notification.objects.all().delete()
    assert services.parcel_overdue_alerts() == 0  # not yet due
    later = timezone.now() + timedelta(hours=3)
    assert services.parcel_overdue_alerts(now=later) == 1
    told = set(Notification.objects.values_list("user_id", flat=True))
    assert told == {world.cs.pk, world.cs2.pk, world.supervisor.pk, world.manager.pk}
    assert services.parcel_overdue_alerts(now=later) == 0  # exactly once
    assert parcel.events.filter(action="overdue").count() == 1


def test_the_notice_goes_through_the_event_templates_to_sms_with_what_arrived(world, settings):
    """parcel_arrived: the residents' channel choices and the administrators' templates apply; the
    text says what arrived, where, its code, and when important mail comes to the door."""
    from core.models import Delivery

    settings.PROPDESK_NOTIFICATION_CHANNELS = ["core.notify.SmsChannel"]
    world.resident_user.phone = "13812345678"
    world.resident_user.save(update_fields=["phone"])
    parcel = log(world, kind="important", tracking_number="EMS9", carrier="EMS", shelf="B-1")
    note = Notification.objects.get(user=world.resident_user)
    assert note.title == f"您有重要邮件，取件码 {parcel.pickup_code}"
    assert "（EMS）" in note.body and "（B-1）" in note.body and "前送达" in note.body
    assert note.url == reverse("portal:parcels")
    sms = Delivery.objects.get(user=world.resident_user, channel="sms")
    assert parcel.pickup_code in sms.text and sms.payload["event"] == "parcel_arrived"
