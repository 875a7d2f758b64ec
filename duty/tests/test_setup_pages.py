from django.urls import reverse
from django.utils import translation

from duty.models import CountedThing, Key, Shift


def test_setup_page_cast_and_saves(client, world):
    url = reverse("duty:setup", args=[world.project.pk])
    client.force_login(world.cs)
    assert client.get(url).status_code == 403
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404
    client.force_login(world.supervisor)
    assert client.get(url).status_code == 200
    r = client.post(
        url, {"form": "shift", "name": "夜班", "start": "22:00", "end": "06:00", "order": 3, "active": "on"}
    )
    assert r.status_code == 302
    shift = Shift.objects.get()
    assert shift.crosses_midnight and shift.project == world.project
    r = client.post(url, {"form": "shift", "name": "夜班", "start": "21:00", "end": "21:00", "order": 3})
    assert r.status_code == 400 and Shift.objects.count() == 1
    r = client.post(
        url, {"form": "shift", "pk": shift.pk, "name": "夜班", "start": "21:00", "end": "05:00", "order": 3}
    )
    assert r.status_code == 302
    shift.refresh_from_db()
    assert str(shift.start) == "21:00:00" and not shift.active
    r = client.post(url, {"form": "thing", "name": "对讲机", "unit": "台", "expected": "6", "order": 1, "active": "on"})
    assert r.status_code == 302 and CountedThing.objects.get().expected == 6
    r = client.post(url, {"form": "key", "code": "K09", "name": "天台门", "location": "", "active": "on"})
    assert r.status_code == 302 and Key.objects.get().code == "K09"
    # Another project's row cannot be edited through this project's page.
    other = Shift.objects.create(project=world.other_project, name="早班", start="08:00", end="16:00")
    r = client.post(url, {"form": "shift", "pk": other.pk, "name": "改", "start": "08:00", "end": "16:00", "order": 0})
    assert r.status_code == 404
    other.refresh_from_db()
    assert other.name == "早班"


def test_nav_entry_only_for_those_who_use_it(client, world):
    for person, shown in ((world.cs, True), (world.supervisor, True), (world.tech, False), (world.finance, False)):
        client.force_login(person)
        page = client.get(reverse("desk:list")).content.decode()
        assert (reverse("duty:home") in page) == shown, person


def test_pages_render_in_english(client, world):
    client.force_login(world.supervisor)
    with translation.override("en"):
        for name in ("board", "roster", "log", "keys", "handovers", "setup"):
            r = client.get(reverse(f"duty:{name}", args=[world.project.pk]), HTTP_ACCEPT_LANGUAGE="en")
            assert r.status_code == 200, name
