from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from community import selectors, services
from community.choices import Audience, NoticeState
from community.models import AnnouncementEvent, AnnouncementRead
from core.errors import ActionRefused
from core.models import Notification

pytestmark = pytest.mark.django_db


def visible_to(user):
    return set(selectors.resident_announcements(user).values_list("pk", flat=True))


def test_cs_drafts_but_may_not_publish(world, make_notice):
    notice = make_notice()
    assert notice.state == NoticeState.DRAFT
    with pytest.raises(ActionRefused):
        services.announcement_publish(actor=world.cs, announcement=notice)
    notice.refresh_from_db()
    assert notice.state == NoticeState.DRAFT


@pytest.mark.parametrize("who", ["supervisor", "manager", "pm"])
def test_supervisors_and_managers_publish(world, make_notice, who):
    notice = services.announcement_publish(actor=getattr(world, who), announcement=make_notice())
    assert notice.state == NoticeState.PUBLISHED
    assert notice.published_by == getattr(world, who)


def test_staff_of_another_project_may_not_draft_here(world, make_notice):
    with pytest.raises(ActionRefused):
        make_notice(actor=world.outsider)


def test_technician_may_not_draft(world, make_notice):
    with pytest.raises(ActionRefused):
        make_notice(actor=world.tech)


def test_draft_needs_title_body_and_a_valid_audience(world, make_notice):
    with pytest.raises(ValidationError) as exc:
        make_notice(title=" ", body="")
    assert set(exc.value.message_dict) == {"title", "body"}
    with pytest.raises(ValidationError) as exc:
        make_notice(audience=Audience.BUILDINGS, building_ids=[])
    assert "buildings" in exc.value.message_dict
    other_building = world.other_room.building
    with pytest.raises(ValidationError) as exc:
        make_notice(audience=Audience.BUILDINGS, building_ids=[other_building.pk])
    assert "buildings" in exc.value.message_dict
    with pytest.raises(ValidationError):
        make_notice(audience=Audience.ROOMS, room_ids=[world.other_room.pk])


def test_project_audience_reaches_every_building(world, make_notice, far_resident):
    notice = services.announcement_publish(actor=world.supervisor, announcement=make_notice())
    assert notice.pk in visible_to(world.resident_user)
    assert notice.pk in visible_to(far_resident)


def test_building_audience_hides_it_from_another_building(world, make_notice, far_resident):
    notice = make_notice(audience=Audience.BUILDINGS, building_ids=[world.room.building_id])
    services.announcement_publish(actor=world.supervisor, announcement=notice)
    assert notice.pk in visible_to(world.resident_user)
    assert notice.pk not in visible_to(far_resident)


def test_room_audience_only_those_rooms(world, make_notice, neighbour_user):
    notice = make_notice(audience=Audience.ROOMS, room_ids=[world.room2.pk])
    services.announcement_publish(actor=world.supervisor, announcement=notice)
    assert notice.pk in visible_to(neighbour_user)
    assert notice.pk not in visible_to(world.resident_user)


def test_other_project_resident_never_sees_it(world, make_notice):
    from core.choices import Role
    from tests.factories import make_user

    other = make_user("other_owner", Role.RESIDENT, company=world.company)
    world.other_resident.user = other
    world.other_resident.save()
    notice = services.announcement_publish(actor=world.supervisor, announcement=make_notice())
    assert notice.pk not in visible_to(other)


def test_drafts_and_scheduled_are_not_shown_to_residents(world, make_notice):
    draft = make_notice()
    scheduled = services.announcement_schedule(
        actor=world.supervisor, announcement=make_notice(), publish_at=timezone.now() + timedelta(hours=1)
    )
    assert visible_to(world.resident_user).isdisjoint({draft.pk, scheduled.pk})


def test_schedule_is_published_by_the_periodic_job_when_due(world, make_notice):
    start = timezone.now()
    notice = services.announcement_schedule(
        actor=world.supervisor,
        announcement=make_notice(),
        publish_at=start + timedelta(hours=2),
        expire_at=start + timedelta(days=3),
    )
    assert services.publish_due() == 0
    with time_machine.travel(start + timedelta(hours=1, minutes=59), tick=False):
        assert services.publish_due() == 0
        assert notice.pk not in visible_to(world.resident_user)
    with time_machine.travel(start + timedelta(hours=2, minutes=1), tick=False):
        assert services.publish_due() == 1
        assert services.publish_due() == 0  # claimed once
        notice.refresh_from_db()
        assert notice.state == NoticeState.PUBLISHED
        assert notice.pk in visible_to(world.resident_user)
        assert Notification.objects.filter(user=world.cs, title__contains="停水通知").count() == 1
    with time_machine.travel(start + timedelta(days=3, minutes=1), tick=False):
        assert notice.pk not in visible_to(world.resident_user)  # expired
    actions = list(AnnouncementEvent.objects.filter(announcement=notice).values_list("action", "actor"))
    assert actions == [("create", world.cs.pk), ("schedule", world.supervisor.pk), ("publish", None)]


