import pytest
from django.core.exceptions import ValidationError

from community import services
from core.errors import ActionRefused
from core.models import AuditEntry, Company
from desk import selectors as desk_selectors
from desk.models import Phrase

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(world):
    def add(situation, title, body, keywords="", active=True, company=None):
        return Phrase.objects.create(
            company=company or world.company,
            situation=situation,
            title=title,
            body=body,
            keywords=keywords,
            active=active,
        )

    return {
        "open": add("intake", "接听开场", "您好，翠湖花园客服中心，请问有什么可以帮您？", "问候"),
        "leak": add("complaint", "漏水安抚", "非常理解您的心情，我们马上安排师傅上门。", "漏水 渗水"),
        "visit": add("return_visit", "回访开场", "您好，这里是客服中心，就您反映的问题做个回访。"),
        "off": add("complaint", "旧话术", "漏水请自行处理。", "漏水", active=False),
        "foreign": add(
            "complaint", "别家漏水", "漏水", "漏水", company=Company.objects.create(name="别家物业", code="x")
        ),
    }


def titles(rows):
    return {p.title for p in rows}


def test_search_by_title_body_or_keyword_within_company_and_active(world, library):
    cid = world.company.pk
    assert titles(desk_selectors.phrases(cid, "", "漏水")) == {"漏水安抚"}
    assert titles(desk_selectors.phrases(cid, "", "渗水")) == {"漏水安抚"}  # keyword only
    assert titles(desk_selectors.phrases(cid, "", "请问")) == {"接听开场"}  # body only
    assert titles(desk_selectors.phrases(cid, "", "回访 开场")) == {"回访开场"}  # every word must match
    assert titles(desk_selectors.phrases(cid, "intake", "漏水")) == set()
    assert titles(desk_selectors.phrases(cid, "return_visit")) == {"回访开场"}


def test_existing_desk_use_keeps_working(world, library):
    assert [p.title for p in desk_selectors.phrases(world.company.pk, "intake")] == ["接听开场"]


@pytest.mark.parametrize("who", ["cs", "lobby", "pm", "tech"])
def test_only_cs_supervisors_and_managers_edit(world, library, who):
    from core.choices import Role
    from tests.factories import make_user

    actor = (
        make_user("lobby", Role.LOBBY, [world.project], company=world.company)
        if who == "lobby"
        else getattr(world, who)
    )
    data = services.PhraseData(situation="intake", title="新话术", body="内容")
    with pytest.raises(ActionRefused):
        services.phrase_create(actor=actor, data=data)
    with pytest.raises(ActionRefused):
        services.phrase_update(actor=actor, phrase=library["open"], data=data)


def test_supervisor_creates_and_edits_with_history(world, library):
    phrase = services.phrase_create(
        actor=world.supervisor,
        data=services.PhraseData(
            situation="emergency", title="电梯困人", body="请保持冷静，救援人员马上到。", keywords="电梯 困人"
        ),
    )
    assert phrase.company == world.company and phrase.updated_by == world.supervisor
    services.phrase_update(
        actor=world.manager,
        phrase=phrase,
        data=services.PhraseData(situation="emergency", title="电梯困人", body="请保持冷静，不要扒门。", active=False),
    )
    phrase.refresh_from_db()
    assert phrase.body == "请保持冷静，不要扒门。" and not phrase.active and phrase.updated_by == world.manager
    entry = AuditEntry.objects.filter(object_type="desk.Phrase", object_id=str(phrase.pk), action="edit").get()
    assert entry.changes["body"] == ["请保持冷静，救援人员马上到。", "请保持冷静，不要扒门。"]
    assert desk_selectors.phrases(world.company.pk, "emergency") == []  # switched off, not deleted


def test_phrase_validation(world):
    with pytest.raises(ValidationError) as exc:
        services.phrase_create(actor=world.supervisor, data=services.PhraseData(situation="nope", title="", body=""))
    assert set(exc.value.message_dict) == {"situation", "title", "body"}


def test_may_not_edit_another_companys_phrase(world, library):
    with pytest.raises(ActionRefused):
        services.phrase_update(
            actor=world.supervisor,
            phrase=library["foreign"],
            data=services.PhraseData(situation="complaint", title="改", body="改"),
        )
