"""A published announcement is told to its audience's residents ("announcement_published"), once,
from the task queue (community/notices.py): in-app and WeChat by default, SMS only for who chose it."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from community import services
from community.models import Announcement
from community.notices import announcement_tell, tell_untold
from community.tasks import tell_announcement
from core.models import Delivery, Notification, NotificationProfile

pytestmark = pytest.mark.django_db

TITLE = "新公告：停水通知"


def publish(world, notice, capture):
    with mock.patch("community.tasks.tell_announcement", side_effect=tell_announcement.call_local) as queued:
        with capture(execute=True):
            services.announcement_publish(actor=world.supervisor, announcement=notice)
    return queued


def told(user):
    return Notification.objects.filter(user=user, title=TITLE).count()


def test_publishing_tells_the_buildings_residents_once_and_no_one_else(
    world, make_notice, far_resident, neighbour_user, django_capture_on_commit_callbacks
):
    notice = make_notice(audience="buildings", building_ids=[world.room.building_id])
    queued = publish(world, notice, django_capture_on_commit_callbacks)
    queued.assert_called_once_with(notice.pk)
    assert told(world.resident_user) == 1 and told(neighbour_user) == 1
    assert told(far_resident) == 0  # another building of the project
    assert not Notification.objects.filter(user=world.supervisor, title=TITLE).exists()
    note = Notification.objects.get(user=world.resident_user, title=TITLE)
    assert f"/my/notices/{notice.pk}/" == note.url and "停水通知" in note.body
    assert Announcement.objects.get(pk=notice.pk).notified_at is not None
    assert announcement_tell(notice.pk) == 0  # a retry, a second worker: told already
    assert told(world.resident_user) == 1


def test_sms_only_for_who_chose_it(world, make_notice, neighbour_user, django_capture_on_commit_callbacks, settings):
    settings.PROPDESK_NOTIFICATION_CHANNELS = ["core.notify.SmsChannel"]
    for user, phone in ((world.resident_user, "13812345678"), (neighbour_user, "13812340000")):
        user.phone = phone
        user.save(update_fields=["phone"])
    NotificationProfile.objects.create(user=neighbour_user, channels={"announcement_published": ["inapp", "sms"]})
    publish(world, make_notice(), django_capture_on_commit_callbacks)
    assert list(Delivery.objects.values_list("user_id", "channel")) == [(neighbour_user.pk, "sms")]


def test_a_withdrawn_announcement_is_not_told_and_a_dead_workers_leftover_is_queued_again(world, make_notice):
    with mock.patch("community.tasks.tell_announcement"):
        notice = services.announcement_publish(actor=world.supervisor, announcement=make_notice())
    Announcement.objects.filter(pk=notice.pk).update(published_at=timezone.now() - timedelta(minutes=1))
    with mock.patch("community.tasks.tell_announcement") as queued:
        assert tell_untold() == 0  # a minute old: its task may still be on the way
        Announcement.objects.filter(pk=notice.pk).update(published_at=timezone.now() - timedelta(minutes=3))
        assert tell_untold() == 1
    queued.assert_called_once_with(notice.pk)
    services.announcement_withdraw(actor=world.supervisor, announcement=notice, reason="发错了")
    assert announcement_tell(notice.pk) == 0 and told(world.resident_user) == 0


def test_a_scheduled_announcement_is_told_when_it_goes_out(world, make_notice, django_capture_on_commit_callbacks):
    notice = make_notice()
    with mock.patch("community.tasks.tell_announcement"):
        services.announcement_schedule(
            actor=world.supervisor, announcement=notice, publish_at=timezone.now() + timedelta(hours=1)
        )
    with mock.patch("community.tasks.tell_announcement", side_effect=tell_announcement.call_local) as queued:
        with django_capture_on_commit_callbacks(execute=True):
            assert services.publish_due(now=timezone.now() + timedelta(hours=2)) == 1
    queued.assert_called_once_with(notice.pk)
    assert told(world.resident_user) == 1
