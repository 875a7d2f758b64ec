"""The intake's suggestion: from the words of a complaint, the kind, the category and the handling
department (漏水 → 报修 · 漏水渗水 · 工程部), and the flat upstairs when the caller blames it.

Two sources, both per company, both read with one indexed query each:

- the keyword table an administrator edits (`IntakeKeyword`: keyword → kind, category, department,
  weight; seeded with DOMAIN.md's table by `install_default_keywords`), matched as substrings of
  the text (Chinese needs no word breaker for a list of known words);
- what clerks chose before (`LearnedWord`): at every registration, each two-character piece of the
  title and description (and each Latin word) is counted under the request's kind and category,
  in the registration's transaction (`learn`, called by `request_register`).

The score of a (category, kind) pair is the sum of the weights of its keywords found in the text,
plus, for each word of the text the clerks have filed before, up to `LEARNED_CAP` points shared out
by how often each pair was chosen for it, squared (a word always filed under one category counts
fully; a word spread over several, such as 我家, counts little). The kind and the category with the
highest totals are suggested; the department is the matching keyword's, else the category's
default. See docs/decisions.md ("The intake's suggestion").
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

from django.db import connection

from core import sql
from core.choices import DepartmentKind
from core.sql import quote
from desk.choices import Kind

TEXT_MAX = 200  # characters read from the title, and from the description
WORDS_MAX = 64  # distinct words learned from (or looked up for) one text
LEARNED_CAP = 5  # the most one learned word adds to a suggestion
MIN_SCORE = 3  # below this nothing is suggested

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_LATIN = re.compile(r"[a-z]{2,20}")
_KIND_ORDER = {kind: i for i, kind in enumerate(Kind.values)}
# The caller blames the flat above or below: 楼上漏水, 楼下装修.
UPSTAIRS, DOWNSTAIRS = ("楼上", "楼顶上"), ("楼下",)


def normal_text(text: str) -> str:
    """NFKC (full-width letters and digits to half-width) and lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def complaint_text(title: str, description: str = "") -> str:
    """What is read of a request: the start of its title and of its description."""
    return f"{normal_text(title)[:TEXT_MAX]}\n{normal_text(description)[:TEXT_MAX]}"


def words(text: str) -> list[str]:
    """The text cut into what is counted: every two-character piece of each run of Chinese
    characters ('卫生间漏水' → 卫生, 生间, 间漏, 漏水) and each Latin word ('wifi'); digits and
    punctuation are left out. Distinct, in order, at most WORDS_MAX."""
    found: dict[str, None] = {}
    for run in _CJK_RUN.findall(text):
        for i in range(len(run) - 1):
            found[run[i : i + 2]] = None
    for word in _LATIN.findall(text):
        found[word] = None
    return list(found)[:WORDS_MAX]


@dataclass
class Suggestion:
    kind: str
    category_id: int | None = None
    category_name: str = ""
    department_kind: str = ""
    words: list[str] = field(default_factory=list)  # the keywords that spoke for it
    score: float = 0.0
    related_room: object = None  # the flat upstairs (or downstairs) the caller blames

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "kind_label": str(Kind(self.kind).label),
            "category": self.category_id,
            "category_label": self.category_name,
            "department_kind": self.department_kind,
            "department_label": str(DepartmentKind(self.department_kind).label) if self.department_kind else "",
            "words": self.words,
            "related_room": None
            if self.related_room is None
            else {"id": self.related_room.pk, "code": self.related_room.code},
        }


def suggest(*, user, project_id: int, title: str, description: str = "", room_id: int | None = None):
    """The suggestion for a complaint typed in `project_id` (None when the words say nothing or the
    user does not work there). One statement (`_evidence`: the company's keywords and the learned
    counts of the text's words), and two more for the related room when the text blames 楼上/楼下."""
    if not project_id or not (user.is_superuser or project_id in user.project_ids()):
        return None
    text = complaint_text(title, description)
    if not text.strip():
        return None
    score: dict[tuple[int | None, str], float] = defaultdict(float)
    categories: dict[int, tuple[str, str]] = {}
    spoke: dict[int | None, list[tuple[int, str, str]]] = defaultdict(list)  # category -> (weight, word, dept)
    by_word: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for source, word, kind, category_id, name, default_dept, category_active, dept, weight in _evidence(
        project_id, words(text)
    ):
        if category_id and not category_active:
            continue
        if source == "k":  # a keyword of the table, if the text holds it
            if not word or normal_text(word) not in text:
                continue
            score[(category_id, kind)] += weight
            spoke[category_id].append((weight, word, dept))
        elif weight > 0:  # what clerks chose for a word of the text: `weight` is the count
            by_word[word].append((kind, category_id, weight))
        if category_id:
            categories[category_id] = (name, default_dept)
    for rows in by_word.values():
        total = sum(count for _kind, _category, count in rows)
        for kind, category_id, count in rows:
            share = count / total
            score[(category_id, kind)] += min(total, LEARNED_CAP) * share * share

    kinds: dict[str, float] = defaultdict(float)
    by_category: dict[int, float] = defaultdict(float)
    for (category_id, kind), points in score.items():
        kinds[kind] += points
        if category_id:
            by_category[category_id] += points
    if not kinds:
        return None
    kind, kind_points = max(kinds.items(), key=lambda kv: (kv[1], -_KIND_ORDER.get(kv[0], 99)))
    if kind_points < MIN_SCORE:
        return None
    found = Suggestion(kind=kind, score=round(kind_points, 2))
    if by_category:
        category_id, points = max(by_category.items(), key=lambda kv: (kv[1], -kv[0]))
        if points >= MIN_SCORE:
            found.category_id = category_id
            found.category_name, found.department_kind = categories[category_id]
            said = sorted(spoke.get(category_id, []), key=lambda s: -s[0])
            found.department_kind = next((dept for _w, _k, dept in said if dept), found.department_kind)
            found.words = [keyword for _w, keyword, _d in said]
    found.words += [keyword for _w, keyword, _d in spoke.get(None, []) if keyword not in found.words]
    if room_id:
        found.related_room = blamed_room(user, room_id, text)
    return found


