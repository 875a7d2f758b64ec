"""A patrol's and an incident's free text have the model's limit: longer is a 400 naming it, where the
page used to cut it at a larger number than the model takes and save it."""

import pytest
from django.urls import reverse

from safety.choices import RunState, StopState
from safety.models import Finding, Incident, PatrolRun

pytestmark = pytest.mark.django_db


def test_an_over_long_note_at_a_patrol_point_is_refused_naming_the_limit(client, world, patrol):
    route, fire, _bins = patrol
    client.force_login(world.guard)
    client.post(reverse("safety:run_start", args=[route.pk]))
    run = PatrolRun.objects.get()
    stop = run.stops.get(point=fire)
    data = {"item-0": "problem", "note-0": "压" * 501, "item-1": "ok"}
    response = client.post(reverse("safety:stop_check", args=[stop.pk]), data)
    assert response.status_code == 400 and "500" in response.content.decode()
    stop.refresh_from_db()
    assert stop.state == StopState.PENDING and not Finding.objects.exists()


def test_an_over_long_note_when_finishing_a_patrol_is_refused(client, world, patrol):
    route, _fire, _bins = patrol
    client.force_login(world.guard)
    client.post(reverse("safety:run_start", args=[route.pk]))
    run = PatrolRun.objects.get()
    response = client.post(reverse("safety:run_finish", args=[run.pk]), {"note": "完" * 501})
    assert response.status_code == 400 and "500" in response.content.decode()
    run.refresh_from_db()
    assert run.state == RunState.IN_PROGRESS and run.note == ""


def test_an_over_long_incident_note_is_refused_naming_the_limit(client, world):
    client.force_login(world.cs)
    data = {"project": world.project.pk, "kind": "flood", "level": 1, "title": "水管爆裂", "place": "5栋地下室"}
    response = client.post(reverse("safety:incident_new"), {**data, "note": "漏" * 2001})
    assert response.status_code == 400
    assert "2000" in response.context["form"].errors["note"][0]
    assert not Incident.objects.exists()
