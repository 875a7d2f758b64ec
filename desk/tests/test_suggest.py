"""The intake's suggestion (desk/suggest.py): the keyword table, what clerks chose before, the
flat upstairs; learning in the registration's transaction; the endpoint the page asks as the clerk
types; registering and dispatching in one step."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.choices import DepartmentKind
from core.errors import ServiceError
from desk.choices import Kind, State, Validity
from desk.intake import request_register_dispatch
from desk.models import Category, IntakeKeyword, LearnedWord, ServiceRequest
from desk.services import Intake
from desk.suggest import install_default_keywords, learn, suggest, words
from tests.factories import PASSWORD, make_room

pytestmark = pytest.mark.django_db

LEAK_CALL = "我是3栋2单元1502的，楼上卫生间漏水到我家了"


@pytest.fixture
def table(world):
    """DOMAIN.md's keyword table for the test company (its default categories added)."""
    added = install_default_keywords(world.company)
    assert added > 50
    return {c.code: c for c in Category.objects.filter(company=world.company)}


def said(world, title, description="", room=None, user=None):
    return suggest(
        user=user or world.cs,
        project_id=world.project.pk,
        title=title,
        description=description,
        room_id=room.pk if room else None,
    )


def register(world, title, category, kind, description=""):
    return world.register(title=title, description=description, category_id=category.pk, kind=kind)


# ------------------------------------------------------------------ the keyword table


@pytest.mark.parametrize(
    "title, kind, code, department",
    [
        ("卫生间漏水", Kind.REPAIR, "leak", DepartmentKind.ENGINEERING),
        ("外墙渗水", Kind.REPAIR, "leak", DepartmentKind.ENGINEERING),
        ("楼上噪音很大", Kind.COMPLAINT, "noise", DepartmentKind.SECURITY),
        ("保安态度不好", Kind.COMPLAINT, "attitude", DepartmentKind.CUSTOMER_SERVICE),
        ("垃圾两天没人清理", Kind.COMPLAINT, "sanitation", DepartmentKind.CLEANING),
        ("咨询物业费缴纳方式", Kind.ENQUIRY, "fees", DepartmentKind.FINANCE),
        ("2号电梯困人", Kind.REPAIR, "facilities", DepartmentKind.ENGINEERING),
    ],
)
def test_the_words_of_a_complaint_suggest_kind_category_and_department(world, table, title, kind, code, department):
    found = said(world, title)
    assert (found.kind, found.category_id, found.department_kind) == (kind, table[code].pk, department)
    assert found.words  # says which keywords spoke for it


def test_the_leak_call_suggests_a_leak_repair_for_engineering_and_the_flat_upstairs(world, table):
    upstairs = make_room(world.project, "3", "2", "1602")
    found = said(world, LEAK_CALL, room=world.room)
    assert (found.kind, found.category_id, found.department_kind) == (
        Kind.REPAIR,
        table["leak"].pk,
        DepartmentKind.ENGINEERING,
    )
    assert "漏水" in found.words
    assert found.related_room == upstairs
    data = found.as_json()
    assert data["category_label"] == "漏水渗水" and data["related_room"] == {"id": upstairs.pk, "code": "3-2-1602"}
    # the flat below, when that is whom the caller blames; none when the estate has no such room
    downstairs = make_room(world.project, "3", "2", "1402")
    assert said(world, "楼下装修太吵", room=world.room).related_room == downstairs
    assert said(world, "楼上漏水", room=upstairs).related_room is None


def test_nothing_is_suggested_from_words_that_say_nothing(world, table):
    assert said(world, "你好，请稍等") is None
    assert said(world, "") is None


def test_a_keyword_the_administrator_switches_off_or_reweighs_counts_accordingly(world, table):
    assert said(world, "楼上漏水，很吵").category_id == table["leak"].pk
    IntakeKeyword.objects.filter(company=world.company, keyword__in=["漏水"]).update(active=False)
    assert said(world, "楼上漏水，很吵").category_id == table["noise"].pk
    IntakeKeyword.objects.filter(company=world.company, keyword="吵").update(weight=1)
    IntakeKeyword.objects.create(company=world.company, keyword="很吵", kind=Kind.COMPLAINT, weight=2)
    found = said(world, "楼上漏水，很吵")
    assert found.kind == Kind.COMPLAINT and found.category_id == table["neighbour"].pk  # 楼上 (3) now leads


