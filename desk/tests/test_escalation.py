"""desk/sla.py escalation: the ladder (at risk -> supervisor -> project manager -> company), each
rung exactly once, with time-machine; and exactly once with several workers at once against
PostgreSQL, including a worker that dies between claiming and notifying.

The reference request is a general repair (dispatch 20m, resolve 1 working day) registered at
Monday 2026-11-23 09:00 (Asia/Shanghai) and dispatched to the technician at once, so only the
resolve step is left. Its moments, with the default schedule 08:30-12:00 / 13:00-17:30:
  at risk  80 % of 480 working minutes = 384: 180 until 12:00, 204 after 13:00 -> Mon 16:24
  due      480 working minutes: 450 on Monday, 30 on Tuesday from 08:30      -> Tue 09:00
  manager  due + pm_after 2h                                                 -> Tue 11:00
  company  due + company_after 8h                                            -> Tue 17:00
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from core import calendar
from core.choices import DepartmentKind, Role
from core.models import CalendarYear, Notification
from core.notify import Channel
from desk import sla
from desk.choices import Action, Kind, State
from desk.models import DeskSettings, Escalation, RequestEvent, ServiceRequest
from desk.services import (
    request_accept,
    request_arrive,
    request_dispatch,
    request_pause,
    request_reopen,
    request_resolve,
    request_resume,
)
from tests.factories import make_user

TZ = ZoneInfo("Asia/Shanghai")
Level = Escalation.Level
ROOT = Path(__file__).resolve().parents[2]


def at(y, mo, d, h=0, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


MONDAY_9 = at(2026, 11, 23, 9, 0)
RISK, DUE, MANAGER, COMPANY = (
    at(2026, 11, 23, 16, 24),
    at(2026, 11, 24, 9, 0),
    at(2026, 11, 24, 11, 0),
    at(2026, 11, 24, 17, 0),
)


@contextmanager
def clock(moment):
    with time_machine.travel(moment, tick=False):
        yield


def fire(moment, **kw) -> int:
    with clock(moment):
        return sla.escalation_pass(**kw)


@pytest.fixture
def _gate(request):
    """The tests of workers at once need PostgreSQL: skip them before any database is set up, so
    SQLite does not pay for a transactional flush of a test that will not run."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction") and connection.vendor != "postgresql":
        pytest.skip("several workers at once need PostgreSQL (SELECT ... FOR UPDATE SKIP LOCKED)")


@pytest.fixture(autouse=True)
def _fresh_calendar(_gate, db):
    # The migration seeds the years around today; a transactional test elsewhere may have flushed them.
    if CalendarYear.objects.filter(year__in=[2025, 2026]).count() < 2:
        calendar.seed_from_package([2025, 2026])
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture
def w(world):
    sla.install_default_policies(world.company)
    DeskSettings.objects.filter(company=world.company).update(repair_visit_percent=0)  # no sampled visit step
    world.admin = make_user("admin", Role.COMPANY_ADMIN, company=world.company, display_name="总部")
    return world


def repair(w, moment=MONDAY_9, department_only=False, **kw):
    with clock(moment):
        sr = w.register(kind=Kind.REPAIR, category_id=None, title="水管漏水", **kw)
        request_dispatch(
            actor=w.cs,
            request=sr,
            department=w.dept[DepartmentKind.ENGINEERING],
            assignee=None if department_only else w.tech,
        )
    # The dispatch's own notice (desk/notifications.py) is not what these tests count.
    Notification.objects.filter(url=f"/requests/{sr.pk}/").delete()
    return sr


def rungs(sr) -> list[tuple[str, int, int]]:
    return sorted(Escalation.objects.filter(request=sr).values_list("step", "level", "round"))


def told(sr=None) -> Counter:
    qs = Notification.objects.exclude(user__role="resident")  # residents hear of dispatch, not of escalations
    if sr is not None:
        qs = qs.filter(url=f"/requests/{sr.pk}/")
    return Counter(qs.values_list("user__username", flat=True))


def escalate_events(sr):
    return list(RequestEvent.objects.filter(request=sr, action=Action.ESCALATE).order_by("id"))


def fresh(sr):
    return ServiceRequest.objects.get(pk=sr.pk)


