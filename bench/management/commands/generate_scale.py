"""Fill a database with synthetic data at scale: households, residents, staff and service requests.

    manage.py generate_scale --households 100000 --requests 1000000 [--projects N] [--days 365] [--seed S]

Everything goes into a company of its own ("规模测试物业", code `scale`), so it can sit beside the
demo data. Requests follow the same rules the services enforce: a number made like
`services.next_number`, a timeline whose `from_state -> to_state` chain is what the services would
have written (register, dispatch, accept, arrive, resolve, reply, visit, close, ...), the request's
timestamps, people and `search_grams` matching that timeline. Afterwards the `NumberSequence`
counters are moved past every generated number, so registrations through the services go on
without a collision.

PostgreSQL: rows are streamed with COPY (psycopg 3), indexes stay in place, one transaction per
batch; the tables are vacuumed and analysed at the end. Other databases (SQLite, for tests and small
sizes): `bulk_create`.
"""

import functools
import json
import queue
import random
import threading
import time
from bisect import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from operator import itemgetter

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from core.choices import DepartmentKind, Role
from core.models import Company, Department, Project, User
from desk import sla
from desk.choices import KIND_PREFIX, OPEN_STATES, Action, Channel, Kind, Rating, Severity, State, Validity
from desk.demo import CATEGORIES, GIVEN, SCENARIOS, random_name, random_phone
from desk.models import Category, NumberSequence, RequestEvent, ServiceRequest
from desk.search import grams
from estate.choices import Relation, RoomState, RoomUse
from estate.models import Building, Occupancy, Resident, Room, Unit
from estate.normalize import name_initials, name_pinyin

COMPANY_NAME = "规模测试物业"
COMPANY_CODE = "scale"
SCALE_PASSWORD = "scale-pass-2026"

# Estate shape: every building has this many units, floors and rooms per floor.
UNITS, FLOORS, PER_FLOOR = 2, 18, 4
ROOMS_PER_BUILDING = UNITS * FLOORS * PER_FLOOR

# Staff of every project: (suffix, name, role, department kind or None). The first CS staff
# member, `<project code>_kefu1`, is who the benchmarks sign in as.
STAFF = [
    ("kefu1", "客服一", Role.CS_STAFF, DepartmentKind.CUSTOMER_SERVICE),
    ("kefu2", "客服二", Role.CS_STAFF, DepartmentKind.CUSTOMER_SERVICE),
    ("kefu3", "客服三", Role.CS_STAFF, DepartmentKind.CUSTOMER_SERVICE),
    ("datang", "大堂助理", Role.LOBBY, DepartmentKind.CUSTOMER_SERVICE),
    ("zhuguan", "客服主管", Role.CS_SUPERVISOR, DepartmentKind.CUSTOMER_SERVICE),
    ("jingli", "项目经理", Role.PROJECT_MANAGER, None),
    ("gongcheng", "工程主管", Role.DEPT_LEAD, DepartmentKind.ENGINEERING),
    ("weixiu1", "维修师傅一", Role.WORKER, DepartmentKind.ENGINEERING),
    ("weixiu2", "维修师傅二", Role.WORKER, DepartmentKind.ENGINEERING),
    ("weixiu3", "维修师傅三", Role.WORKER, DepartmentKind.ENGINEERING),
    ("baoan1", "秩序员一", Role.WORKER, DepartmentKind.SECURITY),
    ("baoan2", "秩序员二", Role.WORKER, DepartmentKind.SECURITY),
    ("baojie1", "保洁员一", Role.WORKER, DepartmentKind.CLEANING),
    ("baojie2", "保洁员二", Role.WORKER, DepartmentKind.CLEANING),
    ("lvhua", "绿化工", Role.WORKER, DepartmentKind.GREENING),
    ("caiwu", "财务", Role.FINANCE, DepartmentKind.FINANCE),
]

# A realistic mix: mostly repairs, then complaints; the desk answers the rest itself.
KIND_WEIGHTS = {Kind.REPAIR: 55, Kind.COMPLAINT: 25, Kind.ENQUIRY: 12, Kind.SUGGESTION: 5, Kind.PRAISE: 3}
CHANNEL_WEIGHTS = {
    Channel.PHONE: 60,
    Channel.WALK_IN: 12,
    Channel.PORTAL: 15,
    Channel.HOTLINE: 4,
    Channel.PATROL: 6,
    Channel.LETTER: 1,
    Channel.OTHER: 2,
}
# Calls by hour of the day (local time).
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 5, 10, 12, 12, 10, 7, 8, 10, 10, 9, 8, 8, 9, 8, 5, 3, 2]
PUBLIC_PLACES = ["电梯厅", "地下车库", "大堂", "楼道", "中心花园", "消防通道", "屋顶平台", "垃圾房"]

# The state a request has reached, by its age in days: (upper bound of age, {target: weight}).
TARGETS_BY_AGE = [
    (
        1,
        {
            "registered": 25,
            "dispatched": 20,
            "accepted": 15,
            "in_progress": 15,
            "paused": 3,
            "resolved": 15,
            "replied": 5,
            "cancelled": 2,
        },
    ),
    (
        7,
        {
            "registered": 3,
            "dispatched": 5,
            "accepted": 5,
            "in_progress": 8,
            "paused": 4,
            "resolved": 18,
            "replied": 18,
            "visited": 15,
            "closed": 20,
            "cancelled": 2,
            "reopened": 2,
        },
    ),
    (
        30,
        {
            "in_progress": 2,
            "paused": 2,
            "resolved": 5,
            "replied": 6,
            "visited": 10,
            "closed": 71,
            "cancelled": 3,
            "reopened": 1,
        },
    ),
    (10**6, {"in_progress": 0.5, "paused": 0.5, "visited": 2, "closed": 93.5, "cancelled": 3, "reopened": 0.5}),
]

