from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community import services
from community.choices import SignupState
from community.models import Feedback, Signup
from core.errors import ActionRefused, Conflict
from tests.factories import make_resident, make_room

pytestmark = pytest.mark.django_db


def test_cap_refuses_when_full_without_waitlist(world, make_activity):
    activity = make_activity(capacity=1, waitlist=False)
    services.activity_signup(actor=world.cs, activity=activity, resident=world.resident)
    with pytest.raises(ActionRefused, match="名额已满"):
        services.activity_signup(actor=world.cs, activity=activity, resident=world.neighbour)
    assert activity.signups.count() == 1


def test_waitlist_when_full_and_promotion_on_cancel(world, make_activity):
    activity = make_activity(capacity=1)
    first = services.activity_signup(actor=world.resident_user, activity=activity, resident=world.resident)
    second = services.activity_signup(actor=world.cs, activity=activity, resident=world.neighbour)
    assert (first.state, second.state) == (SignupState.CONFIRMED, SignupState.WAITLISTED)
    services.signup_cancel(actor=world.resident_user, signup=first)
    second.refresh_from_db()
    assert second.state == SignupState.CONFIRMED


def test_double_signup_refused(world, make_activity):
    activity = make_activity()
    services.activity_signup(actor=world.resident_user, activity=activity, resident=world.resident)
    with pytest.raises(Conflict):
        services.activity_signup(actor=world.cs, activity=activity, resident=world.resident)
    assert activity.signups.filter(resident=world.resident).count() == 1


def test_signup_again_after_cancelling(world, make_activity):
    activity = make_activity()
    first = services.activity_signup(actor=world.resident_user, activity=activity, resident=world.resident)
    services.signup_cancel(actor=world.resident_user, signup=first)
    again = services.activity_signup(actor=world.resident_user, activity=activity, resident=world.resident)
    assert again.state == SignupState.CONFIRMED


def test_resident_signs_up_only_themselves(world, make_activity):
    activity = make_activity()
    with pytest.raises(ActionRefused):
        services.activity_signup(actor=world.resident_user, activity=activity, resident=world.neighbour)


def test_signup_refused_after_deadline_when_cancelled_or_for_another_project(world, make_activity):
    activity = make_activity()
    with time_machine.travel(activity.signup_deadline + timedelta(minutes=1)):
        with pytest.raises(ActionRefused, match="报名已截止"):
            services.activity_signup(actor=world.cs, activity=activity, resident=world.resident)
    with pytest.raises(ActionRefused):
        services.activity_signup(actor=world.cs, activity=activity, resident=world.other_resident)
    with pytest.raises(ActionRefused):
        services.activity_signup(actor=world.outsider, activity=activity, resident=world.resident)
    services.activity_cancel(actor=world.supervisor, activity=activity, reason="台风")
    with pytest.raises(ActionRefused, match="活动已取消"):
        services.activity_signup(actor=world.cs, activity=activity, resident=world.resident)
    assert not activity.signups.exists()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(capacity=st.integers(1, 4), people=st.integers(0, 7), waitlist=st.booleans())
def test_confirmed_never_exceeds_the_cap(world, capacity, people, waitlist):
    activity = services.activity_create(
        actor=world.cs,
        data=services.ActivityData(
            project_id=world.project.pk,
            title="讲座",
            starts_at=timezone.now() + timedelta(days=2),
            place="会所",
            capacity=capacity,
            waitlist=waitlist,
            signup_deadline=timezone.now() + timedelta(days=1),
        ),
    )
    accepted = 0
    for i in range(people):
        room = make_room(world.project, "9", "1", f"{activity.pk}{i:02d}")
        resident = make_resident(room, f"住户{i}", f"1390000{i:04d}")
        try:
            services.activity_signup(actor=world.cs, activity=activity, resident=resident)
            accepted += 1
        except ActionRefused:
            assert not waitlist and i >= capacity
    confirmed = activity.signups.filter(state=SignupState.CONFIRMED).count()
    assert confirmed == min(capacity, people)
    assert accepted == (people if waitlist else min(capacity, people))


def test_find_resident_by_room_and_name(world):
    assert services.find_resident(project_id=world.project.pk, room_code="3-2-1502") == world.resident
    make_resident(world.room, "张小三", "13800000000")
    with pytest.raises(ValidationError):
        services.find_resident(project_id=world.project.pk, room_code="3-2-1502")
    assert services.find_resident(project_id=world.project.pk, room_code="3-2-1502", name="张三") == world.resident
    with pytest.raises(ValidationError):
        services.find_resident(project_id=world.project.pk, room_code="1-1-101")  # another project's room


@pytest.mark.parametrize("typed", ["3栋2单元1502", "３-２-１５０２", " 3-2-1502 ", "3幢2单元1502室", "3#2-1502"])
def test_find_resident_reads_the_room_as_staff_type_it(world, typed):
    assert services.find_resident(project_id=world.project.pk, room_code=typed) == world.resident
    assert services.find_resident(project_id=world.project.pk, room_code=typed, name="张三") == world.resident