# ---------------------------------------------------------------- the ladder


@pytest.mark.django_db
def test_the_ladder_rung_by_rung(w):
    sr = repair(w)
    assert set(sr.sla["steps"]) == {"dispatch", "resolve"}
    assert fresh(sr).escalate_at == RISK and fresh(sr).due_at == DUE

    assert fire(at(2026, 11, 23, 16, 23)) == 0  # before 80 %
    assert rungs(sr) == [] and told() == Counter() and escalate_events(sr) == []

    assert fire(at(2026, 11, 23, 16, 25)) == 1  # past 80 %: the receiver and the assignee
    assert rungs(sr) == [("resolve", Level.AT_RISK, 0)]
    assert told() == Counter({"cs": 1, "tech": 1})
    note = Notification.objects.get(user=w.tech)
    assert note.title == f"即将超时：{sr.number} 完成时限 11-24 09:00"
    assert note.url == f"/requests/{sr.pk}/"
    events = escalate_events(sr)
    assert len(events) == 1
    assert events[0].data == {"step": "resolve", "level": Level.AT_RISK, "system": True}
    assert events[0].at == at(2026, 11, 23, 16, 25)
    assert "王丽" in events[0].note and "孙师傅" in events[0].note
    assert fresh(sr).escalate_at == DUE
    assert fire(at(2026, 11, 23, 17, 0)) == 0  # called again: nothing twice

    assert fire(at(2026, 11, 24, 9, 1)) == 1  # past due: the supervisor
    assert told() == Counter({"cs": 1, "tech": 1, "sup": 1})
    assert Notification.objects.get(user=w.supervisor).title.startswith("已超时：")
    assert fresh(sr).escalate_at == MANAGER
    assert fire(at(2026, 11, 24, 9, 2)) == 0

    assert fire(at(2026, 11, 24, 10, 59)) == 0
    assert fire(at(2026, 11, 24, 11, 1)) == 1  # due + 2h: the project manager
    assert told()["pm"] == 1
    assert Notification.objects.get(user=w.pm).title.startswith("超时未处理，升级项目经理")

    assert fire(at(2026, 11, 24, 17, 1)) == 1  # due + 8h: the company (administrators, CS manager)
    assert told() == Counter({"cs": 1, "tech": 1, "sup": 1, "pm": 1, "admin": 1, "mgr": 1})
    assert fresh(sr).escalate_at is None  # nothing left to fire
    assert fresh(sr).due_at == DUE  # still due: the list still shows it overdue

    for moment in (at(2026, 11, 24, 17, 2), at(2026, 11, 30, 9, 0), at(2027, 3, 1)):
        assert fire(moment) == 0
    assert rungs(sr) == [("resolve", level, 0) for level in (1, 2, 3, 4)]
    assert [e.data["level"] for e in escalate_events(sr)] == [1, 2, 3, 4]
    recipients = dict(Escalation.objects.filter(request=sr).values_list("level", "recipients"))
    assert recipients[Level.OVERDUE] == [w.supervisor.pk]
    assert sorted(recipients[Level.COMPANY]) == sorted([w.admin.pk, w.manager.pk])


@pytest.mark.django_db
def test_a_late_pass_fires_what_is_due_and_skips_the_moot_warning(w):
    sr = repair(w)
    assert fire(at(2026, 11, 24, 12, 0)) == 2  # overdue and manager at once
    # The at-risk rung is recorded (so it never fires later) but nobody is told: it is moot.
    assert rungs(sr) == [("resolve", 1, 0), ("resolve", 2, 0), ("resolve", 3, 0)]
    assert Escalation.objects.get(request=sr, level=Level.AT_RISK).recipients == []
    assert told() == Counter({"sup": 1, "pm": 1})
    assert len(escalate_events(sr)) == 2
    assert fire(at(2026, 11, 24, 12, 1)) == 0


@pytest.mark.django_db
def test_the_department_lead_hears_when_nobody_is_named(w):
    repair(w, department_only=True)
    assert fire(at(2026, 11, 23, 16, 25)) == 1
    assert told() == Counter({"cs": 1, "lead": 1})


