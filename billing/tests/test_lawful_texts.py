"""The law (Civil Code art. 944; DOMAIN.md "Fees"): no action anywhere cuts water, power, gas, heat
or a lift, or refuses a service, over unpaid fees; the dunning texts threaten no such thing. This
scans every text the arrears side writes (its templates, its Python, the reminder, the English
translations of its words) for the forbidden words, and renders the letter and the reminder."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from billing.ledger import room_arrears
from billing.services.dunning import reminder_text
from billing.tests.arrears_factories import fee_item, make_bill

ROOT = Path(settings.BASE_DIR)
FORBIDDEN = (
    "停水", "停电", "停气", "停暖", "停热", "断水", "断电", "断气", "断暖", "停梯", "锁梯", "停用电梯",
    "限制出入", "禁止出入", "停止服务", "拒绝服务", "暂停服务", "不予办理", "停卡", "锁门", "封门",
    "拉闸", "限电", "限水", "停车场禁入",
)  # fmt: skip
FORBIDDEN_EN = re.compile(
    r"cut (off )?(the )?(water|power|electricity|gas|heat|heating|lift|elevator)|"
    r"(water|power|electricity|gas|heating|lift) (will be )?(cut|shut|stopped|suspended)|"
    r"refuse (to )?(serv|service)|suspend(ed)? service|deny access|lock(ed)? out",
    re.I,
)
TEXTS = [
    *sorted((ROOT / "templates" / "billing" / "arrears").glob("*.html")),
    *[ROOT / "billing" / name for name in (
        "ledger.py", "plans.py", "figures.py", "views_arrears.py", "forms_arrears.py", "request_panels.py",
        "household_arrears.py", "timeline_arrears.py", "demo_arrears.py",
    )],
    *sorted((ROOT / "billing" / "services").glob("*.py")),
    ROOT / "billing" / "choices.py",
]  # fmt: skip


def hits(text: str) -> list[str]:
    return [w for w in FORBIDDEN if w in text]


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_dunning_text_threatens_a_cut_or_a_refusal(path):
    if not path.exists():
        pytest.skip("not in this tree")
    text = path.read_text(encoding="utf-8")
    assert hits(text) == []
    assert not FORBIDDEN_EN.search(text)


def test_the_english_translations_of_the_arrears_words_threaten_nothing():
    from tests.test_i18n import PO, parse_po

    ours = "\n".join(p.read_text(encoding="utf-8") for p in TEXTS if p.exists())
    entries = [e for e in parse_po(PO) if len(e["msgid"]) > 3 and e["msgid"] in ours]
    assert len(entries) > 50, "the arrears side's words are in the catalogue"
    for entry in entries:
        english = " ".join(v for k, v in entry.items() if k.startswith("msgstr") and isinstance(v, str))
        assert not FORBIDDEN_EN.search(english), english


def test_the_rendered_letter_notice_and_reminder_are_lawful(world):
    item = fee_item(world.company)
    due = timezone.localdate() - timedelta(days=200)
    make_bill(world.room, [(item, 123456)], period_start=due.replace(day=1), due_on=due)
    a = room_arrears(world.room)
    letter = render_to_string(
        "billing/arrears/letter_pdf.html", {"project": world.project, "room": world.room, "a": a, "today": due}
    )
    assert "1,234.56" in letter and "法律途径" in letter  # lawful: mediation, arbitration, the courts
    text = reminder_text(world.room, 123456)
    for rendered in (letter, text):
        assert hits(rendered) == []


def test_the_scanner_would_catch_a_threat():
    assert hits("逾期不缴将停水停电") == ["停水", "停电"]
    assert FORBIDDEN_EN.search("Your water will be cut off")
