"""Residents hear about their requests: dispatched, someone on the way, resolved (desk/resident_notices.py)."""

import pytest

from core.choices import DepartmentKind
from core.models import Delivery, Notification
from desk.services import request_accept, request_arrive, request_dispatch, request_resolve
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident_user(world, settings):
    settings.PROPDESK_NOTIFICATION_CHANNELS = ["core.notify.EmailChannel", "core.notify.SmsChannel"]
    user = make_user("zhang", "resident", company=world.company, phone="13812345678")
    world.resident.user = user
    world.resident.save(update_fields=["user"])
    return user


def test_the_resident_is_told_at_dispatch_on_the_way_and_resolved_by_inbox_and_sms(world, resident_user):
    sr = world.register()
    request_dispatch(actor=world.cs, request=sr, department=world.dept[DepartmentKind.ENGINEERING], assignee=world.tech)
    request_accept(actor=world.tech, request=sr)
    request_arrive(actor=world.tech, request=sr)
    request_resolve(actor=world.tech, request=sr, result="已修好")
    titles = list(Notification.objects.filter(user=resident_user).order_by("pk").values_list("title", flat=True))
    assert titles == ["报修已派单", "师傅已出发", "报修已处理"]
    sms = list(Delivery.objects.filter(user=resident_user).order_by("pk").values_list("channel", "recipient", "text"))
    assert [s[:2] for s in sms] == [("sms", "13812345678")] * 3
    assert sr.number in sms[0][2] and "孙师傅" in sms[1][2]


def test_a_request_without_resident_accounts_tells_no_resident(world, settings):
    from estate.models import Resident

    Resident.objects.filter(occupancies__room=world.room).update(user=None)
    sr = world.register()
    request_dispatch(actor=world.cs, request=sr, department=world.dept[DepartmentKind.ENGINEERING])
    assert not Notification.objects.filter(user__role="resident").exists()
