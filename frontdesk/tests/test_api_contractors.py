"""Contractors' temporary passes under /api/contractor-passes/ (frontdesk/api_sets.py), the rules of
the page frontdesk:contractors: the front of the project issues, lists and revokes; residents 403;
another project's pass 404."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from frontdesk import services
from frontdesk.models import ContractorPass

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _body(world, **kw):
    now = timezone.now()
    body = {
        "project": world.project.pk,
        "company_name": "安居装饰",
        "people": ["王师傅", "李师傅"],
        "purpose": "装修",
        "valid_from": (now - timedelta(hours=1)).isoformat(),
        "valid_to": (now + timedelta(days=7)).isoformat(),
        "rooms": [world.room.pk],
    }
    return body | kw


def _issue(world, project=None, actor=None):
    now = timezone.now()
    return services.contractor_pass_issue(
        actor=actor or world.cs,
        project_id=(project or world.project).pk,
        company_name="安居装饰",
        people="王师傅",
        purpose="装修",
        valid_from=now - timedelta(hours=1),
        valid_to=now + timedelta(days=3),
        areas="地库",
    )


def test_the_front_issues_a_pass_once_per_key(api, world):
    api.force_authenticate(world.guard)
    url = reverse("api:contractor-pass-list")
    body = _body(world)
    made = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="cp-1")
    again = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="cp-1")
    assert made.status_code == 201, made.data
    assert again.data == made.data and ContractorPass.objects.count() == 1
    assert made.data["people"] == ["王师傅", "李师傅"] and made.data["room_codes"] == [world.room.code]
    assert made.data["is_current"] is True


@pytest.mark.parametrize(
    "change,field",
    [
        ({"people": []}, "people"),
        ({"valid_to": "2000-01-01T00:00:00+08:00"}, "valid_to"),
        ({"rooms": [], "areas": ""}, "areas"),
        ({"company_name": "  "}, "company_name"),
        ({"rooms": ["x"]}, "rooms"),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_issued(api, world, change, field):
    api.force_authenticate(world.cs)
    response = api.post(reverse("api:contractor-pass-list"), _body(world, **change), format="json")
    assert response.status_code == 400 and field in response.data["errors"], response.data
    assert not ContractorPass.objects.exists()


def test_a_room_of_another_project_is_a_field_error(api, world):
    api.force_authenticate(world.cs)
    response = api.post(reverse("api:contractor-pass-list"), _body(world, rooms=[world.other_room.pk]), format="json")
    assert response.status_code == 400 and "rooms" in response.data["errors"]
    assert not ContractorPass.objects.exists()


def test_another_projects_staff_get_404(api, world):
    item = _issue(world)
    api.force_authenticate(world.outsider)
    assert api.post(reverse("api:contractor-pass-list"), _body(world), format="json").status_code == 404
    assert api.get(reverse("api:contractor-pass-detail", args=[item.pk])).status_code == 404
    assert api.post(reverse("api:contractor-pass-revoke", args=[item.pk])).status_code == 404
    assert api.get(reverse("api:contractor-pass-list")).data["results"] == []
    item.refresh_from_db()
    assert item.revoked_at is None and ContractorPass.objects.count() == 1


@pytest.mark.parametrize("who", ["resident_user", "tech", "finance"])
def test_who_is_not_the_front_is_refused(api, world, who):
    item = _issue(world)
    api.force_authenticate(getattr(world, who))
    assert api.get(reverse("api:contractor-pass-list")).status_code == 403
    assert api.get(reverse("api:contractor-pass-detail", args=[item.pk])).status_code == 403
    assert api.post(reverse("api:contractor-pass-list"), _body(world), format="json").status_code == 403
    assert api.post(reverse("api:contractor-pass-revoke", args=[item.pk])).status_code == 403
    assert ContractorPass.objects.count() == 1


def test_the_front_lists_current_passes_and_revokes_one(api, world):
    item, other = _issue(world), _issue(world, world.other_project, world.outsider)
    api.force_authenticate(world.guard)
    listed = api.get(reverse("api:contractor-pass-list"), {"current": "true"})
    assert [p["id"] for p in listed.data["results"]] == [item.pk]
    revoked = api.post(reverse("api:contractor-pass-revoke", args=[item.pk]))
    assert revoked.status_code == 200 and revoked.data["revoked_at"] and revoked.data["is_current"] is False
    assert api.get(reverse("api:contractor-pass-list"), {"current": "true"}).data["results"] == []
    assert api.get(reverse("api:contractor-pass-list"), {"current": "false"}).data["results"][0]["id"] == item.pk
    again = api.post(reverse("api:contractor-pass-revoke", args=[item.pk]))
    assert again.status_code == 403 and again.data["code"], again.data
    assert other.pk not in [p["id"] for p in api.get(reverse("api:contractor-pass-list")).data["results"]]
