"""The estate search: every common way of writing a room, a name, a phone or a plate, scoped to
the user's projects."""

import pytest
from django.urls import reverse

from core.models import Project
from estate import services
from estate.models import Resident, Vehicle
from estate.selectors import search
from tests.factories import make_resident, make_room

URL = reverse("estate:search")


def room_codes(found):
    return [r.code for r in found["rooms"]]


def names(found):
    return [r.name for r in found["people"]]


@pytest.fixture
def cars(world):
    services.vehicle_add(actor=world.cs, room=world.room, plate="浙A12345", resident=world.resident)
    Vehicle.objects.create(project=world.other_project, room=world.other_room, plate="浙A12399")


@pytest.mark.parametrize("text", ["3栋2单元1502", "３-２-１５０２", "3-2-1502", "3#2-1502室", "3幢2单元1502号"])
def test_room_in_any_common_form(world, text):
    assert room_codes(search(world.cs, text)) == ["3-2-1502"]


def test_room_prefix_finds_the_unit(world):
    assert room_codes(search(world.cs, "3-2")) == ["3-2-1501", "3-2-1502"]
    assert room_codes(search(world.cs, "1502")) == ["3-2-1502"]


@pytest.mark.parametrize("text", ["张三", "张", "三", "zs", "ZS", "z s"])
def test_name_by_chinese_part_or_pinyin_initials(world, text):
    assert names(search(world.cs, text)) == ["张三"]


def test_name_longer_than_the_index(world):
    r = make_resident(world.room2, "欧阳娜娜娜娜丽丽", "13600000000")
    assert [p.pk for p in search(world.cs, "欧阳娜娜娜娜丽丽")["people"]] == [r.pk]
    assert search(world.cs, "欧阳娜娜娜娜丽丽丽")["people"] == []


@pytest.mark.parametrize("text", ["5678", "13812345678", "138 1234 5678", "+86 138-1234-5678", "1381234"])
def test_phone_full_start_or_last_four(world, text):
    assert names(search(world.cs, text)) == ["张三"]


@pytest.mark.parametrize("text", ["0571-8888 6666", "+86 571 8888 6666", "0086 (571) 88886666", "6666"])
def test_a_landline_in_its_international_form_too(world, text):
    make_resident(world.room2, "李四", "057188886666")
    assert names(search(world.cs, text)) == ["李四"]


@pytest.mark.parametrize("text", ["浙a 12345", "浙A12345", "浙Ａ１２３４５", "a12345", "A1234"])
def test_plate_any_case_or_spacing(world, cars, text):
    found = search(world.cs, text)
    assert [v.plate for v in found["vehicles"]] == ["浙A12345"]


def test_other_projects_are_not_found(world, cars):
    assert room_codes(search(world.outsider, "3-2-1502")) == []
    assert names(search(world.outsider, "张三")) == []
    assert names(search(world.outsider, "zs")) == []
    assert names(search(world.outsider, "5678")) == []
    assert [v.plate for v in search(world.outsider, "浙A123")["vehicles"]] == ["浙A12399"]
    assert [v.plate for v in search(world.cs, "浙A123")["vehicles"]] == ["浙A12345"]
    assert names(search(world.cs, "赵六")) == []


def test_residents_search_nothing(world):
    found = search(world.resident_user, "张三")
    assert found["people"] == [] and found["rooms"] == []


def test_a_common_term_is_bounded(world):
    rooms = [make_room(world.project, "9", "1", f"{n:04d}") for n in range(1, 26)]
    for n, room in enumerate(rooms):
        make_resident(room, f"张{n}", f"1390000{n:04d}")
    found = search(world.cs, "张")
    assert len(found["people"]) == 20 and "people" in found["more"]


def test_name_index_follows_renames(world):
    r = Resident.objects.get(pk=world.resident.pk)
    r.name = "王小明"
    r.save()
    assert names(search(world.cs, "张三")) == []
    assert names(search(world.cs, "wxm")) == ["王小明"]
    assert names(search(world.cs, "小明")) == ["王小明"]


# ---------------------------------------------------------------- the page


def test_search_page_groups_and_links(client, world, cars):
    client.force_login(world.cs)
    page = client.get(URL, {"q": "浙a 12345"}).content.decode()
    assert reverse("estate:household", args=[world.room.pk]) in page
    page = client.get(URL, {"q": "zs"}).content.decode()
    assert "张三" in page and "13812345678" not in page  # masked until revealed
    assert "138****5678" in page


def test_search_page_other_project_finds_nothing(client, world):
    client.force_login(world.outsider)
    page = client.get(URL, {"q": "张三"}).content.decode()
    assert reverse("estate:household", args=[world.room.pk]) not in page


def test_search_page_refuses_residents_and_anonymous(client, world):
    assert client.get(URL, {"q": "x"}).status_code == 302
    client.force_login(world.resident_user)
    assert client.get(URL, {"q": "张三"}).status_code == 403


def test_search_page_queries_are_bounded(client, world, django_assert_max_num_queries):
    for n in range(30):
        make_resident(world.room2, f"张{n}", f"1370000{n:04d}")
    client.force_login(world.cs)
    with django_assert_max_num_queries(12):
        assert client.get(URL, {"q": "张"}).status_code == 200


def test_navbar_has_the_search_box_for_staff_only(client, world):
    client.force_login(world.cs)
    assert f'action="{URL}"' in client.get(reverse("estate:rooms")).content.decode()
    assert Project.objects.exists()
