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

from django.db import connection

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
    user does not work there). Two indexed queries (the company's keywords; the learned counts of
    the text's words), and two more for the related room when the text blames 楼上/楼下."""
    from desk.models import IntakeKeyword, LearnedWord

    if not project_id or not (user.is_superuser or project_id in user.project_ids()):
        return None
    text = complaint_text(title, description)
    if not text.strip():
        return None
    score: dict[tuple[int | None, str], float] = defaultdict(float)
    categories: dict[int, tuple[str, str]] = {}
    spoke: dict[int | None, list[tuple[int, str, str]]] = defaultdict(list)  # category -> (weight, word, dept)

    keywords = (
        IntakeKeyword.objects.filter(company__projects=project_id, active=True).values_list(
            "keyword",
            "kind",
            "category_id",
            "category__name",
            "category__department_kind",
            "category__active",
            "department_kind",
            "weight",
        )  # fmt: skip
    )
    for keyword, kind, category_id, name, default_dept, category_active, dept, weight in keywords:
        if not keyword or keyword not in text or (category_id and not category_active):
            continue
        score[(category_id, kind)] += weight
        if category_id:
            categories[category_id] = (name, default_dept)
        spoke[category_id].append((weight, keyword, dept))

    pieces = words(text)
    if pieces:
        learned = LearnedWord.objects.filter(
            company__projects=project_id, word__in=pieces, category__active=True
        ).values_list("word", "kind", "category_id", "category__name", "category__department_kind", "count")
        by_word: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
        for word, kind, category_id, name, default_dept, count in learned:
            if count > 0:
                by_word[word].append((kind, category_id, count))
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
    from desk.models import LearnedWord

    if not sr.category_id:
        return 0
    pieces = sorted(words(complaint_text(sr.title, sr.description)))
    if not pieces:
        return 0
    company_id = sr.category.company_id if sr.category is not None else None
    if company_id is None:
        return 0
    table = quote(LearnedWord._meta.db_table)
    company, word, kind, category, count = (quote(c) for c in ("company_id", "word", "kind", "category_id", "count"))
    rows = ", ".join(["(%s, %s, %s, %s, 1)"] * len(pieces))
    params = []
    for piece in pieces:
        params += [company_id, piece, sr.kind, sr.category_id]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({company}, {word}, {kind}, {category}, {count}) VALUES {rows}"
            f" ON CONFLICT ({company}, {word}, {category}, {kind})"
            f" DO UPDATE SET {count} = {table}.{count} + 1",
            params,
        )
    return len(pieces)


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
