"""A visitor at the gate is told to the room's residents at once, even in quiet hours (frontdesk/notifications.py)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.models import Delivery, Notification
from frontdesk import services
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_a_walk_in_visitor_is_told_to_the_rooms_residents_even_at_night(world, walk_in, settings):
    settings.PROPDESK_NOTIFICATION_CHANNELS = ["core.notify.SmsChannel"]
    user = make_user("zhang", "resident", company=world.company, phone="13812345678")
    world.resident.user = user
    world.resident.save(update_fields=["user"])
    with time_machine.travel(datetime(2026, 12, 7, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        services.visit_register(actor=world.cs, data=walk_in())
    assert Notification.objects.get(user=user).title == "访客到访"
    sms = Delivery.objects.get(user=user)
    assert "周访客" in sms.text and sms.next_attempt_at is None