@pytest.mark.django_db
def test_an_undispatched_complaint_escalates_its_dispatch_step(w):
    with clock(MONDAY_9):
        sr = w.register()
    assert fire(at(2026, 11, 23, 9, 15)) == 0
    assert fire(at(2026, 11, 23, 9, 17)) == 1  # 16 of 20 minutes
    assert rungs(sr) == [("dispatch", 1, 0)]
    assert told() == Counter({"cs": 1})  # nobody assigned yet
    assert fire(at(2026, 11, 23, 9, 21)) == 1
    assert rungs(sr)[-1] == ("dispatch", 2, 0)
    with clock(at(2026, 11, 23, 9, 30)):
        request_dispatch(actor=w.cs, request=sr, department=w.dept[DepartmentKind.ENGINEERING], assignee=w.tech)
    assert fire(at(2026, 11, 23, 12, 0)) == 0  # dispatched: no manager rung for the dispatch step
    assert {step for step, _level, _round in rungs(sr)} == {"dispatch"}


@pytest.mark.django_db
def test_resolving_stops_the_rest_of_the_ladder(w):
    sr = repair(w)
    assert fire(at(2026, 11, 24, 9, 1)) == 1  # overdue (the at-risk warning was moot)
    with clock(at(2026, 11, 24, 10, 0)):
        request_accept(actor=w.tech, request=sr)
        request_arrive(actor=w.tech, request=sr)
        request_resolve(actor=w.tech, request=sr, result="已更换水管")
    row = fresh(sr)
    assert not row.needs_return_visit  # sampling is 0 % here
    assert row.escalate_at is None and row.due_at is None and row.resolved_late is True
    for moment in (at(2026, 11, 24, 11, 1), at(2026, 11, 24, 17, 1), at(2026, 12, 10)):
        assert fire(moment) == 0
    assert rungs(sr) == [("resolve", 1, 0), ("resolve", 2, 0)]
    assert "pm" not in told() and "admin" not in told()


@pytest.mark.django_db
def test_a_paused_request_never_escalates_while_paused(w):
    sr = repair(w)
    with clock(at(2026, 11, 23, 9, 30)):
        request_accept(actor=w.tech, request=sr)
        request_arrive(actor=w.tech, request=sr)
    with clock(at(2026, 11, 23, 10, 0)):
        request_pause(actor=w.tech, request=sr, note="等待配件")
    for moment in (RISK, DUE, MANAGER, COMPANY, at(2026, 11, 25, 9, 59)):
        assert fire(moment) == 0
    assert rungs(sr) == [] and told() == Counter()
    # Resumed on Wednesday 10:00 after 960 working minutes (Mon 390, Tue 480, Wed 90): every
    # moment after the pause began moves two working days; nothing fires at once.
    with clock(at(2026, 11, 25, 10, 0)):
        request_resume(actor=w.tech, request=sr)
    assert fresh(sr).due_at == at(2026, 11, 26, 9, 0)
    assert fresh(sr).escalate_at == at(2026, 11, 25, 16, 24)
    assert fire(at(2026, 11, 25, 10, 0)) == 0
    assert fire(at(2026, 11, 25, 16, 25)) == 1
    assert rungs(sr) == [("resolve", 1, 0)]


@pytest.mark.django_db
def test_a_paused_request_is_left_alone_even_with_a_stale_escalate_at(w):
    """Belt and braces: the pass itself skips a paused request, whatever escalate_at says."""
    sr = repair(w)
    with clock(at(2026, 11, 23, 9, 30)):
        request_accept(actor=w.tech, request=sr)
        request_pause(actor=w.tech, request=sr, note="等待业户")
    ServiceRequest.objects.filter(pk=sr.pk).update(escalate_at=RISK)
    assert fire(COMPANY) == 0
    assert rungs(sr) == [] and told() == Counter()


@pytest.mark.django_db
def test_a_reopened_request_climbs_the_ladder_again_in_a_new_round(w):
    sr = repair(w)
    assert fire(at(2026, 11, 24, 9, 1)) == 1
    with clock(at(2026, 11, 24, 10, 0)):
        request_accept(actor=w.tech, request=sr)
        request_arrive(actor=w.tech, request=sr)
        request_resolve(actor=w.tech, request=sr, result="已处理")
    with clock(at(2026, 11, 25, 9, 0)):
        request_reopen(actor=w.cs, request=sr, note="还在漏")
    assert fresh(sr).sla["round"] == 1
    assert fresh(sr).due_at == at(2026, 11, 26, 9, 0)
    assert fire(at(2026, 11, 26, 9, 1)) == 1
    assert rungs(sr) == [("resolve", 1, 0), ("resolve", 1, 1), ("resolve", 2, 0), ("resolve", 2, 1)]
    assert told()["sup"] == 2


