"""首问负责制 for reports from the residents' app: the desk stays the first receiver. The resident
is the reporter (the REGISTER entry's actor), the receiver is the desk person on duty (the duty
roster through desk/roster.py), front line first, the least busy of them; they are told at once and
follow it in their queue; the desk's list, the board and the KPIs read it like a phone call."""

from datetime import timedelta

import pytest
from django.urls import reverse

from core.choices import Role
from core.errors import ActionRefused
from core.models import Notification, User
from desk import roster
from desk.choices import Action, Channel, Kind, State
from desk.models import DeskSettings, ServiceRequest
from desk.selectors import desk_queues
from desk.services import Intake, request_register


def resident_report(world, **kw):
    data = dict(
        project_id=world.project.pk,
        kind=Kind.REPAIR,
        title="厨房漏水",
        channel=Channel.PORTAL,
        room_id=world.room.pk,
        category_id=world.category.pk,
    )
    data.update(kw)
    return request_register(actor=world.resident_user, data=Intake(**data))


@pytest.fixture
def on_duty(monkeypatch):
    """Put people on today's roster for the test (the duty app plugs its reader in the same way)."""
    people: set[int] = set()

    def reader(project_id, user_ids, at):
        shift = roster.ShiftToday("早班", at - timedelta(hours=1), at + timedelta(hours=1))
        return {uid: [shift] for uid in user_ids if uid in people}

    monkeypatch.setattr(roster, "_reader", reader)
    return people


def test_the_resident_reports_and_a_desk_person_receives(world):
    sr = resident_report(world)
    assert sr.receiver != world.resident_user and sr.receiver.role in (Role.CS_STAFF, Role.LOBBY)
    assert sr.resident == world.resident
    register = sr.events.get(action=Action.REGISTER)
    assert register.actor == world.resident_user  # who reported it stays on the timeline
    # the receiver is told and follows it in "my desk"
    assert Notification.objects.filter(user=sr.receiver, title__contains=sr.number).exists()
    assert sr in desk_queues(sr.receiver)["following"]
    assert not Notification.objects.filter(user=world.resident_user).exists()


def test_the_least_busy_front_line_person_receives(world):
    world.register(actor=world.cs)
    world.register(actor=world.cs)
    assert resident_report(world).receiver == world.cs2
    assert resident_report(world).receiver == world.cs2  # 1 each of cs2's vs 2 of cs
    third = resident_report(world)
    assert third.receiver == world.cs  # 2 vs 2: the lower id


def test_the_person_on_duty_receives(world, on_duty):
    world.register(actor=world.cs2)  # cs2 is busier, but the only one on duty
    on_duty.add(world.cs2.pk)
    assert resident_report(world).receiver == world.cs2
    # a supervisor on duty is taken only when no front-line person is
    on_duty.clear()
    on_duty.add(world.supervisor.pk)
    assert resident_report(world).receiver == world.supervisor


def test_without_a_desk_the_supervising_roles_receive_and_without_anyone_it_is_refused(world):
    User.objects.filter(role__in=[Role.CS_STAFF, Role.LOBBY, Role.CS_SUPERVISOR, Role.CS_MANAGER]).update(
        is_active=False
    )
    assert resident_report(world).receiver == world.pm
    User.objects.filter(pk=world.pm.pk).update(is_active=False)
    with pytest.raises(ActionRefused):
        resident_report(world)
    assert ServiceRequest.objects.count() == 1


def test_auto_dispatch_is_done_by_the_receiver(world):
    DeskSettings.objects.update_or_create(company=world.company, defaults={"auto_dispatch": True})
    sr = resident_report(world)
    sr.refresh_from_db()
    assert sr.state == State.DISPATCHED and sr.department == world.dept["engineering"]
    assert sr.events.get(action=Action.DISPATCH).actor == sr.receiver


def test_the_desk_pages_show_it_like_a_phone_call(client, world):
    sr = resident_report(world)
    client.force_login(world.cs)
    assert sr.number in client.get(reverse("desk:list")).content.decode()
    page = client.get(reverse("desk:detail", args=[sr.pk])).content.decode()
    assert sr.receiver.name in page
    client.force_login(world.supervisor)
    assert client.get(reverse("desk:board")).status_code == 200