def _evidence(project_id: int, pieces: list[str]):
    """The company's active keywords, and the learned counts of `pieces`, in one statement:
    rows of (source 'k' or 'w', word, kind, category id, category name, its default department,
    whether it is active, the keyword's department, the keyword's weight or the word's count).
    The learned part reads the unique index (company, word, category, kind) with the company taken
    by a sub-select (a join would hide the index from the planner); on PostgreSQL the words go as
    one array parameter, so the prepared statement serves any number of them (core/sql.py)."""
    with sql.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_evidence_sql(connection.vendor, 0), [project_id, True, project_id, pieces])
        else:
            cursor.execute(_evidence_sql(connection.vendor, len(pieces)), [project_id, True, project_id, *pieces])
        return cursor.fetchall()


@cache
def _evidence_sql(vendor: str, words_given: int) -> str:
    from core.models import Project
    from desk.models import Category, IntakeKeyword, LearnedWord

    q = quote
    k, w, c, p = (q(m._meta.db_table) for m in (IntakeKeyword, LearnedWord, Category, Project))
    keywords = (
        f"SELECT 'k', k.{q('keyword')}, k.{q('kind')}, k.{q('category_id')}, c.{q('name')},"
        f" c.{q('department_kind')}, c.{q('active')}, k.{q('department_kind')}, k.{q('weight')}"
        f" FROM {k} k JOIN {p} p ON p.{q('company_id')} = k.{q('company_id')}"
        f" LEFT JOIN {c} c ON c.{q('id')} = k.{q('category_id')}"
        f" WHERE p.{q('id')} = %s AND k.{q('active')} = %s"
    )
    if vendor == "postgresql":
        among = "= ANY(%s::varchar[])"
    else:
        among = f"IN ({', '.join(['%s'] * words_given)})"
    learned = (
        f"SELECT 'w', w.{q('word')}, w.{q('kind')}, w.{q('category_id')}, c.{q('name')},"
        f" c.{q('department_kind')}, c.{q('active')}, '', w.{q('count')}"
        f" FROM {w} w JOIN {c} c ON c.{q('id')} = w.{q('category_id')}"
        f" WHERE w.{q('company_id')} = (SELECT p.{q('company_id')} FROM {p} p WHERE p.{q('id')} = %s)"
        f" AND w.{q('word')} {among}"
    )
    return f"{keywords} UNION ALL {learned}"


def blamed_room(user, room_id: int, text: str):
    """The flat directly above (楼上) or below (楼下) the caller's room, when the text blames it and
    the estate has it (estate.selectors.room_above)."""
    from estate.selectors import room_above, visible_rooms

    steps = 1 if any(w in text for w in UPSTAIRS) else -1 if any(w in text for w in DOWNSTAIRS) else 0
    if not steps:
        return None
    room = visible_rooms(user).filter(pk=room_id).only("id", "project_id", "code", "number", "floor").first()
    return room_above(room, steps) if room else None


# ---------------------------------------------------------------- learning


def learn(sr) -> int:
    """Count the request's words under its kind and category (nothing without a category): one
    upsert statement, in the caller's transaction. The rows are written in a fixed order, so two
    registrations at once never wait on each other in a circle. Returns the number of words."""
    if not sr.category_id:
        return 0
    pieces = sorted(words(complaint_text(sr.title, sr.description)))
    company_id = sr.category.company_id if sr.category is not None else None
    if not pieces or company_id is None:
        return 0
    with sql.cursor() as cursor:
        if connection.vendor == "postgresql":  # the words as one array: one prepared statement for any number
            cursor.execute(_learn_sql(connection.vendor, 0), [company_id, pieces, sr.kind, sr.category_id])
        else:
            params = []
            for piece in pieces:
                params += [company_id, piece, sr.kind, sr.category_id]
            cursor.execute(_learn_sql(connection.vendor, len(pieces)), params)
    return len(pieces)