def test_an_inactive_category_is_never_suggested(world, table):
    Category.objects.filter(pk=table["leak"].pk).update(active=False)
    found = said(world, "卫生间漏水")
    assert found is None or found.category_id != table["leak"].pk


def test_only_staff_of_the_project_get_a_suggestion(world, table):
    assert said(world, "卫生间漏水", user=world.outsider) is None
    assert said(world, "卫生间漏水", user=world.cs) is not None


# ------------------------------------------------------------------ learning


def test_words_are_the_two_character_pieces_and_latin_words():
    assert words("卫生间漏水，wifi 坏了 3-2-1502") == ["卫生", "生间", "间漏", "漏水", "坏了", "wifi"]


def test_registering_counts_the_words_under_the_kind_and_category(world, table):
    sr = register(world, "阳台玻璃裂了", table["facilities"], Kind.REPAIR, description="有碎片")
    counts = dict(LearnedWord.objects.filter(company=world.company).values_list("word", "count"))
    assert counts == {"阳台": 1, "台玻": 1, "玻璃": 1, "璃裂": 1, "裂了": 1, "有碎": 1, "碎片": 1}
    assert set(LearnedWord.objects.values_list("category_id", "kind")) == {(sr.category_id, Kind.REPAIR)}
    register(world, "玻璃裂了", table["facilities"], Kind.REPAIR)
    assert LearnedWord.objects.get(word="玻璃").count == 2


def test_learning_changes_the_next_suggestion(world, table):
    # words the table does not know: nothing, until a clerk files them once
    assert said(world, "阳台玻璃裂缝") is None
    register(world, "阳台玻璃裂了", table["facilities"], Kind.REPAIR)
    found = said(world, "阳台玻璃裂缝")
    assert (found.kind, found.category_id) == (Kind.REPAIR, table["facilities"].pk)
    # the table says a tap's leak is a leak; clerks file it under facilities: the next one follows them
    assert said(world, "水龙头漏水").category_id == table["leak"].pk
    register(world, "水龙头漏水", table["facilities"], Kind.REPAIR)
    assert said(world, "水龙头漏水").category_id == table["facilities"].pk
    # ... while a leak elsewhere stays a leak
    assert said(world, "卫生间漏水").category_id == table["leak"].pk


def test_a_word_spread_over_many_categories_counts_little(world, table):
    for category in ("noise", "sanitation", "parking", "greening"):
        register(world, "我家门口", table[category], Kind.COMPLAINT)
    register(world, "阳台玻璃", table["facilities"], Kind.REPAIR)
    found = said(world, "我家阳台玻璃")
    assert found.category_id == table["facilities"].pk


def test_a_refused_registration_learns_nothing(world, table):
    with pytest.raises(ValidationError):
        world.register(title="阳台玻璃裂了", category_id=table["facilities"].pk, caller_phone="12ab")
    assert not LearnedWord.objects.exists()
    world.register(title="阳台玻璃裂了", category_id=None)  # nothing to learn without a category
    assert not LearnedWord.objects.exists()


def test_learning_is_one_statement(world, table, django_assert_num_queries):
    sr = register(world, "卫生间漏水", table["leak"], Kind.REPAIR)
    with django_assert_num_queries(1):
        assert learn(sr) == 4


def test_a_suggestion_is_one_statement(world, table, django_assert_num_queries):
    register(world, "阳台玻璃裂了", table["facilities"], Kind.REPAIR)
    world.cs.project_ids()  # the user's projects are read once per request, with the session
    with django_assert_num_queries(1):
        found = said(world, "卫生间漏水，阳台玻璃也裂了")
    assert found.category_id == table["leak"].pk and "漏水" in found.words
    with django_assert_num_queries(1):  # no Chinese: the keywords alone
        assert said(world, "wifi 123") is None


# ------------------------------------------------------------------ defaults


def test_the_defaults_are_added_once_and_leave_the_companys_own_alone(world):
    IntakeKeyword.objects.create(company=world.company, keyword="漏水", kind=Kind.COMPLAINT, weight=3)
    first = install_default_keywords(world.company)
    assert install_default_keywords(world.company) == 0
    assert IntakeKeyword.objects.filter(company=world.company).count() == first + 1
    # the company's own category (facilities) is used, the missing defaults are added
    assert Category.objects.filter(company=world.company, code="facilities").count() == 1
    assert Category.objects.get(company=world.company, code="leak").department_kind == DepartmentKind.ENGINEERING


