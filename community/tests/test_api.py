"""The staff's announcement and activity work under /api/ (community/api.py), through the services the
pages call: drafting and editing for any community staff member of the project, publishing,
scheduling and withdrawing for the publishers, activities published and cancelled; residents 403,
another project's records 404, bad input 400 with nothing changed, a retried create done once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from community.choices import ActivityState, Audience, NoticeState
from community.models import Activity, Announcement

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
