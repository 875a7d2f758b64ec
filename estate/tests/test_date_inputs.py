"""A browser's <input type="date"> only accepts ISO dates: in Chinese Django would write 2026/11/27,
which the browser drops, and saving the form would then erase the date."""

from datetime import date

from django.urls import reverse


def test_the_room_form_shows_its_saved_date_in_iso_form(client, world):
    world.room.delivered_on = date(2026, 3, 8)
    world.room.save()
    client.force_login(world.cs)
    html = client.get(reverse("estate:pane", args=[world.room.pk, "room"])).content.decode()
    assert 'value="2026-03-08"' in html
    assert "2026/03/08" not in html