def test_a_company_added_in_the_admin_gets_the_keyword_table(client, world):
    from core.models import User

    admin = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    client.force_login(admin)
    response = client.post(reverse("admin:core_company_add"), {"name": "新公司", "code": "new", "language": "zh-hans"})
    assert response.status_code == 302
    company = world.company.__class__.objects.get(code="new")
    leak = IntakeKeyword.objects.get(company=company, keyword="漏水")
    assert leak.category.name == "漏水渗水" and leak.kind == Kind.REPAIR


# ------------------------------------------------------------------ the endpoint


def test_the_page_asks_as_the_clerk_types(client, world, table):
    upstairs = make_room(world.project, "3", "2", "1602")
    client.force_login(world.cs)
    response = client.get(
        reverse("desk:suggest"), {"project": world.project.pk, "room": world.room.pk, "title": LEAK_CALL}
    )
    assert response.status_code == 200
    data = json.loads(response.content)["suggestion"]
    assert data["kind"] == "repair" and data["category"] == table["leak"].pk
    assert data["department_kind"] == "engineering" and data["related_room"]["code"] == upstairs.code
    empty = client.get(reverse("desk:suggest"), {"project": world.project.pk, "title": "喂"})
    assert json.loads(empty.content) == {"suggestion": None}


@pytest.mark.parametrize("who", ["outsider", "tech", "resident_user"])
def test_the_endpoint_answers_nothing_to_those_who_may_not_register_there(client, world, table, who):
    client.force_login(getattr(world, who))
    response = client.get(reverse("desk:suggest"), {"project": world.project.pk, "title": "卫生间漏水"})
    assert response.status_code == 403 or json.loads(response.content) == {"suggestion": None}


# ------------------------------------------------------------------ register and dispatch in one step


def intake(world, category, **extra):
    data = dict(
        project_id=world.project.pk,
        kind=Kind.REPAIR,
        title="卫生间漏水",
        room_id=world.room.pk,
        resident_id=world.resident.pk,
        category_id=category.pk,
    )
    data.update(extra)
    return Intake(**data)


def test_registering_and_dispatching_in_one_step(world, table):
    eng = world.dept[DepartmentKind.ENGINEERING]
    sr = request_register_dispatch(actor=world.cs, data=intake(world, table["leak"]), department=eng)
    sr.refresh_from_db()
    assert sr.state == State.DISPATCHED and sr.department == eng
    assert list(sr.events.values_list("action", flat=True)) == ["register", "dispatch"]
    assert LearnedWord.objects.filter(word="漏水", category=table["leak"]).get().count == 1


def test_a_refused_dispatch_saves_nothing(world, table):
    eng = world.dept[DepartmentKind.ENGINEERING]
    invalid = intake(world, table["noise"], kind=Kind.COMPLAINT, validity=Validity.INVALID)
    with pytest.raises(ServiceError):
        request_register_dispatch(actor=world.cs, data=invalid, department=eng)
    with pytest.raises(ValidationError):  # a department of another project
        request_register_dispatch(
            actor=world.cs, data=intake(world, table["leak"]), department=world.other_dept[DepartmentKind.ENGINEERING]
        )
    assert not ServiceRequest.objects.exists() and not LearnedWord.objects.exists()


def test_the_administrator_edits_the_keyword_table_in_the_admin(client, world, table):
    from core.models import Company, User

    admin = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    client.force_login(admin)
    assert client.get(reverse("admin:desk_intakekeyword_changelist")).status_code == 200
    assert client.get(reverse("admin:desk_learnedword_changelist")).status_code == 200
    assert client.get(reverse("admin:desk_learnedword_add")).status_code == 403
    data = {
        "company": world.company.pk,
        "keyword": " ＷｉＦｉ ",
        "kind": Kind.REPAIR,
        "category": table["facilities"].pk,
        "department_kind": "",
        "weight": 12,
        "active": "on",
    }
    response = client.post(reverse("admin:desk_intakekeyword_add"), data)
    assert response.status_code == 302
    assert IntakeKeyword.objects.filter(company=world.company, keyword="wifi", weight=12).exists()
    assert said(world, "家里WiFi没信号").category_id == table["facilities"].pk
    elsewhere = Company.objects.create(name="别家物业", code="b")
    other = Category.objects.create(company=elsewhere, name="别家", code="x")
    refused = client.post(reverse("admin:desk_intakekeyword_add"), {**data, "keyword": "别家", "category": other.pk})
    assert refused.status_code == 200 and not IntakeKeyword.objects.filter(keyword="别家").exists()