R, D, AC, AR, PA, RS, RP, VI, CL, CA, RT, RO = (
    Action.REGISTER,
    Action.DISPATCH,
    Action.ACCEPT,
    Action.ARRIVE,
    Action.PAUSE,
    Action.RESOLVE,
    Action.REPLY,
    Action.VISIT,
    Action.CLOSE,
    Action.CANCEL,
    Action.RETURN,
    Action.REOPEN,
)
# Timelines (at most six entries) a complaint or repair takes to reach each target. A visit comes
# before closing because these kinds need a return visit (desk/rules.py: _close).
DISPATCHED_PATHS = {
    "registered": [[R], [R], [R], [R, D, RT]],
    "dispatched": [[R, D]],
    "accepted": [[R, D, AC]],
    "in_progress": [[R, D, AC, AR]],
    "paused": [[R, D, AC, AR, PA], [R, D, AC, PA]],
    "resolved": [[R, D, AC, AR, RS], [R, D, AC, RS]],
    "replied": [[R, D, AC, AR, RS, RP], [R, D, AC, RS, RP]],
    "visited": [[R, D, AC, RS, RP, VI], [R, D, AC, RS, VI]],
    "closed": [[R, D, AC, RS, VI, CL]],
    "cancelled": [[R, CA], [R, D, CA]],
    "reopened": [[R, D, AC, RS, VI, RO]],  # unsatisfied at the visit: back to the worker
}
NO_VISIT_PATHS = {  # repairs not chosen for a return visit close once resolved or replied
    "visited": [[R, D, AC, AR, RS, CL], [R, D, AC, RS, RP, CL]],
    "closed": [[R, D, AC, AR, RS, CL], [R, D, AC, RS, RP, CL]],
    "reopened": [[R, D, AC, AR, RS, CL]],
}
DESK_PATHS = {  # enquiries, suggestions, praise: the desk answers and closes them itself
    "registered": [[R]],
    "dispatched": [[R]],
    "accepted": [[R]],
    "in_progress": [[R, RS]],
    "paused": [[R, RS]],
    "resolved": [[R, RS]],
    "replied": [[R, RS]],
    "visited": [[R, RS, CL]],
    "closed": [[R, RS, CL]],
    "cancelled": [[R, CA]],
    "reopened": [[R, RS, CL]],
}
INVALID_PATHS = {  # invalid complaints: explained to the caller and closed without dispatch
    "registered": [[R]],
    "dispatched": [[R]],
    "accepted": [[R]],
}

# Minutes from the previous step to this one: (low, high), drawn log-uniformly.
DELAY = {
    D: (2, 90),
    AC: (3, 120),
    AR: (10, 240),
    PA: (10, 600),
    RS: (20, 2880),
    RP: (10, 1440),
    VI: (60, 4320),
    CL: (30, 2880),
    CA: (5, 600),
    RT: (5, 240),
    RO: (1, 30),
}
TEXT = {
    RT: "不属于本部门处理范围，请重新派单。",
    PA: "等待配件到货。",
    "resolve_worker": "已上门处理完毕，业户确认。",
    "resolve_desk": "已当场答复业户。",
    RP: "您反映的问题已处理完毕，感谢您的支持。",
    CA: "业户来电说明问题已自行解决，取消工单。",
    "close_invalid": "已向业户解释：属市政施工，不在物业服务范围，已提供街道办电话。",
    "unsatisfied": "问题仍未彻底解决。",
}
STATE_OF = {  # the state each action leads to (REOPEN and RESOLVE/VISIT depend on the request, see _timeline)
    R: State.REGISTERED,
    D: State.DISPATCHED,
    AC: State.ACCEPTED,
    AR: State.IN_PROGRESS,
    PA: State.PAUSED,
    RS: State.RESOLVED,
    RP: State.REPLIED,
    VI: State.VISITED,
    CL: State.CLOSED,
    CA: State.CANCELLED,
    RT: State.REGISTERED,
    RO: State.DISPATCHED,
}

SR_FIELDS = [
    "id",
    "project_id",
    "number",
    "kind",
    "channel",
    "category_id",
    "severity",
    "validity",
    "paid",
    "room_id",
    "resident_id",
    "caller_name",
    "caller_phone",
    "location",
    "title",
    "description",
    "state",
    "version",
    "receiver_id",
    "department_id",
    "assignee_id",
    "implementer_id",
    "needs_return_visit",
    "result",
    "reply",
    "rating",
    "visit_comment",
    "reopen_count",
    "pause_reason",
    "created_at",
    "updated_at",
    "dispatched_at",
    "accepted_at",
    "arrived_at",
    "resolved_at",
    "replied_at",
    "visited_at",
    "closed_at",
    "search_grams",
]
# Fields later migrations added, filled when the model has them.
_SR_HAS = {f.attname for f in ServiceRequest._meta.concrete_fields}
HAS_PAUSED_AT = "paused_at" in _SR_HAS
HAS_FIRST_RESOLVED = "first_resolved_at" in _SR_HAS
HAS_SLA = "sla" in _SR_HAS
HAS_UNSATISFIED_AT = "unsatisfied_at" in _SR_HAS
SR_FIELDS += [
    f for f in ("paused_at", "first_resolved_at", "resolved_late", "due_at", "sla", "unsatisfied_at") if f in _SR_HAS
]
# Resolution limits in clock hours, an approximation of the default policies' working-time limits
# (desk/sla.py default_policies: 1 working day ≈ 24 h, 7 working days ≈ 9 days): generated rows
# carry whether their first resolution was late, and open ones the deadline lists sort by.
RESOLVE_HOURS = {"complaint": 216, "repair": 24, "enquiry": 24, "suggestion": 96, "praise": 96}
try:
    from desk.models import PauseSpan
except ImportError:  # pragma: no cover - older schema
    PauseSpan = None