@pytest.mark.django_db
def test_closed_and_cancelled_requests_never_escalate(w):
    with clock(MONDAY_9):
        sr = w.register()
    from desk.services import request_cancel

    with clock(at(2026, 11, 23, 9, 5)):
        request_cancel(actor=w.cs, request=sr, note="业户撤回")
    assert fresh(sr).escalate_at is None
    ServiceRequest.objects.filter(pk=sr.pk).update(escalate_at=RISK)  # even if a stale moment is left
    assert fire(COMPANY) == 0


@pytest.mark.django_db
def test_the_pass_works_in_batches(w):
    srs = [repair(w) for _ in range(7)]
    assert fire(at(2026, 11, 23, 16, 25), batch=3) == 7
    assert all(rungs(sr) == [("resolve", 1, 0)] for sr in srs)
    assert fire(at(2026, 11, 23, 16, 26), batch=3) == 0


def _queries_of_a_pass(w, repairs, complaints) -> tuple[int, int]:
    from django.test.utils import CaptureQueriesContext

    for _ in range(repairs):
        repair(w)
    with clock(MONDAY_9):
        for _ in range(complaints):
            w.register()  # undispatched complaints: their dispatch step is due in minutes
    with clock(DUE + timedelta(minutes=1)), CaptureQueriesContext(connection) as queries:
        fired = sla.escalation_pass()
    Escalation.objects.all().delete()
    RequestEvent.objects.filter(action=Action.ESCALATE).delete()
    Notification.objects.all().delete()
    ServiceRequest.objects.all().delete()
    return len(queries), fired


@pytest.mark.django_db
def test_the_pass_makes_as_many_queries_for_many_due_requests_as_for_few(w):
    """The pass reads every due request in one statement with the fields it uses: reading one more
    field on each (a deferred `kind` or `validity`) made it a query per request, 1,000 due requests
    took three times as long (issue 10, item 19)."""
    few, fired_few = _queries_of_a_pass(w, repairs=1, complaints=1)
    many, fired_many = _queries_of_a_pass(w, repairs=6, complaints=6)
    assert fired_few > 2 and fired_many == 6 * fired_few
    assert many == few


@pytest.mark.django_db
def test_the_command_runs_one_pass(w):
    from io import StringIO

    from django.core.management import call_command

    repair(w)
    out = StringIO()
    with clock(at(2026, 11, 24, 9, 1)):
        call_command("escalate", stdout=out)
    assert "1 escalation step(s) fired" in out.getvalue()


# ---------------------------------------------------------------- a worker dying half way


def _many(w, count) -> list[int]:
    """`count` requests that are all due, cheaply: one registered general complaint (dispatch,
    reply and resolve steps, none met) copied row by row."""
    with clock(MONDAY_9):
        first = w.register(title="批量投诉")
    row = ServiceRequest.objects.get(pk=first.pk)
    copies = []
    for i in range(1, count):
        row.pk = row.id = None
        row.number = f"TSX{i:06d}"
        copies.append(
            ServiceRequest(**{f.attname: getattr(row, f.attname) for f in ServiceRequest._meta.concrete_fields})
        )
    ServiceRequest.objects.bulk_create(copies)
    return list(ServiceRequest.objects.filter(title="批量投诉").values_list("pk", flat=True))


# Far enough that every rung of every step is due: 3 steps x 4 levels; the at-risk rungs are
# silent (already overdue), so 3 x 3 events and 3 x (supervisor, manager, admin + CS manager)
# = 12 notifications per request.
LATE = at(2026, 12, 31, 12, 0)
ROWS_PER_REQUEST, EVENTS_PER_REQUEST, NOTES_PER_REQUEST = 12, 9, 12