@cache
def _learn_sql(vendor: str, rows: int) -> str:
    from desk.models import LearnedWord

    table = quote(LearnedWord._meta.db_table)
    company, word, kind, category, count = (quote(c) for c in ("company_id", "word", "kind", "category_id", "count"))
    if vendor == "postgresql":
        values = "SELECT %s, unnest(%s::varchar[]), %s, %s, 1"
    else:
        values = "VALUES " + ", ".join(["(%s, %s, %s, %s, 1)"] * rows)
    return (
        f"INSERT INTO {table} ({company}, {word}, {kind}, {category}, {count}) {values}"
        f" ON CONFLICT ({company}, {word}, {category}, {kind}) DO UPDATE SET {count} = {table}.{count} + 1"
    )


# ---------------------------------------------------------------- defaults (DOMAIN.md's table)

# The default categories: code, name, default department (also the demo's).
DEFAULT_CATEGORIES = [
    ("facilities", "设施设备", DepartmentKind.ENGINEERING),
    ("sanitation", "环境卫生", DepartmentKind.CLEANING),
    ("greening", "绿化养护", DepartmentKind.GREENING),
    ("security", "安全秩序", DepartmentKind.SECURITY),
    ("parking", "停车管理", DepartmentKind.SECURITY),
    ("noise", "噪音扰民", DepartmentKind.SECURITY),
    ("renovation", "装修管理", DepartmentKind.ENGINEERING),
    ("fees", "收费问题", DepartmentKind.FINANCE),
    ("attitude", "服务态度", DepartmentKind.CUSTOMER_SERVICE),
    ("neighbour", "邻里纠纷", DepartmentKind.CUSTOMER_SERVICE),
    ("leak", "漏水渗水", DepartmentKind.ENGINEERING),
    ("other", "其他", ""),
]

R, C, E, S, P = Kind.REPAIR, Kind.COMPLAINT, Kind.ENQUIRY, Kind.SUGGESTION, Kind.PRAISE
# (words, kind, category code or "" for the kind alone, weight)
DEFAULT_KEYWORDS = [
    ("漏水 渗水 渗漏 返水", R, "leak", 10),
    ("滴水 水渍 发霉", R, "leak", 6),
    ("水管爆 爆管 水漫 堵塞 下水道 马桶 水龙头", R, "facilities", 8),
    ("停电 跳闸 没电 灯不亮 插座", R, "facilities", 8),
    ("电梯 困人 关人 卡住", R, "facilities", 8),
    ("门禁 道闸 对讲 监控", R, "facilities", 6),
    ("噪音 装修声 广场舞", C, "noise", 10),
    ("吵", C, "noise", 5),
    ("垃圾 异味 没打扫", C, "sanitation", 8),
    ("脏", C, "sanitation", 5),
    ("草坪 修剪 绿化", C, "greening", 8),
    ("树", C, "greening", 4),
    ("车位 乱停 停车费", C, "parking", 8),
    ("占用", C, "parking", 5),
    ("态度 推诿", C, "attitude", 10),
    ("不理 骂", C, "attitude", 6),
    ("邻居 宠物 狗叫", C, "neighbour", 6),
    ("楼上", C, "neighbour", 3),
    ("乱收费 收费太高", C, "fees", 8),
    ("物业费 账单 发票 缴费", E, "fees", 6),
    ("装修", C, "renovation", 5),
    ("小偷 被盗 可疑", C, "security", 8),
    ("咨询 请问 怎么办理", E, "", 15),
    ("建议", S, "", 15),
    ("表扬 感谢 锦旗", P, "", 20),
]


def install_default_keywords(company) -> int:
    """DOMAIN.md's keyword table for a company (the demo, and a company added in the admin): the
    default categories it names are added when the company lacks them. Keywords the company has
    already are left alone. Returns the number of keywords added."""
    from desk.models import Category, IntakeKeyword

    have = {c.code: c for c in Category.objects.filter(company=company)}
    order = max((c.order for c in have.values()), default=0)
    for code, name, dept in DEFAULT_CATEGORIES:
        if code not in have:
            order += 10
            have[code] = Category.objects.create(
                company=company, code=code, name=name, department_kind=dept, order=order, always_visit=code == "leak"
            )
    existing = set(IntakeKeyword.objects.filter(company=company).values_list("keyword", "kind", "category_id"))
    rows = []
    for said, kind, code, weight in DEFAULT_KEYWORDS:
        category = have.get(code) if code else None
        for keyword in said.split():
            key = (keyword, kind, category.pk if category else None)
            if key not in existing:
                existing.add(key)
                rows.append(
                    IntakeKeyword(company=company, keyword=keyword, kind=kind, category=category, weight=weight)
                )
    IntakeKeyword.objects.bulk_create(rows)
    return len(rows)