SLA_NONE = '{"round": 0, "steps": {}}'
OPEN_STATE_SET = {int(x) for x in OPEN_STATES}
SLA_REOPENED = '{"round": 1, "steps": {}}'
# The share of repairs (neither paid nor in an 'always' category) sampled for a return visit:
# desk/sla.py choose_return_visit's default.
REPAIR_VISIT_SAMPLE = 0.3

EVENT_FIELDS = ["request_id", "actor_id", "at", "action", "from_state", "to_state", "note", "data"]


def _weighted(rng: random.Random, weights: dict, size: int = 1000) -> list:
    """A lookup table: `table[rng.randrange(len(table))]` draws with the given weights, quickly."""
    total = sum(weights.values())
    table = []
    for key, w in weights.items():
        table.extend([key] * max(1, round(size * w / total)))
    rng.shuffle(table)
    return table


@dataclass
class ProjectCast:
    project: Project
    desk: list[int]
    supervisor: int
    manager: int
    workers: dict[str, list[tuple[int, str]]]  # department kind -> [(user id, name)]
    departments: dict[str, tuple[int, str]]  # department kind -> (id, name)
    rooms: list[tuple[int, str, int | None, str, str]] = field(
        default_factory=list
    )  # id, building, resident, name, phone
    public: list[str] = field(default_factory=list)


_COPY_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value) -> str:
    """One value in COPY's text format (dates, datetimes and decimals print as PostgreSQL reads them)."""
    if value is None:
        return "\\N"
    if type(value) is str:
        return value.translate(_COPY_ESCAPE)
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


class CopyLoader:
    """Streams COPY data to PostgreSQL from background threads ("lanes"), so that generating the
    next batch (Python) overlaps with PostgreSQL inserting and indexing this one. Each job is one
    transaction per lane.

    One lane uses Django's own connection (so a surrounding transaction, e.g. a test's, holds
    everything); the main thread does not touch the database while jobs are queued (`drain` waits
    for them). More lanes open connections of their own and load different tables at the same time
    (the first table of a batch on lane 0, the rest on lane 1): only with `skip_fk_triggers`, since
    a lane's rows may then refer to rows another lane has not committed yet.

    With `skip_fk_triggers` (superusers only) the rows go in with `session_replication_role =
    replica`: PostgreSQL then skips the foreign-key triggers, which otherwise cost twice as much as
    the inserts and their indexes; `verify_references` checks the same references afterwards in a
    few set-based queries."""

    def __init__(self, skip_fk_triggers: bool = False, lanes: int = 1):
        connection.ensure_connection()
        self.skip_fk_triggers = skip_fk_triggers
        self.error: BaseException | None = None
        self.owned = []
        if lanes > 1 and skip_fk_triggers and not connection.in_atomic_block:
            for _ in range(lanes):
                raw = connection.get_new_connection(connection.get_connection_params())
                raw.autocommit = True
                raw.execute("SET synchronous_commit = off")
                self.owned.append(raw)
            raws = self.owned
        else:
            raws = [connection.connection]
        self.lanes = []
        for i, raw in enumerate(raws):
            jobs: queue.Queue = queue.Queue(maxsize=2)
            thread = threading.Thread(target=self._run, args=(raw, jobs), name=f"copy-loader-{i}", daemon=True)
            thread.start()
            self.lanes.append((jobs, thread))

    def submit(self, parts: list[tuple[str, str]]) -> None:
        if self.error:
            raise self.error
        if len(self.lanes) == 1:
            self.lanes[0][0].put(parts)
            return
        split: list[list] = [[] for _ in self.lanes]
        for i, part in enumerate(parts):
            split[min(i, len(self.lanes) - 1)].append(part)
        for (jobs, _thread), lane_parts in zip(self.lanes, split, strict=True):
            if lane_parts:
                jobs.put(lane_parts)

    def drain(self) -> None:
        for jobs, _thread in self.lanes:
            jobs.put(None)
        for _jobs, thread in self.lanes:
            thread.join()
        for raw in self.owned:
            raw.close()
        if self.error:
            raise self.error

    def _run(self, raw, jobs: queue.Queue) -> None:
        while (parts := jobs.get()) is not None:
            if self.error:
                continue
            try:
                with raw.transaction(), raw.cursor() as cursor:
                    if self.skip_fk_triggers:
                        cursor.execute("SET LOCAL session_replication_role = replica")
                    for sql, data in parts:
                        with cursor.copy(sql) as copy:
                            copy.write(data.encode())
                    if self.skip_fk_triggers:  # inside an outer transaction (a test's) SET LOCAL would outlive us
                        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            except BaseException as exc:  # reported to the main thread by submit/drain
                self.error = exc


