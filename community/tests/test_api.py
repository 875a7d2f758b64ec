"""The staff's announcement and activity work under /api/ (community/api.py), through the services the
pages call: drafting and editing for any community staff member of the project, publishing,
scheduling and withdrawing for the publishers, activities published and cancelled; residents 403,
another project's records 404, bad input 400 with nothing changed, a retried create done once."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from community import services
from community.choices import ActivityState, Audience, NoticeState, SignupState
from community.models import Activity, Announcement, Feedback, Photo, Signup
from tests.factories import get_with_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _notice_body(world, **kw):
    return {"project": world.project.pk, "title": "停电通知", "body": "周六 9 点至 11 点停电。"} | kw


def _activity_body(world, **kw):
    now = timezone.now()
    body = {
        "project": world.project.pk,
        "title": "亲子运动会",
        "starts_at": (now + timedelta(days=5)).isoformat(),
        "place": "中心花园",
        "capacity": 30,
        "signup_deadline": (now + timedelta(days=4)).isoformat(),
    }
    return body | kw


# ---------------------------------------------------------------- announcements


def test_staff_draft_an_announcement_once_per_key(api, world):
    api.force_authenticate(world.cs)
    body = _notice_body(world)
    made = api.post(reverse("api:announcement-list"), body, format="json", HTTP_IDEMPOTENCY_KEY="n-1")
    again = api.post(reverse("api:announcement-list"), body, format="json", HTTP_IDEMPOTENCY_KEY="n-1")
    assert made.status_code == 201, made.data
    assert again.data == made.data and Announcement.objects.count() == 1
    assert made.data["state"] == NoticeState.DRAFT and made.data["audience"] == Audience.PROJECT


def test_a_draft_for_some_buildings_and_rooms(api, world):
    api.force_authenticate(world.cs)
    url = reverse("api:announcement-list")
    building = world.room.building
    made = api.post(url, _notice_body(world, audience="buildings", buildings=[building.pk]), format="json")
    assert made.status_code == 201 and made.data["buildings"] == [building.pk], made.data
    rooms = api.post(url, _notice_body(world, audience="rooms", rooms=[world.room.pk]), format="json")
    assert rooms.status_code == 201 and rooms.data["rooms"] == [world.room.pk] and rooms.data["buildings"] == []


@pytest.mark.parametrize(
    "change,field",
    [
        ({"title": ""}, "title"),
        ({"body": "   "}, "body"),
        ({"audience": "everyone"}, "audience"),
        ({"audience": "buildings"}, "buildings"),
        ({"audience": "rooms", "rooms": [10**9]}, "rooms"),
        ({"rooms": ["abc"]}, "rooms"),
    ],
)
def test_a_bad_draft_is_a_field_error_and_nothing_is_made(api, world, change, field):
    api.force_authenticate(world.cs)
    response = api.post(reverse("api:announcement-list"), _notice_body(world, **change), format="json")
    assert response.status_code == 400 and field in response.data["errors"], response.data
    assert not Announcement.objects.exists()


def test_a_room_of_another_project_is_a_field_error(api, world):
    api.force_authenticate(world.cs)
    body = _notice_body(world, audience="rooms", rooms=[world.other_room.pk])
    response = api.post(reverse("api:announcement-list"), body, format="json")
    assert response.status_code == 400 and "rooms" in response.data["errors"]
    assert not Announcement.objects.exists()


def test_a_project_not_theirs_is_404(api, world):
    api.force_authenticate(world.outsider)
    assert api.post(reverse("api:announcement-list"), _notice_body(world), format="json").status_code == 404
    assert api.post(reverse("api:activity-list"), _activity_body(world), format="json").status_code == 404
    assert not Announcement.objects.exists() and not Activity.objects.exists()


@pytest.mark.parametrize("who", ["resident_user", "tech", "guard"])
def test_who_is_not_community_staff_may_not_draft(api, world, who):
    api.force_authenticate(getattr(world, who))
    assert api.post(reverse("api:announcement-list"), _notice_body(world), format="json").status_code == 403
    assert api.post(reverse("api:activity-list"), _activity_body(world), format="json").status_code == 403
    assert not Announcement.objects.exists() and not Activity.objects.exists()


def test_the_drafter_edits_their_draft_what_is_left_out_stays(api, world, make_notice):
    notice = make_notice(audience="rooms", room_ids=[world.room.pk])
    api.force_authenticate(world.cs)
    url = reverse("api:announcement-detail", args=[notice.pk])
    response = api.patch(url, {"title": "停水通知（更正）"}, format="json")
    assert response.status_code == 200, response.data
    notice.refresh_from_db()
    assert notice.title == "停水通知（更正）" and notice.body == "明天9点至12点停水。"
    assert list(notice.rooms.values_list("pk", flat=True)) == [world.room.pk]
    bad = api.patch(url, {"title": ""}, format="json")
    assert bad.status_code == 400 and "title" in bad.data["errors"]
    notice.refresh_from_db()
    assert notice.title == "停水通知（更正）"


def test_another_staff_member_may_not_edit_a_draft_a_publisher_may(api, world, make_notice):
    notice = make_notice()
    url = reverse("api:announcement-detail", args=[notice.pk])
    api.force_authenticate(world.cs2)
    assert api.patch(url, {"title": "改"}, format="json").status_code == 403
    api.force_authenticate(world.supervisor)
    assert api.patch(url, {"title": "主管改"}, format="json").status_code == 200
    notice.refresh_from_db()
    assert notice.title == "主管改"


def test_a_published_announcement_is_not_edited(api, world, make_notice):
    notice = make_notice()
    api.force_authenticate(world.supervisor)
    assert api.post(reverse("api:announcement-publish", args=[notice.pk])).status_code == 200
    response = api.patch(reverse("api:announcement-detail", args=[notice.pk]), {"title": "改"}, format="json")
    assert response.status_code == 403 and response.data["code"]
    notice.refresh_from_db()
    assert notice.title == "停水通知"


def test_a_publisher_schedules_unschedules_publishes_and_withdraws(api, world, make_notice):
    notice = make_notice()
    api.force_authenticate(world.supervisor)
    at = timezone.now() + timedelta(days=1)
    scheduled = api.post(reverse("api:announcement-schedule", args=[notice.pk]), {"publish_at": at.isoformat()})
    assert scheduled.status_code == 200 and scheduled.data["state"] == NoticeState.SCHEDULED, scheduled.data
    back = api.post(reverse("api:announcement-unschedule", args=[notice.pk]))
    assert back.status_code == 200 and back.data["state"] == NoticeState.DRAFT
    published = api.post(reverse("api:announcement-publish", args=[notice.pk]))
    assert published.status_code == 200 and published.data["state"] == NoticeState.PUBLISHED
    withdrawn = api.post(reverse("api:announcement-withdraw", args=[notice.pk]), {"reason": "内容有误"})
    assert withdrawn.status_code == 200 and withdrawn.data["state"] == NoticeState.WITHDRAWN
    assert withdrawn.data["withdraw_reason"] == "内容有误"


@pytest.mark.parametrize(
    "name,body,field",
    [
        ("schedule", {}, "publish_at"),
        ("schedule", {"publish_at": "2000-01-01T08:00:00+08:00"}, "publish_at"),
        ("publish", {"expire_at": "2000-01-01T08:00:00+08:00"}, "expire_at"),
    ],
)
def test_bad_times_are_field_errors_and_the_draft_stays(api, world, make_notice, name, body, field):
    notice = make_notice()
    api.force_authenticate(world.supervisor)
    response = api.post(reverse(f"api:announcement-{name}", args=[notice.pk]), body, format="json")
    assert response.status_code == 400 and field in response.data["errors"], response.data
    notice.refresh_from_db()
    assert notice.state == NoticeState.DRAFT


def test_withdrawing_needs_a_reason(api, world, make_notice):
    notice = make_notice()
    api.force_authenticate(world.supervisor)
    api.post(reverse("api:announcement-publish", args=[notice.pk]))
    response = api.post(reverse("api:announcement-withdraw", args=[notice.pk]), {"reason": ""})
    assert response.status_code == 400 and "reason" in response.data["errors"]
    notice.refresh_from_db()
    assert notice.state == NoticeState.PUBLISHED


@pytest.mark.parametrize("name", ["publish", "schedule", "unschedule", "withdraw"])
def test_the_desk_may_draft_but_not_publish(api, world, make_notice, name):
    notice = make_notice()
    api.force_authenticate(world.cs)
    at = (timezone.now() + timedelta(days=1)).isoformat()
    response = api.post(reverse(f"api:announcement-{name}", args=[notice.pk]), {"publish_at": at, "reason": "x"})
    assert response.status_code == 403, response.data
    notice.refresh_from_db()
    assert notice.state == NoticeState.DRAFT


def test_a_resident_may_not_act_on_an_announcement(api, world, make_notice):
    notice = make_notice()
    draft = make_notice(title="草稿")
    api.force_authenticate(world.supervisor)
    api.post(reverse("api:announcement-publish", args=[notice.pk]))
    api.force_authenticate(world.resident_user)
    assert api.post(reverse("api:announcement-withdraw", args=[notice.pk]), {"reason": "x"}).status_code == 403
    assert api.patch(reverse("api:announcement-detail", args=[draft.pk]), {"title": "x"}).status_code == 404
    assert api.post(reverse("api:announcement-publish", args=[draft.pk])).status_code == 404
    notice.refresh_from_db()
    draft.refresh_from_db()
    assert notice.state == NoticeState.PUBLISHED and draft.state == NoticeState.DRAFT


def test_another_projects_staff_get_404(api, world, make_notice):
    notice = make_notice()
    api.force_authenticate(world.outsider)
    assert api.patch(reverse("api:announcement-detail", args=[notice.pk]), {"title": "x"}).status_code == 404
    for name in ("publish", "unschedule", "withdraw"):
        assert api.post(reverse(f"api:announcement-{name}", args=[notice.pk]), {"reason": "x"}).status_code == 404
    notice.refresh_from_db()
    assert notice.state == NoticeState.DRAFT and notice.title == "停水通知"


# ---------------------------------------------------------------- activities


def test_staff_publish_an_activity_once_per_key(api, world):
    api.force_authenticate(world.cs)
    body = _activity_body(world, waitlist=False)
    made = api.post(reverse("api:activity-list"), body, format="json", HTTP_IDEMPOTENCY_KEY="a-1")
    again = api.post(reverse("api:activity-list"), body, format="json", HTTP_IDEMPOTENCY_KEY="a-1")
    assert made.status_code == 201, made.data
    assert again.data == made.data and Activity.objects.count() == 1
    assert (
        made.data["confirmed"] == 0 and made.data["waitlist"] is False and made.data["state"] == ActivityState.PLANNED
    )


@pytest.mark.parametrize(
    "change,field",
    [
        ({"capacity": 0}, "capacity"),
        ({"place": " "}, "place"),
        ({"signup_deadline": (timezone.now() + timedelta(days=9)).isoformat()}, "signup_deadline"),
        ({"ends_at": (timezone.now() + timedelta(days=1)).isoformat()}, "ends_at"),
        ({"title": "x" * 121}, "title"),
    ],
)
def test_a_bad_activity_is_a_field_error_and_nothing_is_made(api, world, change, field):
    api.force_authenticate(world.cs)
    response = api.post(reverse("api:activity-list"), _activity_body(world, **change), format="json")
    assert response.status_code == 400 and field in response.data["errors"], response.data
    assert not Activity.objects.exists()


def test_staff_cancel_an_activity_with_a_reason(api, world, make_activity):
    activity = make_activity()
    api.force_authenticate(world.cs)
    url = reverse("api:activity-cancel", args=[activity.pk])
    bad = api.post(url, {"reason": ""})
    assert bad.status_code == 400 and "reason" in bad.data["errors"]
    activity.refresh_from_db()
    assert activity.state == ActivityState.PLANNED
    done = api.post(url, {"reason": "下雨"})
    assert done.status_code == 200 and done.data["state"] == ActivityState.CANCELLED, done.data
    assert done.data["cancel_reason"] == "下雨"
    assert api.post(url, {"reason": "下雨"}).status_code == 403


def test_who_may_not_cancel_an_activity(api, world, make_activity):
    activity = make_activity()
    url = reverse("api:activity-cancel", args=[activity.pk])
    api.force_authenticate(world.resident_user)
    assert api.post(url, {"reason": "x"}).status_code == 403
    api.force_authenticate(world.outsider)
    assert api.post(url, {"reason": "x"}).status_code == 404
    activity.refresh_from_db()
    assert activity.state == ActivityState.PLANNED


# ---------------------------------------------------------------- the staff's steps on an activity


def _png(name="合影.png"):
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def test_the_desk_signs_a_resident_up_by_room_code_once_per_key(api, world, make_activity):
    activity = make_activity(capacity=1)
    services.activity_signup(actor=world.resident_user, activity=activity, resident=world.resident)
    api.force_authenticate(world.cs)
    url = reverse("api:activity-signup-for", args=[activity.pk])
    made = api.post(url, {"room_code": "3栋2单元1501"}, format="json", HTTP_IDEMPOTENCY_KEY="s-1")
    again = api.post(url, {"room_code": "3栋2单元1501"}, format="json", HTTP_IDEMPOTENCY_KEY="s-1")
    assert made.status_code == 201, made.data
    assert made.data["resident_name"] == "李四" and made.data["room_code"] == world.room2.code
    assert made.data["state"] == SignupState.WAITLISTED  # full: the waitlist, as on the page
    assert again.data == made.data and again["Idempotent-Replayed"] == "true"
    assert Signup.objects.filter(resident=world.neighbour).count() == 1
    twice = api.post(url, {"room_code": "3-2-1501"}, format="json")
    assert twice.status_code == 409 and Signup.objects.filter(resident=world.neighbour).count() == 1


@pytest.mark.parametrize(
    "body,field",
    [({}, "room_code"), ({"room_code": "9-9-999"}, "room_code"), ({"room_code": "3-2-1501", "name": "王五"}, "name")],
)
def test_a_room_code_not_found_is_a_field_error(api, world, make_activity, body, field):
    activity = make_activity()
    api.force_authenticate(world.cs)
    response = api.post(reverse("api:activity-signup-for", args=[activity.pk]), body, format="json")
    assert response.status_code == 400 and field in response.data["errors"], response.data
    assert not Signup.objects.exists()


def test_who_may_not_sign_someone_up(api, world, make_activity):
    activity = make_activity()
    url = reverse("api:activity-signup-for", args=[activity.pk])
    for user, code in ((world.resident_user, 403), (world.tech, 403), (world.outsider, 404)):
        api.force_authenticate(user)
        assert api.post(url, {"room_code": "3-2-1501"}, format="json").status_code == code, user
    assert not Signup.objects.exists()


def test_the_sign_up_list_is_the_staffs_without_phones(api, world, make_activity):
    activity = make_activity()
    services.activity_signup(actor=world.cs, activity=activity, resident=world.resident)
    url = reverse("api:activity-signups", args=[activity.pk])
    api.force_authenticate(world.cs)
    response = api.get(url)
    assert response.status_code == 200, response.data
    assert [(r["resident_name"], r["room_code"], r["feedback"]) for r in response.data] == [("张三", "3-2-1502", None)]
    assert "13812345678" not in response.content.decode() and "phone" not in response.data[0]
    api.force_authenticate(world.resident_user)
    assert api.get(url).status_code == 403
    api.force_authenticate(world.outsider)
    assert api.get(url).status_code == 404


def test_attendance_then_feedback_by_the_desk_and_by_the_resident(api, world, make_activity, neighbour_user):
    activity = make_activity()
    mine = services.activity_signup(actor=world.cs, activity=activity, resident=world.resident)
    theirs = services.activity_signup(actor=world.cs, activity=activity, resident=world.neighbour)
    attendance = reverse("api:activity-attendance", args=[activity.pk])
    feedback = reverse("api:activity-feedback", args=[activity.pk])
    api.force_authenticate(world.cs)
    early = api.post(attendance, {"attended": [mine.pk]}, format="json")
    assert early.status_code == 403 and early.data["code"] == "refused"  # only from the day itself
    with time_machine.travel(activity.starts_at + timedelta(hours=1)):
        bad = api.post(attendance, {"attended": ["x"]}, format="json")
        assert bad.status_code == 400 and "attended" in bad.data["errors"]
        taken = api.post(attendance, {"attended": [mine.pk, theirs.pk]}, format="json")
        assert taken.status_code == 200, taken.data
        assert {r["id"]: r["attended"] for r in taken.data} == {mine.pk: True, theirs.pk: True}
        # the desk takes down the neighbour's rating; the resident gives their own
        no_signup = api.post(feedback, {"rating": 4}, format="json")
        assert no_signup.status_code == 400 and "signup" in no_signup.data["errors"]
        too_high = api.post(feedback, {"signup": theirs.pk, "rating": 6}, format="json")
        assert too_high.status_code == 400 and "rating" in too_high.data["errors"]
        assert not Feedback.objects.exists()
        taken_down = api.post(feedback, {"signup": theirs.pk, "rating": 4, "comment": "不错"}, format="json")
        assert taken_down.status_code == 201 and taken_down.data["feedback"]["rating"] == 4, taken_down.data
        api.force_authenticate(world.resident_user)
        assert api.post(attendance, {"attended": []}, format="json").status_code == 403
        own = api.post(feedback, {"rating": 5, "comment": "很热闹"}, format="json")
        assert own.status_code == 201 and own.data["id"] == mine.pk, own.data
        assert api.post(feedback, {"rating": 3}, format="json").status_code == 409  # once
    assert sorted(Feedback.objects.values_list("signup_id", "rating")) == sorted([(mine.pk, 5), (theirs.pk, 4)])


def test_a_resident_without_a_sign_up_has_no_feedback_to_give(api, world, make_activity):
    activity = make_activity()
    api.force_authenticate(world.resident_user)
    assert api.post(reverse("api:activity-feedback", args=[activity.pk]), {"rating": 5}).status_code == 404
    api.force_authenticate(world.outsider)
    assert api.post(reverse("api:activity-attendance", args=[activity.pk]), {"attended": []}).status_code == 404


def test_staff_add_photos_and_a_file_that_is_not_an_image_is_refused(api, world, make_activity):
    activity = make_activity()
    url = reverse("api:activity-photos", args=[activity.pk])
    api.force_authenticate(world.cs)
    fake = SimpleUploadedFile("x.png", b"<html>not an image</html>", content_type="image/png")
    refused = api.post(url, {"files": [_png(), fake]}, format="multipart")
    assert refused.status_code == 400 and "files" in refused.data["errors"], refused.data
    assert not Photo.objects.exists()  # the whole batch, as on the page
    empty = api.post(url, {}, format="multipart")
    assert empty.status_code == 400 and "files" in empty.data["errors"]
    added = api.post(url, {"files": [_png(), _png("第二张.png")]}, format="multipart")
    assert added.status_code == 201, added.data
    assert [p["name"] for p in added.data] == ["合影.png", "第二张.png"] and activity.photos.count() == 2
    # each photo's `url` is downloaded with the API's token, by who may see the activity only
    photo_url = added.data[0]["url"]
    assert photo_url == reverse("community:photo", args=[activity.photos.first().pk])
    assert get_with_token(world.cs, photo_url).status_code == 200
    assert get_with_token(world.outsider, photo_url).status_code == 404
    for user, code in ((world.resident_user, 403), (world.outsider, 404)):
        api.force_authenticate(user)
        assert api.post(url, {"files": [_png()]}, format="multipart").status_code == code
    assert activity.photos.count() == 2


def test_attendance_over_a_form_one_empty_value_says_nobody_came(api, world, make_activity):
    """multipart cannot carry an empty list: `attended=` (one empty value) records nobody, as `[]`
    does in JSON; ids as repeated values record those."""
    activity = make_activity()
    mine = services.activity_signup(actor=world.cs, activity=activity, resident=world.resident)
    attendance = reverse("api:activity-attendance", args=[activity.pk])
    api.force_authenticate(world.cs)
    with time_machine.travel(activity.starts_at + timedelta(hours=1)):
        came = api.post(attendance, {"attended": [mine.pk]}, format="multipart")
        assert came.status_code == 200 and came.data[0]["attended"] is True, came.data
        nobody = api.post(attendance, {"attended": ""}, format="multipart")
        assert nobody.status_code == 200 and nobody.data[0]["attended"] is False, nobody.data
        missing = api.post(attendance, {}, format="multipart")
        assert missing.status_code == 400 and "attended" in missing.data["errors"]
