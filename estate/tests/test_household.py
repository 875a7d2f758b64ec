"""The household page (一户一档): who may open it, what each role sees, the edits from the page,
and a constant number of queries whatever the size of the timeline."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from desk.models import ServiceRequest
from estate import services
from estate.choices import IdType, Relation
from estate.models import CareTag, HouseholdNote, Occupancy, Pet, Resident, Vehicle
from estate.timeline import room_timeline

VALID_ID = "11010519491231002X"


def url(room, name="household", *args):
    return reverse(f"estate:{name}", args=[room.pk, *args])


@pytest.fixture
def filed(world):
    """The household with an ID number, a care tag, a former owner, a vehicle, a pet and a note."""
    r = world.resident
    r.id_type, r.id_number = IdType.ID_CARD, VALID_ID
    r.save()
    tag = CareTag.objects.create(company=world.company, name="独居老人", hint="来电请放慢语速")
    r.care_tags.add(tag)
    Occupancy.objects.filter(resident=r).update(start=datetime.date(2021, 3, 1))
    former = Resident.objects.create(project=world.project, name="周前任", phone="13911112222")
    Occupancy.objects.create(
        room=world.room,
        resident=former,
        relation=Relation.OWNER,
        start=datetime.date(2010, 1, 1),
        end=datetime.date(2021, 2, 28),
    )
    services.vehicle_add(actor=world.cs, room=world.room, plate="浙A12345", resident=r)
    services.pet_add(actor=world.cs, room=world.room, kind="dog", name="旺财")
    services.note_add(actor=world.cs, room=world.room, text="业主要求维修前电话预约")
    world.register()
    return world


@pytest.mark.parametrize("who", ["cs", "supervisor", "manager", "pm", "tech", "guard", "lead", "finance"])
def test_staff_of_the_project_open_the_page(client, filed, who):
    client.force_login(getattr(filed, who))
    page = client.get(url(filed.room))
    assert page.status_code == 200
    html = page.content.decode()
    assert "周前任" in html and "2021-02-28" in html  # ownership history stays visible
    assert "浙A12345" in html and "旺财" in html


def test_another_projects_staff_get_404(client, filed):
    client.force_login(filed.outsider)
    assert client.get(url(filed.room)).status_code == 404
    client.force_login(filed.other_tech)
    assert client.get(url(filed.room)).status_code == 404


def test_residents_have_no_household_file_page(client, filed):
    client.force_login(filed.resident_user)
    assert client.get(url(filed.room)).status_code == 403


def test_anonymous_is_sent_to_login(client, filed):
    assert client.get(url(filed.room)).status_code == 302


def test_full_id_numbers_are_never_printed(client, filed):
    for who in (filed.tech, filed.cs):
        client.force_login(who)
        html = client.get(url(filed.room)).content.decode()
        assert VALID_ID not in html
        assert "1101**********002X" in html


def test_a_technician_cannot_reveal_an_id_number(client, filed):
    client.force_login(filed.tech)
    html = client.get(url(filed.room)).content.decode()
    assert "hx-post" not in html.split("1101**********002X")[1][:200]  # no reveal button for them
    client.force_login(filed.cs)
    html = client.get(url(filed.room)).content.decode()
    assert "hx-post" in html.split("1101**********002X")[1][:200]


def test_people_current_first_past_greyed(client, filed):
    client.force_login(filed.cs)
    html = client.get(url(filed.room)).content.decode()
    assert html.index("张三") < html.index("周前任")
    assert "已结束" in html and "独居老人" in html


def test_timeline_newest_first_and_filtered_by_source(client, filed):
    client.force_login(filed.cs)
    entries = client.get(url(filed.room)).context["timeline"]
    assert {e.source for e in entries} == {"requests", "notes", "household"}  # household: the vehicle, the pet
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    only = client.get(url(filed.room), {"source": "requests"}).context["timeline"]
    assert {e.source for e in only} == {"requests"}


def test_edit_forms_only_for_the_desk(client, filed):
    client.force_login(filed.tech)
    html = client.get(url(filed.room)).content.decode()
    assert url(filed.room, "note-add") not in html
    assert client.post(url(filed.room, "note-add"), {"note-text": "x"}).status_code == 403
    assert not HouseholdNote.objects.filter(text="x").exists()
    client.force_login(filed.outsider)
    assert client.post(url(filed.room, "note-add"), {"note-text": "x"}).status_code == 404


def test_timeline_queries_are_constant_with_500_entries(client, world, django_assert_max_num_queries):
    sr = world.register()
    now = timezone.now()
    fields = {
        f.attname: getattr(sr, f.attname)
        for f in ServiceRequest._meta.concrete_fields
        if f.attname not in ("id", "number", "created_at")
    }
    ServiceRequest.objects.bulk_create(
        [
            ServiceRequest(**fields, number=f"T{n:05d}", created_at=now - datetime.timedelta(minutes=n))
            for n in range(250)
        ]
    )
    HouseholdNote.objects.bulk_create(
        [
            HouseholdNote(
                room=world.room, author=world.cs, text=f"备注{n}", created_at=now - datetime.timedelta(seconds=n)
            )
            for n in range(250)
        ]
    )
    assert len(room_timeline(room=world.room, user=world.cs)) == 500
    client.force_login(world.cs)
    client.get(url(world.room))  # warm caches (session, sources discovered)
    # 30: the page with every app's cards; the money cards (account, arrears and dunning history) share
    # one set of queries that does not grow with the room's history (billing/tests/test_household_cards.py).
    with django_assert_max_num_queries(30) as few:
        small = client.get(reverse("estate:household", args=[world.room2.pk]))
    with django_assert_max_num_queries(len(few.captured_queries)):
        big = client.get(url(world.room))
    assert small.status_code == big.status_code == 200
    assert len(big.context["timeline"]) == 500


# ---------------------------------------------------------------- edits from the page


def test_add_a_person_from_the_page(client, world):
    client.force_login(world.cs)
    response = client.post(
        url(world.room, "person-add"),
        {
            "person-name": "王五",
            "person-phone": "139 0000 3333",
            "person-relation": "family",
            "person-start": "2025-01-01",
        },
    )
    assert response.status_code == 302
    r = Resident.objects.get(name="王五")
    assert r.phone == "13900003333" and Occupancy.objects.get(resident=r).room == world.room


def test_bad_person_is_shown_again_with_errors(client, world):
    client.force_login(world.cs)
    before = Resident.objects.count()
    response = client.post(
        url(world.room, "person-add"),
        {
            "person-name": "王五",
            "person-phone": "123",
            "person-relation": "family",
            "person-id_type": "id_card",
            "person-id_number": "110105194912310021",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "不是有效的电话号码" in html and "身份证号码不正确" in html
    assert Resident.objects.count() == before


def test_a_second_owner_from_the_page_is_refused_with_a_message(client, world):
    client.force_login(world.cs)
    response = client.post(
        url(world.room, "person-add"), {"person-name": "钱七", "person-relation": "owner", "person-start": "2025-01-01"}
    )
    assert response.status_code == 400
    assert "已有业主" in response.content.decode()
    assert not Resident.objects.filter(name="钱七").exists()


def test_transfer_from_the_page(client, world):
    client.force_login(world.cs)
    response = client.post(
        url(world.room, "person-add"),
        {
            "person-name": "钱七",
            "person-relation": "owner",
            "person-start": "2025-01-01",
            "person-end_current_owners": "on",
        },
    )
    assert response.status_code == 302
    assert Occupancy.objects.get(resident=world.resident).end == datetime.date(2024, 12, 31)


def test_edit_a_person_keeps_the_id_number_when_left_blank(client, world):
    r = world.resident
    r.id_type, r.id_number = IdType.ID_CARD, VALID_ID
    r.save()
    client.force_login(world.cs)
    edit = url(world.room, "person-edit", r.pk)
    form_page = client.get(edit).content.decode()
    assert VALID_ID not in form_page
    response = client.post(
        edit, {"name": "张三", "phone": "13812345678", "gender": "M", "id_type": "id_card", "id_number": ""}
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.id_number == VALID_ID and r.gender == "M"
    # someone of another household cannot be edited through this room
    assert client.get(url(world.room, "person-edit", world.neighbour.pk)).status_code == 404


def test_end_a_relation_from_the_page(client, world):
    occ = Occupancy.objects.get(resident=world.resident)
    client.force_login(world.cs)
    assert client.post(url(world.room, "occupancy-end", occ.pk), {"end": "2026-01-31"}).status_code == 302
    occ.refresh_from_db()
    assert occ.end == datetime.date(2026, 1, 31)
    other = Occupancy.objects.get(resident=world.neighbour)
    assert client.post(url(world.room, "occupancy-end", other.pk), {"end": "2026-01-31"}).status_code == 404


def test_vehicle_pet_parking_note_from_the_page(client, world):
    client.force_login(world.cs)
    assert client.post(url(world.room, "vehicle-add"), {"vehicle-plate": "浙a 54321"}).status_code == 302
    v = Vehicle.objects.get()
    assert v.plate == "浙A54321"
    bad = client.post(url(world.room, "vehicle-add"), {"vehicle-plate": "浙A54321"})
    assert bad.status_code == 400 and "已在本项目登记" in bad.content.decode()
    assert client.post(url(world.room, "vehicle-end", v.pk)).status_code == 302
    v.refresh_from_db()
    assert v.ended_on
    assert client.post(url(world.room, "pet-add"), {"pet-kind": "cat", "pet-name": "咪咪"}).status_code == 302
    pet = Pet.objects.get()
    client.post(url(world.room, "pet-update", pet.pk), {"action": "vaccinated", "end": "2026-01-02"})
    pet.refresh_from_db()
    assert pet.vaccinated_on == datetime.date(2026, 1, 2)
    assert (
        client.post(url(world.room, "parking-add"), {"parking-number": "B-1", "parking-kind": "owned"}).status_code
        == 302
    )
    assert client.post(url(world.room, "note-add"), {"note-text": "已更换门锁"}).status_code == 302
    assert HouseholdNote.objects.get().author == world.cs


def test_room_attributes_from_the_page(client, world):
    client.force_login(world.cs)
    response = client.post(
        url(world.room, "room-edit"),
        {
            "room-orientation": "SN",
            "room-layout": "三室两厅",
            "room-area": "120.5",
            "room-use": "residential",
            "room-state": "occupied",
        },
    )
    assert response.status_code == 302
    world.room.refresh_from_db()
    assert world.room.orientation == "SN" and world.room.layout == "三室两厅"


# ---------------------------------------------------------------- links from the desk


def test_intake_panel_shows_care_tags_and_links_to_the_household(client, filed):
    client.force_login(filed.cs)
    html = client.get(reverse("desk:household"), {"room": filed.room.pk}).content.decode()
    assert "独居老人" in html and "来电请放慢语速" in html
    assert url(filed.room) in html


def test_request_page_links_to_the_household(client, filed):
    sr = ServiceRequest.objects.filter(room=filed.room).first()
    client.force_login(filed.cs)
    assert url(filed.room) in client.get(reverse("desk:detail", args=[sr.pk])).content.decode()


# ---------------------------------------------------------------- rooms list


def test_rooms_list_filters_and_scope(client, filed, django_assert_max_num_queries):
    client.force_login(filed.cs)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("estate:rooms"))
    codes = [r.code for r in response.context["rooms"]]
    assert codes == ["3-2-1501", "3-2-1502"]
    tag = CareTag.objects.get()
    tagged = client.get(reverse("estate:rooms"), {"tag": tag.pk}).context["rooms"]
    assert [r.code for r in tagged] == ["3-2-1502"]
    client.force_login(filed.outsider)
    assert [r.code for r in client.get(reverse("estate:rooms")).context["rooms"]] == ["1-1-101"]


def test_rooms_list_pages_by_keyset(client, world):
    from tests.factories import make_room

    for n in range(60):
        make_room(world.project, "5", "1", f"{n:03d}")
    client.force_login(world.cs)
    first = client.get(reverse("estate:rooms"))
    assert len(first.context["rooms"]) == 50 and first.context["page"].next_cursor
    second = client.get(reverse("estate:rooms"), {"after": first.context["page"].next_cursor})
    seen = [r.code for r in first.context["rooms"]] + [r.code for r in second.context["rooms"]]
    assert len(seen) == len(set(seen)) == 62 and second.context["page"].next_cursor is None


def test_edit_forms_are_fetched_when_opened(client, world):
    client.force_login(world.cs)
    page = client.get(url(world.room)).content.decode()
    assert reverse("estate:pane", args=[world.room.pk, "person"]) in page
    assert 'name="person-name"' not in page  # not rendered until opened
    pane = client.get(reverse("estate:pane", args=[world.room.pk, "person"]))
    assert pane.status_code == 200 and 'name="person-name"' in pane.content.decode()
    assert url(world.room, "person-add") in pane.content.decode()
    for name in ("room", "occ", "vehicle", "parking", "pet"):
        assert client.get(reverse("estate:pane", args=[world.room.pk, name])).status_code == 200
    assert client.get(reverse("estate:pane", args=[world.room.pk, "nope"])).status_code == 404
    client.force_login(world.tech)
    assert client.get(reverse("estate:pane", args=[world.room.pk, "person"])).status_code == 403
    client.force_login(world.outsider)
    assert client.get(reverse("estate:pane", args=[world.room.pk, "person"])).status_code == 404


def test_edit_a_person_shows_the_phone_masked_and_keeps_it_unless_changed(client, world):
    """Regression: the edit form prefilled the registered phone in full, outside the logged reveal."""
    r = world.resident
    r.phone = "13955556666"  # not the help text's example 13812345678
    r.save()
    client.force_login(world.cs)
    edit = url(world.room, "person-edit", r.pk)
    page = client.get(edit).content.decode()
    assert "13955556666" not in page and 'value="139****6666"' in page
    data = {"name": "张三", "gender": "F", "id_type": "", "id_number": ""}
    assert client.post(edit, {**data, "phone": "139****6666"}).status_code == 302
    r.refresh_from_db()
    assert r.phone == "13955556666" and r.gender == "F"
    # shown again after an error, the phone is still masked
    response = client.post(edit, {**data, "name": "", "phone": "139****6666"})
    assert response.status_code == 400 and "13955556666" not in response.content.decode()
    assert client.post(edit, {**data, "phone": "+86 139-0000 4444"}).status_code == 302
    r.refresh_from_db()
    assert r.phone == "13900004444" and r.phone_last4 == "4444"
