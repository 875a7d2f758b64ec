"""English is complete: the catalogue translates every string, and the desk pages switch language.

Chinese (zh-hans) is the source language and the default; English comes from locale/en/LC_MESSAGES.
Both django.po and the compiled django.mo are committed, because CI has no gettext.
"""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation.template import templatize

from desk.services import request_dispatch
from tests.factories import PASSWORD

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"
BASE = Path(settings.BASE_DIR)
# What makemessages leaves out: makemessages -l en --no-location --ignore=.venv --ignore=var
# --ignore=test-artifacts --ignore=bench (and migrations, which hold no translatable strings).
IGNORED = {".venv", "var", "test-artifacts", "bench", "node_modules", "migrations", "__pycache__"}

# Chinese text: ideographs, CJK punctuation and full-width punctuation (not the ＋ of "＋ 登记来电").
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff01-\uff0a\uff0c-\uff20]+")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


# --- the catalogue -------------------------------------------------------------------------------


PO_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def po_string(quoted: str) -> str:
    """The text of one quoted .po string. Decoded by hand, not with ast.literal_eval: thousands of
    ast calls while a live-server thread also parses trip CPython 3.11's shared AST recursion
    counter ("AST constructor recursion depth mismatch", gh-106905)."""
    quoted = quoted.strip()
    assert quoted[0] == quoted[-1] == '"', quoted
    return re.sub(r"\\(.)", lambda m: PO_ESCAPES[m.group(1)], quoted[1:-1])


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr or msgstr[n], flags."""
    entries, entry, key = [], {}, None

    def flush():
        if entry.get("msgid"):
            entries.append(dict(entry))
        entry.clear()

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if not line:
            flush()
            key = None
        elif line.startswith("#,"):
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += po_string(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = po_string(value)
    return entries


def catalogue() -> list[dict]:
    return [e for e in parse_po(PO) if not e.get("obsolete")]


def translations(entry: dict) -> list[str]:
    if "msgid_plural" in entry:
        return [v for k, v in entry.items() if k.startswith("msgstr[")]
    return [entry.get("msgstr", "")]


def test_every_string_has_an_english_translation():
    entries = catalogue()
    assert len(entries) > 300
    untranslated = [e["msgid"] for e in entries if not all(s.strip() for s in translations(e))]
    assert not untranslated, f"no English for: {untranslated}"
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e.get("flags", ())]
    assert not fuzzy, f"fuzzy (unchecked) translations: {fuzzy}"


def test_translations_keep_the_placeholders():
    for entry in catalogue():
        expected = sorted(PLACEHOLDER.findall(entry["msgid"]))
        for text in translations(entry):
            assert sorted(PLACEHOLDER.findall(text)) == expected, (entry["msgid"], text)


def test_english_has_no_chinese_left():
    for entry in catalogue():
        for text in translations(entry):
            # Sample input people type in Chinese even in English: a name, a plate, a room address.
            left = [c for c in CHINESE.findall(text) if c not in {"张三", "浙", "栋", "单元"}]
            assert not left, (entry["msgid"], text)


def test_compiled_catalogue_matches_the_po_file():
    """django.mo is what Django reads: it must exist and be compiled from the current django.po."""
    assert MO.exists(), "run: manage.py compilemessages -l en"
    with MO.open("rb") as f:
        mo = gettext.GNUTranslations(f)
    for entry in catalogue():
        ctx, msgid = entry.get("msgctxt"), entry["msgid"]
        if "msgid_plural" in entry:
            for n, index in ((1, 0), (2, 1)):
                got = (
                    mo.npgettext(ctx, msgid, entry["msgid_plural"], n)
                    if ctx
                    else mo.ngettext(msgid, entry["msgid_plural"], n)
                )
                assert got == entry[f"msgstr[{index}]"], (msgid, got)
        else:
            got = mo.pgettext(ctx, msgid) if ctx else mo.gettext(msgid)
            assert got == entry["msgstr"], f"{msgid!r}: .mo has {got!r}; recompile the messages"


# --- the catalogue covers the sources ------------------------------------------------------------

GETTEXT = {
    # name: (index of the context or None, index of the message, index of the plural or None)
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}


def message_key(name: str, args: list) -> tuple | None:
    ctx_i, msg_i, _plural_i = GETTEXT[name]
    if len(args) <= msg_i or not isinstance(args[msg_i], str):
        return None
    ctx = args[ctx_i] if ctx_i is not None else None
    return (ctx if isinstance(ctx, str) else None, args[msg_i])


def python_messages(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in GETTEXT:
                args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
                if key := message_key(name, args):
                    yield key


STRING = r"""u?(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
CALL = re.compile(rf"\b({'|'.join(GETTEXT)})\(\s*((?:{STRING}\s*,\s*)*{STRING})")


def template_messages(path: Path):
    """What makemessages extracts from a template: Django's templatize() turns the tags into calls."""
    for match in CALL.finditer(templatize(path.read_text(encoding="utf-8"))):
        args = [ast.literal_eval(s) for s in re.findall(STRING, match.group(2))]
        if key := message_key(match.group(1), args):
            yield key


def project_files(suffix: str) -> list[Path]:
    """The project's own files that makemessages reads."""
    return [
        path
        for path in BASE.rglob(f"*{suffix}")
        if not IGNORED.intersection(path.relative_to(BASE).parts[:-1])
        and not any(part.startswith(".") for part in path.relative_to(BASE).parts)
    ]


def source_messages() -> dict[tuple, str]:
    found = {}
    for path in project_files(".py"):
        found.update({key: str(path) for key in python_messages(path)})
    for path in project_files(".html"):
        found.update({key: str(path) for key in template_messages(path)})
    return found


def test_catalogue_has_every_string_of_the_sources():
    """A string wrapped for translation but not yet in django.po (makemessages not run) fails here."""
    in_po = {(e.get("msgctxt"), e["msgid"]) for e in catalogue()}
    found = source_messages()
    assert len(found) > 300
    missing = {key: where for key, where in found.items() if key not in in_po}
    assert not missing, f"run makemessages -l en and translate: {missing}"


def test_templates_have_no_unwrapped_chinese():
    """Chinese text in a template must sit inside {% translate %}, {% blocktranslate %} or _("...")."""
    wrapped = re.compile(
        r"{%\s*blocktrans(late)?\b.*?{%\s*endblocktrans(late)?\s*%}"
        r"|{%\s*trans(late)?\s.*?%}"
        r"|_\(\s*(\"[^\"]*\"|'[^']*')\s*\)"
        r"|{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}",
        re.S,
    )
    unwrapped = {}
    for path in project_files(".html"):
        text = wrapped.sub("", path.read_text(encoding="utf-8"))
        text = text.replace(">中文<", "><")  # the language button names Chinese in Chinese
        if found := CHINESE.findall(text):
            unwrapped[str(path.relative_to(BASE))] = found
    assert not unwrapped


# --- the pages -----------------------------------------------------------------------------------


def data_strings() -> set[str]:
    """Every text stored in the database: names, titles and the like stay Chinese in English."""
    values = set()
    for model in apps.get_models():
        where = Path(model._meta.app_config.path)
        if not where.is_relative_to(BASE) or ".venv" in where.parts:
            continue  # Django's and third-party apps
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, (models.CharField, models.TextField))]
        for row in model.objects.values_list(*fields):
            values.update(v for v in row if isinstance(v, str) and v)
    return values