@pytest.mark.parametrize("typed", ["1栋1单元101", "１-１-１０１", " 1-1-101 "])
def test_find_resident_does_not_reach_another_projects_room(world, typed):
    with pytest.raises(ValidationError) as refused:
        services.find_resident(project_id=world.project.pk, room_code=typed)
    assert refused.value.message_dict["room_code"] == [f"这个项目没有房号 {typed.strip()}。"]


def test_find_resident_quotes_the_room_as_typed(world):
    with pytest.raises(ValidationError) as refused:
        services.find_resident(project_id=world.project.pk, room_code="3栋2单元1502", name="王五")
    assert refused.value.message_dict["name"] == ["3栋2单元1502 没有叫 王五 的住户。"]


def test_attendance_only_on_the_day_and_only_for_confirmed(world, make_activity):
    activity = make_activity(capacity=1)
    mine = services.activity_signup(actor=world.cs, activity=activity, resident=world.resident)
    waiting = services.activity_signup(actor=world.cs, activity=activity, resident=world.neighbour)
    with pytest.raises(ActionRefused, match="活动当天"):
        services.activity_attendance(actor=world.cs, activity=activity, attended_ids=[mine.pk])
    with time_machine.travel(activity.starts_at):
        with pytest.raises(ActionRefused):
            services.activity_attendance(actor=world.cs, activity=activity, attended_ids=[waiting.pk])
        with pytest.raises(ActionRefused):
            services.activity_attendance(actor=world.outsider, activity=activity, attended_ids=[mine.pk])
        assert services.activity_attendance(actor=world.cs, activity=activity, attended_ids=[mine.pk]) == 1
        with pytest.raises(ActionRefused):  # too late to cancel once it has begun
            services.signup_cancel(actor=world.resident_user, signup=mine)
    mine.refresh_from_db()
    waiting.refresh_from_db()
    assert mine.attended is True and waiting.attended is None


def test_feedback_only_by_attendees_once(world, make_activity, neighbour_user):
    activity = make_activity()
    came = services.activity_signup(actor=world.resident_user, activity=activity, resident=world.resident)
    absent = services.activity_signup(actor=neighbour_user, activity=activity, resident=world.neighbour)
    with time_machine.travel(activity.starts_at + timedelta(hours=1)):
        with pytest.raises(ActionRefused, match="到场"):
            services.feedback_give(actor=world.resident_user, signup=came, rating=5)  # before attendance
        services.activity_attendance(actor=world.cs, activity=activity, attended_ids=[came.pk])
        with pytest.raises(ActionRefused, match="到场"):
            services.feedback_give(actor=neighbour_user, signup=absent, rating=4)
        with pytest.raises(ActionRefused):  # someone else's sign-up
            services.feedback_give(actor=neighbour_user, signup=came, rating=1)
        with pytest.raises(ValidationError):
            services.feedback_give(actor=world.resident_user, signup=came, rating=6)
        fb = services.feedback_give(actor=world.resident_user, signup=came, rating=5, comment="很热闹")
        with pytest.raises(Conflict):
            services.feedback_give(actor=world.resident_user, signup=came, rating=3)
    assert Feedback.objects.get() == fb
    assert fb.rating == 5 and fb.comment == "很热闹"


def test_cancel_activity_needs_reason_and_is_refused_after_attendance(world, make_activity):
    activity = make_activity()
    with pytest.raises(ValidationError):
        services.activity_cancel(actor=world.cs, activity=activity, reason="")
    signup = services.activity_signup(actor=world.cs, activity=activity, resident=world.resident)
    with time_machine.travel(activity.starts_at):
        services.activity_attendance(actor=world.cs, activity=activity, attended_ids=[signup.pk])
        with pytest.raises(ActionRefused):
            services.activity_cancel(actor=world.cs, activity=activity, reason="下雨")


def test_activity_dates_are_checked(world, make_activity):
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        make_activity(signup_deadline=now + timedelta(days=5), ends_at=now + timedelta(days=1), capacity=0)
    assert {"signup_deadline", "ends_at", "capacity"} <= set(exc.value.message_dict)


def _png():
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "PNG")
    return SimpleUploadedFile("合影.png", buf.getvalue(), content_type="image/png")


def test_photos_are_checked_images(world, make_activity):
    activity = make_activity()
    photos = services.activity_add_photos(actor=world.cs, activity=activity, files=[_png()])
    assert photos[0].content_type == "image/png"
    fake = SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")
    with pytest.raises(ValidationError):
        services.activity_add_photos(actor=world.cs, activity=activity, files=[fake])
    assert activity.photos.count() == 1


def test_signup_unique_constraint_backs_the_rule(world, make_activity):
    from django.db import IntegrityError, transaction

    activity = make_activity()
    Signup.objects.create(activity=activity, resident=world.resident, room=world.room)
    with pytest.raises(IntegrityError), transaction.atomic():
        Signup.objects.create(activity=activity, resident=world.resident, room=world.room)
