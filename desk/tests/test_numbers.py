"""desk/services/numbers.py next_number: 'TS202611270001', the kind's prefix, the local day, a daily sequence;
and, on PostgreSQL, what happens when many people register or act at the same moment."""

import datetime
import re
import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from core.choices import DepartmentKind
from core.errors import ActionRefused, Conflict
from desk.choices import KIND_PREFIX, Action, Kind, State
from desk.models import NumberSequence, RequestEvent, ServiceRequest
from desk.services import next_number, request_accept, request_dispatch

UTC = datetime.UTC


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "prefix"),
    [(Kind.COMPLAINT, "TS"), (Kind.REPAIR, "BX"), (Kind.ENQUIRY, "ZX"), (Kind.SUGGESTION, "JY"), (Kind.PRAISE, "BY")],
)
def test_a_number_starts_with_the_kinds_prefix(kind, prefix):
    assert KIND_PREFIX[kind] == prefix
    assert next_number(kind, at(2026, 5, 1, 2, 0)) == f"{prefix}202605010001"


@pytest.mark.django_db
def test_the_date_is_the_local_date_in_shanghai():
    assert next_number(Kind.COMPLAINT, at(2026, 11, 26, 17, 0)) == "TS202611270001"  # 01:00 on the 27th
    assert next_number(Kind.COMPLAINT, at(2026, 11, 26, 15, 59, 59)) == "TS202611260001"  # 23:59:59 on the 26th
    assert next_number(Kind.COMPLAINT, at(2026, 11, 26, 16, 0)) == "TS202611270002"  # midnight: the 27th


@pytest.mark.django_db
def test_the_sequence_counts_per_kind_and_per_day():
    day, next_day = at(2026, 11, 26, 2, 0), at(2026, 11, 27, 2, 0)
    assert [next_number(Kind.REPAIR, day) for _ in range(3)] == ["BX202611260001", "BX202611260002", "BX202611260003"]
    assert next_number(Kind.COMPLAINT, day) == "TS202611260001"
    assert next_number(Kind.REPAIR, next_day) == "BX202611270001"
    assert next_number(Kind.REPAIR, day) == "BX202611260004"
    assert dict(NumberSequence.objects.values_list("key", "value")) == {
        "BX20261126": 4,
        "TS20261126": 1,
        "BX20261127": 1,
    }


def test_an_unknown_kind_gets_no_number():
    with pytest.raises(ValueError):
        next_number("gossip", at(2026, 11, 26, 2, 0))


def test_a_registered_request_is_numbered_by_its_local_registration_day(world):
    with time_machine.travel(at(2026, 11, 26, 17, 0), tick=False):
        first = world.register()
        repair = world.register(kind=Kind.REPAIR)
        second = world.register()
    assert (first.number, repair.number, second.number) == ("TS202611270001", "BX202611270001", "TS202611270002")
    assert first.created_at == at(2026, 11, 26, 17, 0)


def test_a_refused_registration_uses_no_number(world):
    with time_machine.travel(at(2026, 11, 26, 17, 0), tick=False):
        world.register()
        with pytest.raises(ValidationError):
            world.register(title="")
        assert world.register().number == "TS202611270002"


# ---------------------------------------------------------------- concurrency (PostgreSQL)


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL; SQLite serialises writers")


def run_threads(count, work):
    """Run work(i) in `count` threads released together; return (results, errors)."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def target(i):
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - collected and asserted on
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    close_old_connections()
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_all_get_distinct_numbers(postgresql_only, world):
    threads, each = 8, 10

    def work(i):
        return [world.register(title=f"并发登记{i}-{n}").number for n in range(each)]

    results, errors = run_threads(threads, work)
    assert errors == []
    numbers = [number for batch in results for number in batch]
    assert len(numbers) == len(set(numbers)) == threads * each
    prefixes = {n[:10] for n in numbers}
    assert len(prefixes) == 1 and re.fullmatch(r"TS\d{8}", prefixes.pop())
    assert sorted(int(n[10:]) for n in numbers) == list(range(1, threads * each + 1))
    assert ServiceRequest.objects.count() == threads * each
    assert RequestEvent.objects.count() == threads * each


@pytest.mark.django_db(transaction=True)
def test_two_people_accepting_at_once_one_wins(postgresql_only, world):
    eng = world.dept[DepartmentKind.ENGINEERING]
    for _round in range(5):
        sr = world.register()
        request_dispatch(actor=world.cs, request=sr, department=eng)  # to the department: either may take it
        people = [world.tech, world.tech2]
        copies = [ServiceRequest.objects.get(pk=sr.pk) for _ in people]  # both pages loaded before anyone clicks

        def accept(i, people=people, copies=copies):
            return request_accept(actor=people[i], request=copies[i])

        results, errors = run_threads(2, accept)

        assert len(errors) == 1 and isinstance(errors[0], Conflict | ActionRefused), errors
        (winner,) = [people[i] for i, result in enumerate(results) if result is not None]
        sr = ServiceRequest.objects.get(pk=sr.pk)
        assert (sr.state, sr.version, sr.assignee) == (State.ACCEPTED, 3, winner)
        accepts = RequestEvent.objects.filter(request=sr, action=Action.ACCEPT)
        assert [e.actor for e in accepts] == [winner]
        assert RequestEvent.objects.filter(request=sr).count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_desk_and_the_technician_acting_at_once_leave_one_consistent_story(postgresql_only, world):
    """A cancel and an accept race: whichever wins, the other changes nothing."""
    eng = world.dept[DepartmentKind.ENGINEERING]
    sr = world.register()
    request_dispatch(actor=world.cs, request=sr, department=eng, assignee=world.tech)
    copies = [ServiceRequest.objects.get(pk=sr.pk) for _ in range(2)]

    def work(i):
        if i == 0:
            return request_accept(actor=world.tech, request=copies[0])
        from desk.services import request_cancel

        return request_cancel(actor=world.cs, request=copies[1], note="业户已自行修好")

    results, errors = run_threads(2, work)
    assert len(errors) == 1 and isinstance(errors[0], Conflict | ActionRefused), errors
    sr = ServiceRequest.objects.get(pk=sr.pk)
    winner = results[0] or results[1]
    assert sr.state == winner.to_state and sr.version == 3
    assert list(RequestEvent.objects.filter(request=sr).order_by("id").values_list("action", flat=True)) == [
        "register", "dispatch", winner.action,
    ]  # fmt: skip