class Writer:
    """Appends rows (tuples in `fields` order) to a table: COPY text on PostgreSQL, bulk_create elsewhere.
    JSON columns take either a Python value or a ready JSON string."""

    def __init__(self, model, fields: list[str]):
        self.model = model
        self.fields = fields
        self.json_cols = {
            i for i, f in enumerate(fields) if model._meta.get_field(f).get_internal_type() == "JSONField"
        }
        # Columns the generator does not know about (added by later migrations) get their defaults,
        # as bulk_create would give them.
        given = set(fields)
        self.extra = [
            f for f in model._meta.concrete_fields if f.attname not in given and not f.primary_key and f.has_default()
        ]
        columns = ", ".join(
            connection.ops.quote_name(f.column) for f in [*map(model._meta.get_field, fields), *self.extra]
        )
        self.copy_sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        self.count = 0

    def copy_data(self, rows: list) -> tuple[str, str]:
        """(COPY statement, its data) for `CopyLoader.submit`."""
        jc = self.json_cols
        defaults = []
        for f in self.extra:
            default = f.get_default()
            if f.get_internal_type() == "JSONField":
                default = json.dumps(default, ensure_ascii=False)
            defaults.append(_copy_value(default))
        end = "".join("\t" + d for d in defaults) + "\n"
        if jc and not all(isinstance(row[i], str) for i in jc for row in rows):
            rows = [
                [
                    json.dumps(v, ensure_ascii=False) if i in jc and not isinstance(v, str) else v
                    for i, v in enumerate(row)
                ]
                for row in rows
            ]
        # Fast path: no per-value function calls. The text is right unless some value holds a tab, a
        # newline or a backslash, which the counts below detect; then the batch is escaped properly.
        data = "".join(
            ["\t".join(["\\N" if v is None else v if type(v) is str else str(v) for v in row]) + end for row in rows]
        )
        nulls = sum(row.count(None) for row in rows)
        tabs = len(rows) * (len(self.fields) + len(self.extra) - 1)
        if (
            data.count("\n") != len(rows)
            or data.count("\t") != tabs
            or not data.count("\\") == data.count("\\N") == nulls
        ):
            data = "".join("\t".join(map(_copy_value, row)) + end for row in rows)
        self.count += len(rows)
        return self.copy_sql, data

    def bulk_create(self, rows: list) -> None:
        fields, jc = self.fields, self.json_cols
        objs = []
        for row in rows:
            values = {
                f: (json.loads(v) if i in jc and isinstance(v, str) else v)
                for i, (f, v) in enumerate(zip(fields, row, strict=True))
            }
            objs.append(self.model(**values))
        self.model.objects.bulk_create(objs, batch_size=500)
        self.count += len(rows)


def write_batch(loader: "CopyLoader | None", *parts: tuple[Writer, list]) -> None:
    """Write rows to one or more tables in one transaction (queued for the loader on PostgreSQL)."""
    if loader is not None:
        loader.submit([writer.copy_data(rows) for writer, rows in parts if writer and rows])
    else:
        with transaction.atomic():
            for writer, rows in parts:
                if writer and rows:
                    writer.bulk_create(rows)


def can_skip_fk_triggers() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        return cursor.fetchone()[0]


def verify_references(model, first_id: int) -> int:
    """Rows from `first_id` on whose foreign keys point nowhere (0 when all is well)."""
    table = connection.ops.quote_name(model._meta.db_table)
    missing = 0
    with connection.cursor() as cursor:
        for f in model._meta.concrete_fields:
            if not f.is_relation:
                continue
            target = f.related_model._meta
            column = connection.ops.quote_name(f.column)
            cursor.execute(
                f"SELECT count(*) FROM {table} t WHERE t.id >= %s AND t.{column} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {connection.ops.quote_name(target.db_table)} r "
                f"WHERE r.{connection.ops.quote_name(f.target_field.column)} = t.{column})",
                [first_id],
            )
            missing += cursor.fetchone()[0]
    return missing


