"""A registration's free text has the model's limit on the page: an over-long note is a 400 naming it."""

import pytest
from django.urls import reverse

from registrations import services
from registrations.models import Event, MoveIn

pytestmark = pytest.mark.django_db


def test_an_over_long_note_on_a_new_move_in_is_refused_naming_the_limit(client, world, vacant_room):
    client.force_login(world.cs)
    data = {"project": world.project.pk, "room_code": "5栋1单元0801", "person_name": "周杰", "relation": "owner"}
    response = client.post(
        reverse("registrations:new", args=["moveins"]), {**data, "move_in_on": "2026-11-20", "note": "备" * 501}
    )
    assert response.status_code == 400
    assert "500" in response.context["form"].errors["note"][0]
    assert not MoveIn.objects.exists()


def test_an_over_long_cancel_reason_is_refused_and_the_record_stays_open(client, world, vacant_room, day):
    movein = services.movein_open(actor=world.cs, room=vacant_room, person_name="周杰", move_in_on=day)
    client.force_login(world.cs)
    response = client.post(reverse("registrations:act", args=["moveins", movein.pk, "cancel"]), {"reason": "重" * 501})
    assert response.status_code == 400 and "500" in response.content.decode()
    assert MoveIn.objects.get(pk=movein.pk).state == movein.state
    assert not Event.objects.filter(action="cancel").exists()
