"""The API of the modules beyond requests, rooms and money (issue 14): duty, registrations,
renovation, announcements, activities, patrols and incidents. Who may is the access matrix's
(tests/test_access_matrix.py); here: what each write does, bad input, a resident's own records,
and the idempotency key on a create."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from community import services as community
from community.models import AnnouncementRead, Signup
from community.services import ActivityData, NoticeData
from duty.models import LogEntry
from registrations.models import Lease
from renovation.models import Renovation
from renovation.tests.helpers import ID1
from safety.models import Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


# ---------------------------------------------------------------- duty


def test_the_duty_log_is_written_listed_and_kept_to_the_project(api, world):
    api.force_authenticate(world.cs)
    url = reverse("api:duty-log-list")
    made = api.post(url, {"project": world.project.pk, "category": "call", "text": "业户来电"}, format="json")
    assert made.status_code == 201 and made.data["author"] == world.cs.pk
    assert [e["id"] for e in api.get(url).data["results"]] == [made.data["id"]]
    elsewhere = api.post(url, {"project": world.other_project.pk, "category": "call", "text": "x"}, format="json")
    assert elsewhere.status_code == 404 and LogEntry.objects.count() == 1


def test_a_bad_log_line_is_a_400_with_field_errors(api, world):
    api.force_authenticate(world.cs)
    response = api.post(reverse("api:duty-log-list"), {"project": world.project.pk, "category": "x"}, format="json")
    assert response.status_code == 400 and {"category", "text"} <= set(response.data["errors"])
    assert not LogEntry.objects.exists()


def test_a_technician_may_not_read_the_duty_log(api, world):
    api.force_authenticate(world.tech)
    assert api.get(reverse("api:duty-log-list")).status_code == 403


# ---------------------------------------------------------------- registrations


def _lease_body(world, **kw):
    day = timezone.localdate()
    return {
        "room": world.room.pk,
        "tenant_name": "钱租客",
        "id_number": ID1,
        "tenant_phone": "13600001234",
        "start": str(day + timedelta(days=5)),
        "end": str(day + timedelta(days=370)),
        **kw,
    }


def test_a_lease_is_registered_once_per_key_and_its_id_number_masked(api, world):
    api.force_authenticate(world.cs)
    url = reverse("api:lease-list")
    first = api.post(url, _lease_body(world), format="json", HTTP_IDEMPOTENCY_KEY="lease-1")
    again = api.post(url, _lease_body(world), format="json", HTTP_IDEMPOTENCY_KEY="lease-1")
    assert first.status_code == again.status_code == 201 and first.data == again.data
    assert Lease.objects.count() == 1 and ID1 not in str(first.data)
    other = api.post(url, _lease_body(world, tenant_name="孙租客"), format="json", HTTP_IDEMPOTENCY_KEY="lease-1")
    assert other.status_code == 409 and Lease.objects.count() == 1


def test_a_lease_with_bad_input_is_a_400_and_another_projects_room_a_404(api, world):
    api.force_authenticate(world.cs)
    url = reverse("api:lease-list")
    bad = api.post(url, _lease_body(world, id_number="123", end="notadate"), format="json")
    assert bad.status_code == 400 and "end" in bad.data["errors"]
    assert api.post(url, _lease_body(world, room=world.other_room.pk), format="json").status_code == 404
    assert not Lease.objects.exists()


def test_a_resident_may_not_register_a_lease(api, world):
    api.force_authenticate(world.resident_user)
    assert api.post(reverse("api:lease-list"), _lease_body(world), format="json").status_code == 403


# ---------------------------------------------------------------- renovation


def _application(world, room):
    day = timezone.localdate()
    return {
        "room": room.pk,
        "scope": "厨卫改造",
        "planned_start": str(day + timedelta(days=1)),
        "planned_end": str(day + timedelta(days=60)),
        "contractor_name": "美家装饰",
        "contractor_licence": "91330106MA2XXXXX1",
        "contractor_person": "周工",
        "contractor_phone": "13912345678",
    }


def test_an_owner_applies_for_their_own_room_and_not_for_another_households(api, world):
    api.force_authenticate(world.resident_user)
    url = reverse("api:renovation-list")
    made = api.post(url, _application(world, world.room), format="json")
    assert made.status_code == 201 and made.data["by_resident"] is True
    assert api.post(url, _application(world, world.room2), format="json").status_code == 404
    assert [r["id"] for r in api.get(url).data["results"]] == [made.data["id"]]
    assert Renovation.objects.count() == 1


def test_an_application_without_dates_is_a_400(api, world):
    api.force_authenticate(world.cs)
    body = {**_application(world, world.room), "planned_start": ""}
    response = api.post(reverse("api:renovation-list"), body, format="json")
    assert response.status_code == 400 and "planned_start" in response.data["errors"]


# ---------------------------------------------------------------- announcements and activities


def _announcement(world):
    notice = community.announcement_create(
        actor=world.cs, data=NoticeData(project_id=world.project.pk, title="停水通知", body="明天停水。")
    )
    return community.announcement_publish(actor=world.supervisor, announcement=notice)


def test_a_resident_marks_an_announcement_read_and_the_list_says_so(api, world):
    notice = _announcement(world)
    api.force_authenticate(world.resident_user)
    listed = api.get(reverse("api:announcement-list"))
    assert [(n["id"], n["is_read"]) for n in listed.data["results"]] == [(notice.pk, False)]
    read = api.post(reverse("api:announcement-read", args=[notice.pk]))
    assert read.status_code == 200 and read.data["is_read"] is True
    assert AnnouncementRead.objects.filter(announcement=notice, user=world.resident_user).count() == 1
    assert api.get(reverse("api:announcement-list")).data["results"][0]["is_read"] is True


def test_staff_may_not_mark_read_for_a_resident(api, world):
    notice = _announcement(world)
    api.force_authenticate(world.cs)
    assert api.post(reverse("api:announcement-read", args=[notice.pk])).status_code == 403
    assert not AnnouncementRead.objects.exists()


def test_a_resident_signs_up_once_per_key_and_cancels(api, world):
    now = timezone.now()
    activity = community.activity_create(
        actor=world.cs,
        data=ActivityData(
            project_id=world.project.pk,
            title="中秋游园会",
            starts_at=now + timedelta(days=3),
            place="中心花园",
            capacity=20,
            signup_deadline=now + timedelta(days=2),
        ),
    )
    api.force_authenticate(world.resident_user)
    url = reverse("api:activity-signup", args=[activity.pk])
    first = api.post(url, HTTP_IDEMPOTENCY_KEY="signup-1")
    again = api.post(url, HTTP_IDEMPOTENCY_KEY="signup-1")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert first.data["my_signup"]["state"] == 10 and first.data["confirmed"] == 1
    assert Signup.objects.count() == 1
    assert api.post(url).status_code == 409  # without a key: the service's own refusal
    cancelled = api.post(reverse("api:activity-cancel-signup", args=[activity.pk]))
    assert cancelled.status_code == 200 and cancelled.data["my_signup"] is None and cancelled.data["confirmed"] == 0


# ---------------------------------------------------------------- incidents


def test_the_desk_starts_an_incident_and_bad_input_is_a_400(api, world):
    api.force_authenticate(world.cs)
    url = reverse("api:incident-list")
    body = {"project": world.project.pk, "kind": "power", "title": "3栋停电", "place": "3栋配电房"}
    made = api.post(url, body, format="json")
    assert made.status_code == 201 and Incident.objects.get().reported_by == world.cs
    bad = api.post(url, {**body, "kind": "quake", "title": ""}, format="json")
    assert bad.status_code == 400 and {"kind", "title"} <= set(bad.data["errors"])
    assert Incident.objects.count() == 1


def test_a_technician_may_not_start_an_incident(api, world):
    api.force_authenticate(world.tech)
    body = {"project": world.project.pk, "kind": "power", "title": "3栋停电", "place": "3栋配电房"}
    assert api.post(reverse("api:incident-list"), body, format="json").status_code == 403
    assert not Incident.objects.exists()