def _next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _reset_sequences(*models) -> None:
    """After inserting explicit ids, move PostgreSQL's identity sequences past them."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))",
                [table],
            )


class Command(BaseCommand):
    help = "Generate a large synthetic company (households, residents, staff, service requests) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=100_000)
        parser.add_argument("--requests", type=int, default=1_000_000)
        parser.add_argument("--projects", type=int, default=0, help="default: one project per ~5,000 households")
        parser.add_argument("--days", type=int, default=365, help="requests are spread over this many past days")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--batch", type=int, default=20_000, help="requests per COPY batch / transaction")
        parser.add_argument(
            "--lanes",
            type=int,
            default=2,
            help="PostgreSQL: connections loading requests and events side by side (needs the FK triggers off)",
        )
        parser.add_argument(
            "--fk-checks",
            action="store_true",
            help="PostgreSQL: keep the foreign-key triggers during COPY (about 3x slower; used anyway when not superuser)",
        )

    # ------------------------------------------------------------------ driver

    def handle(self, *args, households, requests, projects, days, seed, batch, fk_checks=False, lanes=2, **options):
        if households < 1 or requests < 0 or days < 1:
            raise CommandError("--households must be ≥ 1, --requests ≥ 0, --days ≥ 1")
        if Company.objects.filter(code=COMPANY_CODE).exists():
            raise CommandError(f"Company '{COMPANY_CODE}' exists already: generate into a database without it.")
        projects = projects or max(1, min(100, round(households / 5000)))
        projects = min(projects, households)
        self.verbosity = options.get("verbosity", 1)
        self.rng = random.Random(seed)
        self.tz = timezone.get_default_timezone()
        self.now = timezone.now()
        start = time.monotonic()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit = off")
                cursor.execute("SET maintenance_work_mem = '256MB'")
        self.skip_fk = not fk_checks and can_skip_fk_triggers()
        self.lanes = max(1, lanes)
        self.say(
            f"Generating {households:,} households in {projects} projects, {requests:,} requests over {days} days "
            f"({connection.vendor}"
            f"{', COPY without FK triggers, references verified after' if self.skip_fk else ''})"
        )
        with transaction.atomic():
            casts = self.make_company(projects)
        self.make_estate(casts, households)
        self.make_requests(casts, requests, days, batch)
        self.finish()
        elapsed = time.monotonic() - start
        total = self.total_rows
        self.say(
            f"Done in {elapsed:.1f} s: {total:,} rows, {total / max(elapsed, 1e-9):,.0f} rows/s. "
            f"Sign in as {casts[0].project.code}_kefu1 / {SCALE_PASSWORD}.",
            style=self.style.SUCCESS,
        )

    def say(self, message: str, style=None) -> None:
        if self.verbosity:
            self.stdout.write(style(message) if style else message)
            self.stdout.flush()

    # ------------------------------------------------------------------ company, staff

    def make_company(self, count: int) -> list[ProjectCast]:
        company = Company.objects.create(name=COMPANY_NAME, code=COMPANY_CODE)
        self.company = company
        Project.objects.bulk_create(
            [
                Project(
                    company=company,
                    code=f"s{i:03d}",
                    name=f"规模花园{i:03d}期",
                    address=f"杭州市测试区规模路{i}号",
                    phone=f"0571-8{i:07d}",
                )
                for i in range(1, count + 1)
            ]
        )
        projs = list(Project.objects.filter(company=company).order_by("code"))
        Department.objects.bulk_create(
            [Department(project=p, kind=kind, name=str(kind.label)) for p in projs for kind in DepartmentKind]
        )
        departments = {(d.project_id, d.kind): d for d in Department.objects.filter(project__in=projs)}
        Category.objects.bulk_create(
            [
                Category(company=company, code=code, name=name, department_kind=dept_kind, order=order * 10)
                for order, (code, name, dept_kind) in enumerate(CATEGORIES)
            ]
        )
        self.categories = {c.code: c for c in Category.objects.filter(company=company)}
        # The company's time limits, as a real company has them: what is registered from now on is
        # planned against them (the generated history carries no plan, see SLA_NONE).
        sla.install_default_policies(company)
        password = make_password(SCALE_PASSWORD)
        users = [
            User(
                username=f"{COMPANY_CODE}_admin",
                password=password,
                display_name="规模测试管理员",
                role=Role.COMPANY_ADMIN,
                company=company,
            )
        ]
        for p in projs:
            for suffix, name, role, dept_kind in STAFF:
                dept = departments[(p.pk, dept_kind)] if dept_kind else None
                users.append(
                    User(
                        username=f"{p.code}_{suffix}",
                        password=password,
                        display_name=f"{name}（{p.code}）",
                        role=role,
                        company=company,
                        department=dept,
                    )
                )
        User.objects.bulk_create(users)
        by_name = {u.username: u for u in User.objects.filter(company=company)}
        through = User.projects.through
        through.objects.bulk_create(
            [through(user_id=by_name[f"{p.code}_{s[0]}"].pk, project_id=p.pk) for p in projs for s in STAFF]
        )
        casts = []
        for p in projs:
            u = {s[0]: by_name[f"{p.code}_{s[0]}"] for s in STAFF}
            workers: dict[str, list[tuple[int, str]]] = {}
            for suffix, _name, role, dept_kind in STAFF:
                if role == Role.WORKER:
                    workers.setdefault(dept_kind, []).append((u[suffix].pk, u[suffix].name))
            # Desk departments take their own complaints: the supervisor for service, the clerk for fees.
            workers[DepartmentKind.CUSTOMER_SERVICE] = [(u["zhuguan"].pk, u["zhuguan"].name)]
            workers[DepartmentKind.FINANCE] = [(u["caiwu"].pk, u["caiwu"].name)]
            casts.append(
                ProjectCast(
                    project=p,
                    desk=[u["kefu1"].pk, u["kefu2"].pk, u["kefu3"].pk, u["datang"].pk],
                    supervisor=u["zhuguan"].pk,
                    manager=u["jingli"].pk,
                    workers=workers,
                    departments={k: (departments[(p.pk, k)].pk, departments[(p.pk, k)].name) for k in DepartmentKind},
                )
            )
        self.total_rows = len(projs) * (1 + len(DepartmentKind) + 2 * len(STAFF)) + len(CATEGORIES) + 2
        self.say(f"  company, {len(projs)} projects, {len(users)} staff (password {SCALE_PASSWORD})")
        return casts

    # ------------------------------------------------------------------ estate

    def make_estate(self, casts: list[ProjectCast], households: int) -> None:
        rng = self.rng
        t0 = time.monotonic()
        # Projects differ in size (0.5x to 1.5x the average).
        weights = [0.5 + rng.random() for _ in casts]
        scale = households / sum(weights)
        sizes = [max(1, int(w * scale)) for w in weights]
        sizes[-1] += households - sum(sizes)
        if sizes[-1] < 1:  # tiny runs: take rooms back from the largest project
            big = sizes.index(max(sizes))
            sizes[big] += sizes[-1] - 1
            sizes[-1] = 1
        today = timezone.localdate()
        building_rows = []
        for cast, size in zip(casts, sizes, strict=True):
            nb = -(-size // ROOMS_PER_BUILDING)
            building_rows.extend(
                Building(project=cast.project, number=str(b), name=f"{b}栋", floors=FLOORS) for b in range(1, nb + 1)
            )
        with transaction.atomic():
            Building.objects.bulk_create(building_rows, batch_size=2000)
            pids = [c.project.pk for c in casts]
            buildings = {(b.project_id, b.number): b.pk for b in Building.objects.filter(project_id__in=pids)}
            Unit.objects.bulk_create(
                [Unit(building_id=bid, number=str(u)) for bid in buildings.values() for u in range(1, UNITS + 1)],
                batch_size=2000,
            )
            units = {(u.building_id, u.number): u.pk for u in Unit.objects.filter(building__project_id__in=pids)}
        room_w = Writer(
            Room,
            [
                "id",
                "project_id",
                "building_id",
                "unit_id",
                "number",
                "code",
                "sort_key",
                "floor",
                "area",
                "use",
                "state",
            ],
        )
        res_w = Writer(
            Resident,
            ["id", "project_id", "name", "phone", "phone_last4", "name_initials", "name_pinyin", "note", "created_at"],
        )
        # what Resident.save() fills in for the search (names repeat: each is read into pinyin once)
        initials, pinyin = functools.cache(name_initials), functools.cache(name_pinyin)
        occ_w = Writer(Occupancy, ["room_id", "resident_id", "relation", "start", "end"])
        loader = CopyLoader(self.skip_fk) if connection.vendor == "postgresql" else None
        room_id, res_id, occ_id = _next_id(Room), _next_id(Resident), _next_id(Occupancy)
        first_ids = {Room: room_id, Resident: res_id, Occupancy: occ_id}
        areas = [Decimal(a) for a in ("89.50", "96.32", "118.76", "128.00", "143.15")]
        for cast, size in zip(casts, sizes, strict=True):
            pid = cast.project.pk
            rooms, residents, occs = [], [], []
            n = 0
            for b in range(1, -(-size // ROOMS_PER_BUILDING) + 1):
                bid = buildings[(pid, str(b))]
                cast.public.extend(f"{b}栋{place}" for place in PUBLIC_PLACES[:3])
                for un in range(1, UNITS + 1):
                    uid = units[(bid, str(un))]
                    for floor in range(1, FLOORS + 1):
                        for r in range(1, PER_FLOOR + 1):
                            if n == size:
                                break
                            n += 1
                            number = f"{floor}{r:02d}"
                            x = rng.random()
                            state = (
                                RoomState.OCCUPIED if x < 0.85 else (RoomState.RENTED if x < 0.9 else RoomState.VACANT)
                            )
                            rooms.append(
                                (
                                    room_id,
                                    pid,
                                    bid,
                                    uid,
                                    number,
                                    f"{b}-{un}-{number}",
                                    Room.make_sort_key(f"{b}-{un}-{number}"),
                                    floor,
                                    rng.choice(areas),
                                    RoomUse.RESIDENTIAL,
                                    state,
                                )
                            )
                            owner = None
                            if state != RoomState.VACANT:
                                since = today - timedelta(days=rng.randint(60, 3000))
                                owner_name, owner_phone = random_name(rng), random_phone(rng)
                                people = [(owner_name, owner_phone, Relation.OWNER)]
                                if rng.random() < 0.5:
                                    people.append(
                                        (owner_name[0] + rng.choice(GIVEN), random_phone(rng), Relation.FAMILY)
                                    )
                                if state == RoomState.RENTED:
                                    people.append((random_name(rng), random_phone(rng), Relation.TENANT))
                                created = datetime(since.year, since.month, since.day, 10, tzinfo=self.tz)
                                for name, phone, relation in people:
                                    residents.append(
                                        (
                                            res_id,
                                            pid,
                                            name,
                                            phone,
                                            phone[-4:],
                                            initials(name),
                                            pinyin(name),
                                            "",
                                            created,
                                        )
                                    )
                                    occs.append((room_id, res_id, relation, since, None))
                                    if relation == Relation.OWNER:
                                        owner = (res_id, name, phone)
                                    res_id += 1
                            cast.rooms.append(
                                (
                                    room_id,
                                    str(b),
                                    owner[0] if owner else None,
                                    owner[1] if owner else "",
                                    owner[2] if owner else "",
                                )
                            )
                            room_id += 1
            write_batch(loader, (room_w, rooms), (res_w, residents), (occ_w, occs))
        if loader:
            loader.drain()
            self.verify(first_ids)
        _reset_sequences(Room, Resident)
        elapsed = time.monotonic() - t0
        rows = room_w.count + res_w.count + occ_w.count + len(building_rows) * (1 + UNITS)
        self.total_rows += rows
        self.say(
            f"  estate: {room_w.count:,} rooms, {res_w.count:,} residents, {occ_w.count:,} occupancies "
            f"in {elapsed:.1f} s ({rows / max(elapsed, 1e-9):,.0f} rows/s)"
        )

    # ------------------------------------------------------------------ requests

    def make_requests(self, casts: list[ProjectCast], count: int, days: int, batch: int) -> None:
        rng = self.rng
        t0 = time.monotonic()
        now_ts = self.now.timestamp()
        # Creation times: more recent days busier (the desk grows), office hours busier than nights.
        local_now = timezone.localtime(self.now, self.tz)
        midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
        hours = _weighted(rng, dict(enumerate(HOUR_WEIGHTS)))
        stamps = []
        for _ in range(count):
            day = int(days * (1 - rng.random() ** 0.8))
            ts = midnight - day * 86400 + hours[rng.randrange(len(hours))] * 3600 + rng.randrange(3600)
            if ts > now_ts - 60:
                ts -= 86400
            stamps.append(ts)
        stamps.sort()
        sizes = [len(c.rooms) for c in casts]
        cumulative, acc = [], 0
        for s in sizes:
            acc += s
            cumulative.append(acc)
        kinds = _weighted(rng, KIND_WEIGHTS)
        channels = _weighted(rng, CHANNEL_WEIGHTS)
        by_kind: dict[str, list] = {}
        for scenario in SCENARIOS:
            by_kind.setdefault(scenario[0], []).append(scenario)
        targets = [(limit, _weighted(rng, w)) for limit, w in TARGETS_BY_AGE]
        gram_cache: dict[tuple, str] = {}
        self.json_cache: dict[tuple, str] = {}
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT key, value FROM {NumberSequence._meta.db_table}")
            self.sequences = dict(cursor.fetchall())
        self.sequence_start = dict(self.sequences)
        sr_w = Writer(ServiceRequest, SR_FIELDS)
        ev_w = Writer(RequestEvent, EVENT_FIELDS)
        pause_w = Writer(PauseSpan, ["request_id", "started_at", "ended_at", "reason"]) if PauseSpan else None
        next_id = _next_id(ServiceRequest)
        first_ids = {ServiceRequest: next_id, RequestEvent: _next_id(RequestEvent)}
        if PauseSpan:
            first_ids[PauseSpan] = _next_id(PauseSpan)
        row_of = itemgetter(*SR_FIELDS)
        loader = CopyLoader(self.skip_fk, lanes=self.lanes) if connection.vendor == "postgresql" else None
        pos = 0
        while pos < count:
            chunk = stamps[pos : pos + batch]
            sr_rows, ev_rows, pause_rows = [], [], []
            for ts in chunk:
                cast = casts[bisect(cumulative, rng.randrange(acc))]
                kind = kinds[rng.randrange(len(kinds))]
                kind_, cat_code, severity, title, description = rng.choice(by_kind[kind])
                age_days = (now_ts - ts) / 86400
                for limit, table in targets:
                    if age_days < limit:
                        target = table[rng.randrange(len(table))]
                        break
                room = cast.rooms[rng.randrange(len(cast.rooms))]
                if rng.random() < 0.1 or room[2] is None:  # a public area
                    location = cast.public[rng.randrange(len(cast.public))]
                    room_id = resident_id = None
                    caller_name, caller_phone = random_name(rng), random_phone(rng)
                else:
                    location = ""
                    room_id, resident_id, caller_name, caller_phone = room[0], room[2], room[3], room[4]
                key = (title, description, location)
                search = gram_cache.get(key)
                if search is None:
                    search = gram_cache[key] = json.dumps(grams(*key), ensure_ascii=False)
                request = {
                    "id": next_id,
                    "project_id": cast.project.pk,
                    "kind": kind,
                    "channel": channels[rng.randrange(len(channels))],
                    "category_id": self.categories[cat_code].pk,
                    "severity": severity,
                    "room_id": room_id,
                    "resident_id": resident_id,
                    "caller_name": caller_name,
                    "caller_phone": caller_phone,
                    "location": location,
                    "title": title,
                    "description": description,
                    "search_grams": search,
                }
                self._timeline(request, cast, cat_code, target, ts, now_ts, ev_rows, pause_rows)
                sr_rows.append(row_of(request))
                next_id += 1
            write_batch(loader, (sr_w, sr_rows), (ev_w, ev_rows), (pause_w, pause_rows))
            pos += len(chunk)
            elapsed = time.monotonic() - t0
            self.say(
                f"  requests {pos:,}/{count:,}, events {ev_w.count:,}: {elapsed:.1f} s, "
                f"{(sr_w.count + ev_w.count) / max(elapsed, 1e-9):,.0f} rows/s"
            )
        if loader:
            loader.drain()
            self.verify(first_ids)
        _reset_sequences(ServiceRequest)
        self.save_sequences()
        elapsed = time.monotonic() - t0
        self.total_rows += sr_w.count + ev_w.count + (pause_w.count if pause_w else 0)
        self.say(
            f"  requests: {sr_w.count:,} requests, {ev_w.count:,} events in {elapsed:.1f} s "
            f"({(sr_w.count + ev_w.count) / max(elapsed, 1e-9):,.0f} rows/s)"
        )

    def _json(self, **data) -> str:
        key = tuple(data.items())
        text = self.json_cache.get(key)
        if text is None:
            text = self.json_cache[key] = json.dumps(data, ensure_ascii=False)
        return text

    def _number(self, kind: str, created: datetime) -> str:
        key = f"{KIND_PREFIX[kind]}{created:%Y%m%d}"
        value = self.sequences.get(key, 0) + 1
        self.sequences[key] = value
        return f"{key}{value:04d}"

    def _timeline(
        self,
        sr: dict,
        cast: ProjectCast,
        cat_code: str,
        target: str,
        ts: float,
        now_ts: float,
        out: list,
        pauses: list | None = None,
    ):
        """Choose a path to `target`, time its steps (stopping at now) and fill the request to match."""
        rng = self.rng
        kind = sr["kind"]
        tz = self.tz
        created = datetime.fromtimestamp(ts, tz)
        sr["number"] = self._number(kind, created)
        receiver = cast.desk[rng.randrange(len(cast.desk))]
        sr["receiver_id"] = receiver
        dispatched = kind in (Kind.COMPLAINT, Kind.REPAIR)
        # Complaints are always visited; a repair is when paid, else by sample, decided when resolved.
        sr["needs_return_visit"] = kind == Kind.COMPLAINT
        visit = kind == Kind.COMPLAINT
        sr["validity"] = ""
        sr["paid"] = None
        if kind == Kind.COMPLAINT:
            sr["validity"] = Validity.INVALID if cat_code == "other" else Validity.VALID
        elif kind == Kind.REPAIR:
            sr["paid"] = rng.random() < 0.4
            visit = sr["paid"] or rng.random() < REPAIR_VISIT_SAMPLE
        if sr["validity"] == Validity.INVALID:
            path = INVALID_PATHS.get(target, [[R, CL]])[0]
        elif dispatched and not visit and target in NO_VISIT_PATHS:
            options = NO_VISIT_PATHS[target]
            path = options[rng.randrange(len(options))]
        else:
            options = (DISPATCHED_PATHS if dispatched else DESK_PATHS)[target]
            path = options[rng.randrange(len(options))]
        dept_kind = self.categories[cat_code].department_kind or DepartmentKind.ENGINEERING
        worker, worker_name = rng.choice(cast.workers.get(dept_kind) or cast.workers[DepartmentKind.ENGINEERING])
        if dept_kind not in cast.workers:
            dept_kind = DepartmentKind.ENGINEERING
        visitor = cast.manager if (kind == Kind.COMPLAINT and sr["severity"] == Severity.MAJOR) else cast.supervisor
        urgent = 0.2 if sr["severity"] == Severity.URGENT else 1.0

        sr.update(
            state=State.REGISTERED,
            version=1,
            department_id=None,
            assignee_id=None,
            implementer_id=None,
            result="",
            reply="",
            rating="",
            visit_comment="",
            reopen_count=0,
            pause_reason="",
            created_at=created,
            dispatched_at=None,
            accepted_at=None,
            arrived_at=None,
            resolved_at=None,
            replied_at=None,
            visited_at=None,
            closed_at=None,
        )
        if HAS_PAUSED_AT:
            sr["paused_at"] = None
        if HAS_FIRST_RESOLVED:
            sr["first_resolved_at"] = None
        if HAS_UNSATISFIED_AT:
            sr["unsatisfied_at"] = None
        if HAS_SLA:  # no plan on generated rows: desk.sla.plan's shape when no policy applies
            sr["sla"] = SLA_NONE
        rid = sr["id"]
        out.append(
            (
                rid,
                receiver,
                created,
                R,
                None,
                State.REGISTERED,
                sr["description"][:500],
                self._json(channel=sr["channel"]),
            )
        )
        t = ts
        at = created
        for action in path[1:]:
            low, high = DELAY[action]
            t += 60 * low * (high / low) ** rng.random() * (urgent if action in (D, AC, AR, RS) else 1.0)
            if t > now_ts:
                break
            at = datetime.fromtimestamp(t, tz)
            state = sr["state"]
            to_state = STATE_OF[action]
            note, data, actor = "", "{}", receiver
            if action == D:
                did, dname = cast.departments[dept_kind]
                sr.update(department_id=did, assignee_id=worker, dispatched_at=at)
                data = self._json(department=dname, assignee=worker_name)
            elif action == AC:
                actor = worker
                sr["accepted_at"] = at
            elif action == AR:
                actor = worker
                sr["arrived_at"] = at
            elif action == PA:
                actor, note = worker, TEXT[PA]
                sr["pause_reason"] = note
                data = self._json(**{"from": state})
                if HAS_PAUSED_AT:
                    sr["paused_at"] = at
                if pauses is not None:
                    pauses.append((rid, at, None, note))
            elif action == RT:
                actor, note = worker, TEXT[RT]
                sr.update(department_id=None, assignee_id=None, accepted_at=None)
            elif action == RS:
                actor = worker if dispatched else receiver
                note = TEXT["resolve_worker"] if dispatched else TEXT["resolve_desk"]
                sr.update(result=note, resolved_at=at, implementer_id=actor, pause_reason="", needs_return_visit=visit)
                if HAS_FIRST_RESOLVED and sr["first_resolved_at"] is None:
                    sr["first_resolved_at"] = at
                if HAS_PAUSED_AT:
                    sr["paused_at"] = None
            elif action == RP:
                note = TEXT[RP]
                sr.update(reply=note, replied_at=at)
            elif action == VI:
                actor = visitor
                unsatisfied = path[-1] == RO
                rating = Rating.UNSATISFIED if unsatisfied else rng.choice("AAAAAAAAB")
                note = TEXT["unsatisfied"] if unsatisfied else ""
                sr.update(rating=rating, visit_comment=note, visited_at=at)
                if HAS_UNSATISFIED_AT:  # as desk.services.request_visit keeps it
                    sr["unsatisfied_at"] = at if unsatisfied else None
                data = self._json(rating=rating)
            elif action == RO:
                actor = visitor
                note = f"回访不满意，工单重新打开：{TEXT['unsatisfied']}"
                data = self._json(by="visit")
                sr.update(reopen_count=sr["reopen_count"] + 1, accepted_at=None, dispatched_at=at)
                if HAS_SLA:
                    sr["sla"] = SLA_REOPENED
            elif action == CL:
                if state == State.REGISTERED:
                    note = TEXT["close_invalid"]
                sr["closed_at"] = at
            elif action == CA:
                note = TEXT[CA]
                sr["closed_at"] = at
            out.append((rid, actor, at, action, state, to_state, note, data))
            sr["state"] = to_state
            sr["version"] += 1
        sr["updated_at"] = at
        limit = timedelta(hours=RESOLVE_HOURS.get(sr["kind"], 48) / (4 if sr["severity"] == "urgent" else 1))
        if "resolved_late" in _SR_HAS:
            first = sr.get("first_resolved_at")
            sr["resolved_late"] = None if first is None else first > created + limit
        if "due_at" in _SR_HAS:
            open_ = sr["state"] in OPEN_STATE_SET and sr["state"] != State.PAUSED and sr["resolved_at"] is None
            sr["due_at"] = created + limit if open_ else None

    # ------------------------------------------------------------------ afterwards

    def save_sequences(self) -> None:
        """Move the counters past every generated number (never backwards)."""
        changed = {k: v for k, v in self.sequences.items() if self.sequence_start.get(k) != v}
        with transaction.atomic():
            existing = {s.key: s for s in NumberSequence.objects.select_for_update().filter(key__in=list(changed))}
            update, create = [], []
            for key, value in changed.items():
                if key in existing:
                    seq = existing[key]
                    if seq.value < value:
                        seq.value = value
                        update.append(seq)
                else:
                    create.append(NumberSequence(key=key, value=value))
            NumberSequence.objects.bulk_update(update, ["value"], batch_size=1000)
            NumberSequence.objects.bulk_create(create, batch_size=1000)
        self.total_rows += len(create)

    def verify(self, first_ids: dict) -> None:
        if not self.skip_fk:
            return
        t0 = time.monotonic()
        for model, first_id in first_ids.items():
            missing = verify_references(model, first_id)
            if missing:
                raise CommandError(f"{missing} rows of {model._meta.db_table} refer to rows that do not exist")
        self.say(f"  references verified in {time.monotonic() - t0:.1f} s")

    def finish(self) -> None:
        if connection.vendor != "postgresql":
            return
        t0 = time.monotonic()
        big = [ServiceRequest, RequestEvent, Room, Resident, Occupancy]
        if PauseSpan:
            big.append(PauseSpan)
        # The small tables too: planners estimating 30 staff when there are 300 choose bad joins.
        small = [Company, Project, Department, User, User.projects.through, Category, Building, Unit, NumberSequence]
        with connection.cursor() as cursor:
            for model in big:
                table = connection.ops.quote_name(model._meta.db_table)
                if connection.in_atomic_block:
                    cursor.execute(f"ANALYZE {table}")
                else:  # VACUUM sets the visibility map, so index-only scans work from the start
                    cursor.execute(f"VACUUM (ANALYZE) {table}")
            for model in small:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        self.say(f"  vacuum/analyze in {time.monotonic() - t0:.1f} s")
