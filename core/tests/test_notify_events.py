"""core.notify.notify_event: per-event templates in the recipient's language, each person's
channels, quiet hours for non-urgent outside messages."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from core import notify
from core.models import Delivery, Notification, NotificationProfile, NotificationTemplate
from tests.factories import make_user

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def resident(world, settings):
    settings.PROPDESK_NOTIFICATION_CHANNELS = ["core.notify.EmailChannel", "core.notify.SmsChannel"]
    return make_user("r1", "resident", company=world.company, phone="13900000001", email="r1@example.cn")


def at(hour, minute=0):
    return datetime(2026, 12, 7, hour, minute, tzinfo=SHANGHAI)


def test_a_resident_gets_inbox_and_sms_in_chinese_by_default_and_not_email(resident, monkeypatch):
    monkeypatch.setattr(notify.timezone, "now", lambda: at(10))
    queued = notify.notify_event([resident], "parcel_arrived", {"room": "3-2-1502", "carrier": "顺丰", "code": "8-12"})
    assert queued == 1
    note = Notification.objects.get(user=resident)
    assert note.title == "快递已到，取件码 8-12" and "3-2-1502" in note.body and "顺丰" in note.body
    sms = Delivery.objects.get()
    assert (sms.channel, sms.recipient, sms.user, sms.next_attempt_at) == ("sms", "13900000001", resident, None)
    assert sms.text == note.body and sms.payload["params"]["code"] == "8-12"


def test_staff_get_only_the_inbox_by_default(world, resident):
    world.cs.phone = "13700000000"
    notify.notify_event([world.cs], "request_resolved", {"number": "TS1"})
    assert Notification.objects.filter(user=world.cs).exists() and not Delivery.objects.exists()


def test_the_recipients_language_picks_the_template_and_chinese_is_the_fallback(resident):
    resident.language = "en"
    notify.notify_event([resident], "request_resolved", {"number": "TS9"})
    assert Notification.objects.get().title == "Request resolved"
    resident.language = "fr"
    notify.notify_event([resident], "request_resolved", {"number": "TS9"})
    assert Notification.objects.order_by("-pk").first().title == "报修已处理"


def test_an_administrators_edit_of_the_sms_template_is_what_goes(resident):
    NotificationTemplate.objects.filter(event="bill_issued", channel="sms", language="zh-hans").update(
        body="【物业】{{ room }} 应缴 {{ amount }} 元", provider_template="SMS_900"
    )
    notify.notify_event([resident], "bill_issued", {"room": "1-1-101", "amount": "<b>1,200.00</b>", "period": "12月"})
    sms = Delivery.objects.get()
    assert sms.text == "【物业】1-1-101 应缴 <b>1,200.00</b> 元"  # plain text: not HTML-escaped
    assert sms.payload["template"] == "SMS_900"


def test_quiet_hours_hold_a_non_urgent_message_until_morning_and_urgent_ones_go_now(resident, monkeypatch):
    monkeypatch.setattr(notify.timezone, "now", lambda: at(23, 30))
    notify.notify_event([resident], "parcel_arrived", {"room": "x"})
    notify.notify_event([resident], "visitor_at_gate", {"visitor": "张三", "gate": "东门", "room": "x"})
    parcel, visitor = Delivery.objects.order_by("pk")
    assert parcel.next_attempt_at == datetime(2026, 12, 8, 8, 0, tzinfo=SHANGHAI)
    assert visitor.next_attempt_at is None
    assert notify.send_pending(now=at(23, 31)) == 1  # only the visitor
    assert notify.send_pending(now=datetime(2026, 12, 8, 8, 0, tzinfo=SHANGHAI)) == 1


@pytest.mark.parametrize(
    ("quiet", "hour", "held_until"),
    [
        ((time(22), time(8)), 7, at(8)),
        ((time(22), time(8)), 8, None),
        ((time(22), time(8)), 21, None),
        ((time(13), time(14)), 13, at(14)),
        ((time(0), time(0)), 3, None),
    ],
)
def test_quiet_hours_across_midnight_and_within_a_day(resident, quiet, hour, held_until):
    NotificationProfile.objects.create(user=resident, quiet_start=quiet[0], quiet_end=quiet[1])
    assert notify.quiet_until(resident, at(hour)) == held_until


def test_a_persons_preferences_choose_the_channels_per_event(resident):
    NotificationProfile.objects.create(user=resident, channels={"bill_issued": ["email"], "parcel_arrived": []})
    notify.notify_event([resident], "bill_issued", {"room": "x"})
    notify.notify_event([resident], "parcel_arrived", {"room": "x"})
    assert list(Delivery.objects.values_list("channel", "recipient")) == [("email", "r1@example.cn")]
    assert not Notification.objects.exists()
