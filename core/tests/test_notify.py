"""core/notify.py: the inbox, the outbox of outside channels and its sender; core/views.py inbox."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core import notify
from core.models import Delivery, Notification, NotificationProfile

pytestmark = pytest.mark.django_db

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class FailingChannel(notify.Channel):
    """An outside channel whose provider is down."""

    name = "sms"
    calls = 0

    def wants(self, user) -> bool:
        return bool(user.phone)

    def send(self, notification):
        FailingChannel.calls += 1
        raise ConnectionError("短信网关无响应")


@pytest.fixture
def channels(settings):
    settings.EMAIL_BACKEND = LOCMEM
    settings.PROPDESK_BASE_URL = "https://desk.example.cn/"
    settings.PROPDESK_NOTIFICATION_CHANNELS = ["core.notify.EmailChannel"]
    mail.outbox = []
    return settings


@pytest.fixture
def emails(world):
    for user, address in ((world.supervisor, "chen@example.cn"), (world.pm, "liu@example.cn")):
        user.email = address
        user.save(update_fields=["email"])
    return world


def login(client, user):
    client.force_login(user)
    return client


# ---------------------------------------------------------------- notify


def test_notify_writes_inbox_rows_and_email_deliveries_for_users_with_email(channels, emails):
    w = emails
    notes = notify.notify(
        [w.supervisor, w.pm, w.cs, w.supervisor, None], title="已超时：TS1", body="b", url="/requests/1/"
    )
    assert sorted(n.user.username for n in notes) == ["cs", "pm", "sup"]  # once each, None skipped
    assert Notification.objects.count() == 3
    deliveries = Delivery.objects.order_by("notification__user__username")
    assert [(d.notification.user.username, d.channel, d.status) for d in deliveries] == [
        ("pm", "email", "pending"),
        ("sup", "email", "pending"),
    ]  # cs has no email address: inbox only


def test_notify_skips_inactive_users_and_nobody_means_nothing(channels, emails):
    w = emails
    w.pm.is_active = False
    w.pm.save(update_fields=["is_active"])
    assert [n.user for n in notify.notify([w.pm], title="x")] == []
    assert notify.notify([], title="x") == []
    assert not Notification.objects.exists() and not Delivery.objects.exists()


def test_notify_many_writes_several_messages_with_a_fixed_number_of_queries(
    channels, emails, django_assert_max_num_queries
):
    w = emails
    messages = [([w.supervisor, w.pm], f"消息{i}", "", "") for i in range(20)]
    with django_assert_max_num_queries(4):
        notes = notify.notify_many(messages)
    assert len(notes) == 40
    assert Delivery.objects.count() == 40


def test_notify_takes_part_in_the_callers_transaction(channels, emails):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        notify.notify([emails.supervisor], title="x")
        raise RuntimeError("the caller failed after notifying")
    assert not Notification.objects.exists() and not Delivery.objects.exists()


# ---------------------------------------------------------------- send_pending


def test_send_pending_sends_each_email_once(channels, emails):
    w = emails
    notify.notify([w.supervisor, w.pm], title="已超时：TS202611230001 完成时限", body="楼上漏水", url="/requests/7/")
    assert notify.send_pending() == 2
    assert notify.send_pending() == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["chen@example.cn", "liu@example.cn"]
    message = mail.outbox[0]
    assert message.subject == "[PropDesk] 已超时：TS202611230001 完成时限"
    assert "楼上漏水" in message.body and "https://desk.example.cn/requests/7/" in message.body
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert all(d.sent_at for d in Delivery.objects.all())


def test_a_failing_channel_retries_with_backoff_then_dies_without_stopping_the_others(channels, emails):
    w = emails
    channels.PROPDESK_NOTIFICATION_CHANNELS = ["core.notify.EmailChannel", "core.tests.test_notify.FailingChannel"]
    w.supervisor.phone = "13800000001"
    w.supervisor.save(update_fields=["phone"])
    NotificationProfile.objects.create(user=w.supervisor, channels={"general": ["inapp", "email", "sms"]})
    FailingChannel.calls = 0
    notify.notify([w.supervisor], title="已超时")
    sms = Delivery.objects.get(channel="sms")
    now = timezone.now()
    assert notify.send_pending(now=now) == 1  # the email went; the SMS failed
    assert len(mail.outbox) == 1
    for attempt in range(1, notify.max_attempts()):
        sms.refresh_from_db()
        assert (sms.status, sms.attempts) == ("failed", attempt)
        assert "短信网关无响应" in sms.last_error
        assert sms.next_attempt_at == now + notify.backoff(attempt)
        assert notify.send_pending(now=sms.next_attempt_at - timedelta(seconds=1)) == 0  # not before its time
        assert FailingChannel.calls == attempt
        now = sms.next_attempt_at
        notify.send_pending(now=now)
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("dead", notify.max_attempts())
    assert FailingChannel.calls == notify.max_attempts()
    notify.send_pending(now=now + timedelta(days=1))
    assert FailingChannel.calls == notify.max_attempts()  # dead waits for a supervisor
    assert len(mail.outbox) == 1  # the email was never sent twice


def test_backoff_doubles_from_the_base_and_stops_at_the_cap(settings):
    settings.PROPDESK_NOTIFY_RETRY_BASE = 60
    settings.PROPDESK_NOTIFY_RETRY_CAP = 3600
    assert [notify.backoff(n).total_seconds() for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_delivery_for_a_channel_no_longer_configured_dies_instead_of_hanging(channels, emails):
    notify.notify([emails.supervisor], title="x")
    channels.PROPDESK_NOTIFICATION_CHANNELS = []
    later = timezone.now()
    for _ in range(notify.max_attempts()):
        later += timedelta(days=1)
        assert notify.send_pending(now=later) == 0
    delivery = Delivery.objects.get()
    assert delivery.status == "dead" and "not configured" in delivery.last_error


def test_a_stale_sending_claim_is_taken_over_and_a_fresh_one_is_left_alone(channels, emails):
    w = emails
    notify.notify([w.supervisor], title="旧的")
    notify.notify([w.pm], title="新的")
    stale = Delivery.objects.get(notification__title="旧的")
    fresh = Delivery.objects.get(notification__title="新的")
    now = timezone.now()
    Delivery.objects.filter(pk=stale.pk).update(
        status="sending", claimed_at=now - notify.STALE_CLAIM - timedelta(seconds=5), claim="dead-worker"
    )
    Delivery.objects.filter(pk=fresh.pk).update(status="sending", claimed_at=now - timedelta(minutes=1), claim="w2")
    assert notify.send_pending() == 1
    assert [m.to for m in mail.outbox] == [["chen@example.cn"]]
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, stale.attempts, stale.claim) == ("sent", 1, "")
    assert fresh.status == "sending"  # another worker may still be sending it


def test_a_row_claimed_by_another_worker_between_select_and_update_is_not_sent_twice(channels, emails, monkeypatch):
    """The worker picked its candidates, then another worker claimed one: the guarded UPDATE skips it."""
    notify.notify([emails.supervisor], title="x")
    real_update = notify.Delivery.objects.filter

    def racing_filter(*args, **kwargs):
        if "pk__in" in kwargs:  # the claim's UPDATE: another worker got there first
            Delivery.objects.all().update(status="sending", claimed_at=timezone.now(), claim="other")
        return real_update(*args, **kwargs)

    monkeypatch.setattr(Delivery.objects, "filter", racing_filter)
    assert notify.send_pending() == 0
    assert mail.outbox == []
    assert Delivery.objects.get().claim == "other"


def test_a_late_result_from_a_worker_whose_claim_was_taken_over_does_not_overwrite(channels, emails, monkeypatch):
    notify.notify([emails.supervisor], title="x")
    real_send = notify.EmailChannel.send

    def slow_send(self, delivery):
        real_send(self, delivery)
        Delivery.objects.filter(pk=delivery.pk).update(claim="took-over")  # this worker was presumed dead

    monkeypatch.setattr(notify.EmailChannel, "send", slow_send)
    notify.send_pending()
    row = Delivery.objects.get()
    assert (row.status, row.claim, row.attempts) == ("sending", "took-over", 0)


# ---------------------------------------------------------------- the inbox page


def test_the_inbox_shows_my_notifications_and_the_unread_count(client, channels, world):
    notify.notify([world.supervisor], title="已超时：TS202611230001", url="/requests/1/")
    notify.notify([world.supervisor], title="即将超时：TS202611230002")
    notify.notify([world.pm], title="升级项目经理：机密")
    login(client, world.supervisor)
    page = client.get("/inbox/").content.decode()
    assert "已超时：TS202611230001" in page and "即将超时：TS202611230002" in page
    assert '<span class="badge text-bg-danger" id="unread-count">2</span>' in page
    assert "机密" not in page  # another user's notifications are never shown


def test_marking_one_read_then_all_read(client, channels, world):
    first = notify.notify([world.supervisor], title="一")[0]
    notify.notify([world.supervisor], title="二")
    login(client, world.supervisor)
    response = client.post("/inbox/read/", {"id": str(first.pk)})
    assert response.status_code == 302 and response.url == "/inbox/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert Notification.objects.filter(user=world.supervisor, read_at__isnull=True).count() == 1
    assert 'id="unread-count">1<' in client.get("/inbox/").content.decode()
    client.post("/inbox/read/", {"next": "/requests/"})
    assert not Notification.objects.filter(user=world.supervisor, read_at__isnull=True).exists()
    assert 'id="unread-count"' not in client.get("/inbox/").content.decode()


def test_i_cannot_mark_another_users_notification_read(client, channels, world):
    theirs = notify.notify([world.pm], title="给项目经理")[0]
    notify.notify([world.supervisor], title="给主管")
    login(client, world.supervisor)
    client.post("/inbox/read/", {"id": str(theirs.pk)})
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.post("/inbox/read/")  # "all" means all of mine
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_inbox_read_refuses_an_outside_redirect_and_get(client, channels, world):
    login(client, world.supervisor)
    assert client.post("/inbox/read/", {"next": "//evil.example/"}).url == "/inbox/"
    assert client.get("/inbox/read/").status_code == 405


def test_the_inbox_needs_a_login(client):
    response = client.get("/inbox/")
    assert response.status_code == 302 and "/login/" in response.url


# ---------------------------------------------------------------- dead letters (supervisors)


def _dead_sms(user, phone="13800000001"):
    user.phone = phone
    user.save(update_fields=["phone"])
    note = Notification.objects.create(user=user, title="报修已派单")
    return Delivery.objects.create(
        notification=note, channel="sms", recipient=phone, status="dead", attempts=5, last_error="gateway down"
    )


def test_a_supervisor_sees_dead_letters_masked_and_sends_them_again(client, channels, world):
    dead = _dead_sms(world.cs)
    assert "/inbox/deliveries/" in login(client, world.supervisor).get("/inbox/").content.decode()
    page = client.get("/inbox/deliveries/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "138****0001" in html and "13800000001" not in html and "gateway down" in html
    answer = client.post("/inbox/deliveries/", {"id": [dead.pk]})
    assert answer.status_code == 302
    dead.refresh_from_db()
    assert (dead.status, dead.attempts, dead.next_attempt_at) == ("pending", 0, None)
    from core.models import AuditEntry

    assert AuditEntry.objects.filter(object_type="core.Delivery", object_id=str(dead.pk), action="retry").exists()


def test_the_dead_letter_page_is_for_supervisors_and_their_company_only(client, channels, world):
    from core.models import Company
    from tests.factories import make_user

    dead = _dead_sms(world.cs)
    assert "/inbox/deliveries/" not in login(client, world.cs).get("/inbox/").content.decode()
    assert client.get("/inbox/deliveries/").status_code == 403
    client.post("/inbox/deliveries/", {"id": [dead.pk]})
    dead.refresh_from_db()
    assert dead.status == "dead"
    other = make_user("other_sup", "cs_supervisor", company=Company.objects.create(name="别家物业", code="o"))
    page = login(client, other).get("/inbox/deliveries/")
    assert page.status_code == 200 and "138****0001" not in page.content.decode()
    client.post("/inbox/deliveries/", {"id": [dead.pk]})
    dead.refresh_from_db()
    assert dead.status == "dead"


def test_a_retried_dead_letter_is_sent_by_the_next_run(channels, emails):
    notify.notify([emails.supervisor], title="x")
    Delivery.objects.update(status="dead", attempts=5)
    assert notify.send_pending() == 0
    notify.delivery_retry(actor=emails.supervisor, ids=list(Delivery.objects.values_list("pk", flat=True)))
    assert notify.send_pending() == 1
    assert len(mail.outbox) == 1