def test_periodic_task_wraps_the_service(world, make_notice):
    from community.tasks import publish_due_announcements

    start = timezone.now()
    services.announcement_schedule(
        actor=world.supervisor, announcement=make_notice(), publish_at=start + timedelta(minutes=5)
    )
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        assert publish_due_announcements.call_local() == 1


def test_schedule_refused_in_the_past_or_with_expiry_before_publish(world, make_notice):
    notice = make_notice()
    with pytest.raises(ValidationError):
        services.announcement_schedule(
            actor=world.supervisor, announcement=notice, publish_at=timezone.now() - timedelta(minutes=1)
        )
    with pytest.raises(ValidationError):
        services.announcement_schedule(
            actor=world.supervisor,
            announcement=notice,
            publish_at=timezone.now() + timedelta(days=2),
            expire_at=timezone.now() + timedelta(days=1),
        )
    notice.refresh_from_db()
    assert notice.state == NoticeState.DRAFT


def test_unschedule_returns_to_draft_and_is_not_published(world, make_notice):
    start = timezone.now()
    notice = services.announcement_schedule(
        actor=world.supervisor, announcement=make_notice(), publish_at=start + timedelta(minutes=5)
    )
    services.announcement_unschedule(actor=world.supervisor, announcement=notice)
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        assert services.publish_due() == 0
    notice.refresh_from_db()
    assert notice.state == NoticeState.DRAFT


def test_read_tracking_keeps_the_first_read(world, make_notice, neighbour_user, far_resident):
    notice = services.announcement_publish(
        actor=world.supervisor,
        announcement=make_notice(audience=Audience.BUILDINGS, building_ids=[world.room.building_id]),
    )
    assert selectors.read_stats([notice])[notice.pk] == (0, 2)  # owner and neighbour have accounts in building 3
    first = services.announcement_mark_read(user=world.resident_user, announcement=notice)
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        again = services.announcement_mark_read(user=world.resident_user, announcement=notice)
    assert again.first_read_at == first.first_read_at
    assert selectors.read_stats([notice])[notice.pk] == (1, 2)
    services.announcement_mark_read(user=neighbour_user, announcement=notice)
    assert selectors.read_stats([notice])[notice.pk] == (2, 2)
    with pytest.raises(ActionRefused):  # not addressed to building 5
        services.announcement_mark_read(user=far_resident, announcement=notice)
    assert AnnouncementRead.objects.filter(announcement=notice).count() == 2


def test_read_stats_for_each_scope_in_bounded_queries(
    world, make_notice, neighbour_user, far_resident, django_assert_max_num_queries
):
    whole = services.announcement_publish(actor=world.supervisor, announcement=make_notice())
    building = services.announcement_publish(
        actor=world.supervisor,
        announcement=make_notice(audience=Audience.BUILDINGS, building_ids=[world.room.building_id]),
    )
    room = services.announcement_publish(
        actor=world.supervisor, announcement=make_notice(audience=Audience.ROOMS, room_ids=[world.room.pk])
    )
    services.announcement_mark_read(user=world.resident_user, announcement=room)
    with django_assert_max_num_queries(4):
        stats = selectors.read_stats([whole, building, room])
    assert stats == {whole.pk: (0, 3), building.pk: (0, 2), room.pk: (1, 1)}


def test_withdrawal_needs_a_reason_hides_it_and_keeps_history(world, make_notice):
    notice = services.announcement_publish(actor=world.supervisor, announcement=make_notice())
    with pytest.raises(ValidationError):
        services.announcement_withdraw(actor=world.supervisor, announcement=notice, reason=" ")
    with pytest.raises(ActionRefused):
        services.announcement_withdraw(actor=world.cs, announcement=notice, reason="写错了")
    services.announcement_withdraw(actor=world.manager, announcement=notice, reason="时间写错了")
    notice.refresh_from_db()
    assert notice.state == NoticeState.WITHDRAWN
    assert notice.withdraw_reason == "时间写错了"
    assert notice.pk not in visible_to(world.resident_user)
    assert list(notice.events.values_list("action", "note"))[-1] == ("withdraw", "时间写错了")
    with pytest.raises(ActionRefused):  # once withdrawn, it stays withdrawn
        services.announcement_publish(actor=world.supervisor, announcement=notice)


def test_only_drafts_are_edited_by_their_author_or_a_supervisor(world, make_notice):
    notice = make_notice()
    data = services.NoticeData(project_id=world.project.pk, title="停水通知（更正）", body="改为10点。")
    with pytest.raises(ActionRefused):
        services.announcement_update(actor=world.cs2, announcement=notice, data=data)
    services.announcement_update(actor=world.cs, announcement=notice, data=data)
    notice.refresh_from_db()
    assert notice.title == "停水通知（更正）"
    services.announcement_publish(actor=world.supervisor, announcement=notice)
    with pytest.raises(ActionRefused):
        services.announcement_update(actor=world.supervisor, announcement=notice, data=data)