def assert_each_rung_once(pks):
    count = len(pks)
    assert Escalation.objects.filter(request_id__in=pks).count() == count * ROWS_PER_REQUEST
    per_rung = Counter(
        Escalation.objects.filter(request_id__in=pks).values_list("request_id", "step", "level", "round")
    )
    assert len(per_rung) == count * ROWS_PER_REQUEST and set(per_rung.values()) == {1}
    notes = Counter(Notification.objects.values_list("user_id", "title"))
    assert sum(notes.values()) == count * NOTES_PER_REQUEST
    assert set(notes.values()) == {1}, "a notification was sent twice"
    events = RequestEvent.objects.filter(request_id__in=pks, action=Action.ESCALATE).values_list("request_id", "data")
    per_event = Counter((pk, d["step"], d["level"]) for pk, d in events)
    assert len(per_event) == count * EVENTS_PER_REQUEST and set(per_event.values()) == {1}
    assert not ServiceRequest.objects.filter(pk__in=pks, escalate_at__isnull=False).exists()


def assert_nothing_fired(pks):
    assert not Escalation.objects.exists()
    assert not Notification.objects.exists()
    assert not RequestEvent.objects.filter(action=Action.ESCALATE).exists()
    from core.models import Delivery

    assert not Delivery.objects.exists()
    assert ServiceRequest.objects.filter(pk__in=pks, escalate_at=at(2026, 11, 23, 9, 16)).count() == len(pks)


class DyingChannel(Channel):
    """An outside notification channel whose process is killed while the pass hands it the
    escalation's notifications: after the claims and the inbox rows are written, before commit."""

    name = "dying"
    claimed: list[int] = []

    def wants(self, user) -> bool:
        DyingChannel.claimed.append(Escalation.objects.count())
        raise SystemExit("worker killed")  # not an Exception: nothing in the pass may swallow it


@pytest.mark.django_db
def test_a_worker_that_dies_between_claim_and_notify_leaves_nothing(w, settings):
    for user in (w.supervisor, w.pm):
        user.email = f"{user.username}@example.cn"
        user.save(update_fields=["email"])
    pks = _many(w, 30)
    channels = settings.PROPDESK_NOTIFICATION_CHANNELS
    settings.PROPDESK_NOTIFICATION_CHANNELS = [*channels, "desk.tests.test_escalation.DyingChannel"]
    DyingChannel.claimed = []
    with pytest.raises(SystemExit), clock(LATE):
        sla.escalation_pass(batch=10)
    assert DyingChannel.claimed == [10 * ROWS_PER_REQUEST]  # it had claimed a whole batch
    assert_nothing_fired(pks)

    settings.PROPDESK_NOTIFICATION_CHANNELS = channels
    assert fire(LATE, batch=10) == 30 * EVENTS_PER_REQUEST
    assert_each_rung_once(pks)
    assert fire(LATE) == 0


# ---------------------------------------------------------------- PostgreSQL: workers at once


def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("several workers at once need PostgreSQL (SELECT ... FOR UPDATE SKIP LOCKED)")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("workers", [2, 4])
def test_workers_at_once_fire_each_rung_exactly_once(w, workers):
    _postgres_only()
    pks = _many(w, 300)
    barrier = threading.Barrier(workers)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(sla.escalation_pass(LATE, batch=25))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert sum(results) == 300 * EVENTS_PER_REQUEST
    assert_each_rung_once(pks)
    assert sla.escalation_pass(LATE) == 0


class SlowChannel(Channel):
    """A notification channel that hangs in the worker thread named "slow", its batch claimed,
    until the test releases it."""

    name = "slow"
    inside = release = None

    def wants(self, user) -> bool:
        if threading.current_thread().name == "slow" and not SlowChannel.inside.is_set():
            SlowChannel.inside.set()
            SlowChannel.release.wait(30)
        return False