def untranslated(html: str) -> list[str]:
    """Chinese text on a page that is not stored data."""
    html = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)
    data = data_strings() | {"中文"}
    return sorted({run for run in CHINESE.findall(html) if not any(run in value for value in data)})


@pytest.fixture
def desk(client, world):
    assert client.login(username=world.cs.username, password=PASSWORD)
    world.sr = world.register(severity="urgent")
    return client


def to_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302


def test_pages_are_chinese_by_default(desk, world):
    html = desk.get(reverse("desk:list")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登记来电" in html and "单号" in html and "已登记" in html
    assert "Requests" not in html and "Register call" not in html
    html = desk.get(reverse("desk:intake")).content.decode()
    assert "房号、来电号码或姓名" in html and "登记并派单" in html


def test_request_list_in_english(desk, world):
    to_english(desk)
    html = desk.get(reverse("desk:list")).content.decode()
    assert '<html lang="en">' in html
    for label in ["Requests", "Register call", "My desk", "No.", "Status", "Registered", "Complaint", "Urgent"]:
        assert label in html, label
    assert "楼上漏水" in html  # the data stays as it was entered
    assert untranslated(html) == []


def test_intake_page_in_english(desk, world):
    to_english(desk)
    html = desk.get(reverse("desk:intake")).content.decode()
    for label in ["Register", "Register and dispatch", "Room number, caller's phone or name", "Title", "Repair"]:
        assert label in html, label
    assert untranslated(html) == []
    html = desk.get(reverse("desk:lookup"), {"q": "3-2-1502"}).content.decode()
    assert "Owner" in html and untranslated(html) == []
    html = desk.get(reverse("desk:household"), {"room": world.room.pk}).content.decode()
    assert "Recent requests from this household" in html and "Occupied" in html
    assert untranslated(html) == []


def test_home_and_request_page_in_english(desk, world):
    to_english(desk)
    html = desk.get(reverse("desk:home")).content.decode()
    assert "To dispatch" in html and "Awaiting return visit" in html
    assert untranslated(html) == []
    html = desk.get(reverse("desk:detail", args=[world.sr.pk])).content.decode()
    for label in ["First receiver (owner)", "History", "Dispatch", "Confirm: Dispatch", world.tech.name]:
        assert label in html, label
    assert untranslated(html) == []


def test_switching_back_to_chinese(desk, world):
    to_english(desk)
    desk.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    html = desk.get(reverse("desk:list")).content.decode()
    assert "登记来电" in html and "Register call" not in html


def test_an_action_and_its_message_in_english(desk, world):
    to_english(desk)
    response = desk.post(
        reverse("desk:act", args=[world.sr.pk, "dispatch"]),
        {"version": world.sr.version, "department": world.dept["engineering"].pk, "assignee": world.tech.pk},
        follow=True,
    )
    html = response.content.decode()
    assert "Dispatch: done. The request is now “Dispatched”." in html
    assert f"{world.tech.name} ({world.tech.department.name})" in html  # the transfer form's assignee list
    assert untranslated(html) == []


def test_technicians_jobs_in_english(client, world):
    sr = world.register()
    request_dispatch(actor=world.cs, request=sr, assignee=world.tech)
    assert client.login(username=world.tech.username, password=PASSWORD)
    to_english(client)
    html = client.get(reverse("desk:jobs")).content.decode()
    for label in ["My jobs", "Dispatched", "Accept", "Return…"]:
        assert label in html, label
    assert untranslated(html) == []
