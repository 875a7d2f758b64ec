"""Who is told at once (desk/notifications.py): for each event, who gets a message and who does not."""

import pytest

from core.choices import DepartmentKind
from core.models import Notification, User
from desk.choices import Kind, State
from desk.models import DeskSettings
from desk.services import (
    request_accept,
    request_dispatch,
    request_reply,
    request_resolve,
    request_return,
    request_transfer,
)

pytestmark = pytest.mark.django_db


def told(sr) -> dict[str, list[str]]:
    """username -> titles of the messages about this request."""
    found: dict[str, list[str]] = {}
    for username, title in Notification.objects.filter(url=f"/requests/{sr.pk}/").values_list(
        "user__username", "title"
    ):
        found.setdefault(username, []).append(title)
    return found


def eng(world):
    return world.dept[DepartmentKind.ENGINEERING]


def test_dispatch_to_a_person_tells_that_person_only(world):
    sr = world.register()
    request_dispatch(actor=world.cs, request=sr, department=eng(world), assignee=world.tech, note="带上生料带")
    assert set(told(sr)) == {"tech"}
    note = Notification.objects.get(user=world.tech)
    assert note.title == f"新工单派给您：{sr.number} {sr.title}"
    assert note.body == "王丽 派单：带上生料带" and note.url == f"/requests/{sr.pk}/"


def test_dispatch_to_a_department_tells_everyone_there_who_may_accept(world):
    sr = world.register()
    request_dispatch(actor=world.cs, request=sr, department=eng(world))
    assert set(told(sr)) == {"lead", "tech", "tech2"}  # not the guard, not the desk, not the actor
    assert told(sr)["tech"] == [f"工程部有新工单待接单：{sr.number} {sr.title}"]


def test_nobody_is_told_of_what_they_did_themselves(world):
    sr = world.register(category_id=None, title="前台态度差")
    request_dispatch(actor=world.cs, request=sr, department=world.dept[DepartmentKind.CUSTOMER_SERVICE])
    assert "cs" not in told(sr) and {"cs2", "sup", "mgr"} <= set(told(sr))


def test_transfer_tells_the_new_person_only(world):
    sr = world.register()
    request_dispatch(actor=world.cs, request=sr, department=eng(world), assignee=world.tech)
    Notification.objects.all().delete()
    request_transfer(actor=world.supervisor, request=sr, department=eng(world), assignee=world.tech2, note="孙师傅请假")
    assert told(sr) == {"tech2": [f"工单转给您：{sr.number} {sr.title}"]}
    assert Notification.objects.get().body == "陈静 转单：孙师傅请假"


def test_return_tells_the_first_receiver_and_whoever_sent_it(world):
    sr = world.register()  # registered by 王丽 (cs)
    request_dispatch(actor=world.supervisor, request=sr, department=eng(world), assignee=world.tech)
    request_accept(actor=world.tech, request=sr)
    Notification.objects.all().delete()
    request_return(actor=world.tech, request=sr, note="不是工程部的活")
    assert set(told(sr)) == {"cs", "sup"}  # not the technician who returned it, not his colleagues
    assert told(sr)["cs"] == [f"工单被退回，请重新派单：{sr.number} {sr.title}"]
    assert Notification.objects.filter(user=world.cs).get().body == "孙师傅 退单：不是工程部的活"


def test_resolve_tells_the_first_receiver_only(world):
    sr = world.register()
    request_dispatch(actor=world.supervisor, request=sr, department=eng(world), assignee=world.tech)
    request_accept(actor=world.tech, request=sr)
    Notification.objects.all().delete()
    request_resolve(actor=world.tech, request=sr, result="已更换水管")
    assert told(sr) == {"cs": [f"工单已完成，请跟进回复和回访：{sr.number} {sr.title}"]}
    # replying is not one of the events that tell anybody
    request_reply(actor=world.cs, request=sr, reply="已修好")
    assert told(sr) == {"cs": [f"工单已完成，请跟进回复和回访：{sr.number} {sr.title}"]}


def test_the_desk_answering_its_own_enquiry_tells_nobody(world):
    sr = world.register(kind=Kind.ENQUIRY, category_id=None, title="停车费多少")
    request_resolve(actor=world.cs, request=sr, result="已答复")
    assert sr.state == State.RESOLVED and told(sr) == {}


def test_each_recipient_reads_it_in_their_own_language(world):
    User.objects.filter(pk=world.tech.pk).update(language="en")
    sr = world.register(severity="urgent")
    request_dispatch(actor=world.cs, request=sr, department=eng(world))
    titles = told(sr)
    assert titles["tech"] == [f"[URGENT] New request waiting in 工程部: {sr.number} {sr.title}"]
    assert titles["tech2"] == [f"【紧急】工程部有新工单待接单：{sr.number} {sr.title}"]


def test_dispatch_on_registration_tells_the_department(world):
    DeskSettings.objects.update_or_create(company=world.company, defaults={"auto_dispatch": True})
    sr = world.register(kind=Kind.REPAIR)
    assert sr.state == State.DISPATCHED
    assert set(told(sr)) == {"lead", "tech", "tech2"}
