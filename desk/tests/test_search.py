"""desk/search.py: Chinese search over requests, with the same answers on SQLite and PostgreSQL."""

import pytest
from django.db import connection

from desk.choices import Kind
from desk.models import ServiceRequest
from desk.search import grams, request_search_q


def test_grams_are_the_sorted_two_character_shingles_of_each_word():
    assert grams("楼上漏水") == ["上漏", "楼上", "漏水"]
    assert grams("Lift BROKEN") == sorted({"li", "if", "ft", "br", "ro", "ok", "ke", "en"})
    assert grams("漏水 严重", "漏水") == ["严重", "漏水"]  # no shingle across a space, no duplicates
    assert grams("", None, "水") == []


@pytest.fixture
def requests(world):
    def add(title, description="", location="", kind=Kind.COMPLAINT):
        return world.register(title=title, description=description, location=location, kind=kind)

    return {
        "upstairs_leak": add("楼上漏水", "天花板滴水"),
        "bathroom_leak": add("卫生间漏水严重"),
        "seepage": add("楼上渗水", "墙面潮湿"),
        "leak_in_description": add("报修", "厨房水管漏水", kind=Kind.REPAIR),
        "leak_in_location": add("地下室积水", "需要抽水", location="B1车库漏水点"),
        "scattered": add("漏水，水严重吗"),  # has the shingles of 漏水严 but not the phrase
        "lift": add("Lift BROKEN again", "电梯停在5楼"),
        "lift_lower": add("lift door noisy"),
        "noise": add("装修噪音", "周末早上八点电钻"),
    }


def found(term, requests) -> set[str]:
    names = {sr.pk: name for name, sr in requests.items()}
    return {names[pk] for pk in ServiceRequest.objects.filter(request_search_q(term)).values_list("pk", flat=True)}


def test_a_two_character_term_finds_it_anywhere_in_title_description_or_location(requests):
    assert found("漏水", requests) == {
        "upstairs_leak",
        "bathroom_leak",
        "leak_in_description",
        "leak_in_location",
        "scattered",
    }
    assert "seepage" not in found("漏水", requests)


def test_another_two_character_term(requests):
    assert found("楼上", requests) == {"upstairs_leak", "seepage"}
    assert found("渗水", requests) == {"seepage"}
    assert found("噪音", requests) == {"noise"}


def test_a_longer_term_must_appear_as_written(requests):
    assert found("漏水严重", requests) == {"bathroom_leak"}
    assert found("卫生间漏水", requests) == {"bathroom_leak"}
    assert found("漏水严", requests) == {"bathroom_leak"}  # not "scattered", which only has the pieces
    assert found("楼上漏水", requests) == {"upstairs_leak"}
    assert found("天花板滴水", requests) == {"upstairs_leak"}
    assert found("漏水很严重", requests) == set()


def test_a_single_character_finds_every_request_containing_it(requests):
    assert found("渗", requests) == {"seepage"}
    assert found("梯", requests) == {"lift"}


def test_surrounding_spaces_do_not_matter(requests):
    assert found("  漏水严重 ", requests) == {"bathroom_leak"}


def test_ascii_is_case_insensitive(requests):
    assert found("lift", requests) == {"lift", "lift_lower"}
    assert found("LIFT", requests) == {"lift", "lift_lower"}
    assert found("broken", requests) == {"lift"}
    assert found("bRoKeN AGAIN", requests) == {"lift"}
    assert found("lift broken", requests) == {"lift"}
    assert found("Door", requests) == {"lift_lower"}


def test_a_number_or_its_prefix_finds_the_request(requests):
    sr = requests["bathroom_leak"]
    assert found(sr.number, requests) == {"bathroom_leak"}
    assert found(sr.number.lower(), requests) == {"bathroom_leak"}
    day = sr.number[:10]  # 'TS20261127': every complaint of the day
    complaints = {name for name, r in requests.items() if r.kind == Kind.COMPLAINT}
    assert found(day, requests) == complaints
    assert found(day.lower(), requests) == complaints
    assert found("BX", requests) == {"leak_in_description"}


def test_nothing_found_for_text_that_is_not_there(requests):
    assert found("停车", requests) == set()
    assert found("zz", requests) == set()
    assert found("TS19990101", requests) == set()


def test_like_wildcards_are_taken_literally(requests, world):
    assert found("%", requests) == set()
    assert found("_", requests) == set()
    percent = world.register(title="打折50%物业费")
    assert found("50%", {**requests, "percent": percent}) == {"percent"}


def test_postgresql_answers_from_the_shingles(requests):
    """On PostgreSQL the shingle column narrows the search (GIN-indexed); SQLite uses LIKE."""
    where = str(ServiceRequest.objects.filter(request_search_q("漏水")).query).split(" WHERE ", 1)[1]
    assert ("search_grams" in where) is (connection.vendor == "postgresql")
    stored = ServiceRequest.objects.get(pk=requests["bathroom_leak"].pk).search_grams
    assert {"漏水", "卫生", "严重"} <= set(stored)