@pytest.mark.django_db(transaction=True)
def test_workers_at_once_with_a_rung_in_flight_on_the_same_request(w, settings):
    """Two workers, one of them slow inside its batch: the other never takes the rows it holds."""
    _postgres_only()
    pks = _many(w, 40)
    inside = threading.Event()
    release = threading.Event()
    results, errors = {}, []

    SlowChannel.inside, SlowChannel.release = inside, release
    channels = settings.PROPDESK_NOTIFICATION_CHANNELS
    settings.PROPDESK_NOTIFICATION_CHANNELS = [*channels, "desk.tests.test_escalation.SlowChannel"]
    try:

        def run(name):
            try:
                results[name] = sla.escalation_pass(LATE, batch=20)
            except BaseException as exc:
                errors.append(exc)
            finally:
                connection.close()

        slow_thread = threading.Thread(target=run, args=("slow",), name="slow")
        slow_thread.start()
        assert inside.wait(30)
        fast = threading.Thread(target=run, args=("fast",), name="fast")
        fast.start()
        fast.join(60)
        assert results["fast"] == 20 * EVENTS_PER_REQUEST  # only the other 20 requests
        release.set()
        slow_thread.join(60)
    finally:
        settings.PROPDESK_NOTIFICATION_CHANNELS = channels
        release.set()
    assert errors == []
    assert results["slow"] == 20 * EVENTS_PER_REQUEST
    assert_each_rung_once(pks)


KILL_SCRIPT = """
import os, signal, sys
import django
django.setup()
from django.utils.dateparse import parse_datetime
from django.conf import settings
from core.notify import Channel
from desk import sla
from desk.models import Escalation

class KilledChannel(Channel):
    # The process dies while the pass hands its notifications out, with the batch claimed.
    name = "killed"

    def wants(self, user):
        print("claimed", Escalation.objects.count(), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

settings.PROPDESK_NOTIFICATION_CHANNELS = [*settings.PROPDESK_NOTIFICATION_CHANNELS, "__main__.KilledChannel"]
sla.escalation_pass(parse_datetime(sys.argv[1]), batch=int(sys.argv[2]))
print("survived", flush=True)
"""


def _wait_for_other_sessions_to_end(timeout=20.0):
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND state IS DISTINCT FROM 'idle'"
            )
            if cursor.fetchone()[0] == 0 or time.monotonic() > deadline:
                return
            time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_killed_mid_batch_commits_nothing(w):
    """A real death: another process claims a batch and is SIGKILLed before it notifies."""
    _postgres_only()
    pks = _many(w, 30)
    db = connection.settings_dict
    url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "propdesk.settings"),
    }
    done = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, LATE.isoformat(), "10"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]
    assert f"claimed {10 * ROWS_PER_REQUEST}" in done.stdout
    assert "survived" not in done.stdout
    _wait_for_other_sessions_to_end()
    assert_nothing_fired(pks)
    assert sla.escalation_pass(LATE, batch=10) == 30 * EVENTS_PER_REQUEST
    assert_each_rung_once(pks)


# ---------------------------------------------------------------- a deadline the desk cannot meet


@pytest.mark.django_db
def test_a_complaint_handled_as_fast_as_the_system_allows_is_not_escalated(w):
    from core.errors import ActionRefused
    from desk.services import request_reply

    with clock(MONDAY_9):
        sr = w.register()
        request_dispatch(actor=w.cs, request=sr, department=w.dept[DepartmentKind.ENGINEERING], assignee=w.tech)
        request_accept(actor=w.tech, request=sr)
        request_arrive(actor=w.tech, request=sr)
    with clock(at(2026, 11, 23, 10, 0)):
        try:  # an interim reply to the resident, if the desk may give one before the work is done
            request_reply(actor=w.cs, request=sr, reply="已安排工程部处理，预计本周内完成")
        except ActionRefused:
            pass
    hour = at(2026, 11, 23, 10, 0)
    while hour < at(2026, 11, 25, 10, 0):  # the pass runs all along; resolved on the third day
        fire(hour)
        hour += timedelta(hours=1)
    with clock(at(2026, 11, 25, 10, 0)):
        request_resolve(actor=w.tech, request=sr, result="已修复")
    with clock(at(2026, 11, 25, 10, 5)):
        if fresh(sr).state == State.RESOLVED:
            request_reply(actor=w.cs, request=fresh(sr), reply="已修复，请您确认")
    fire(at(2026, 11, 26, 10, 0))
    overdue = Escalation.objects.filter(request=sr, level__gte=Level.OVERDUE).values_list("step", "level")
    assert list(overdue) == []
