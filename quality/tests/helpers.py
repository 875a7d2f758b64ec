"""Shared by the quality tests: a clock on chosen local times, time limits and the lifecycle."""

from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from core.choices import DepartmentKind
from desk.choices import Kind, Severity
from desk.models import DeskSettings, SlaPolicy
from desk.services import (
    request_accept,
    request_arrive,
    request_dispatch,
    request_resolve,
)
from tests.factories import PASSWORD

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=9, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@contextmanager
def clock(moment: datetime):
    with time_machine.travel(moment, tick=False):
        yield


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def simple_limits(world) -> None:
    """Clock-time limits that are easy to reason about: complaints dispatched within 1 hour and
    resolved within 24 hours, repairs resolved within 4 hours; every repair is visited."""
    SlaPolicy.objects.create(
        company=world.company, kind=Kind.COMPLAINT, severity=Severity.GENERAL, dispatch_limit="1h", resolve_limit="24h"
    )
    SlaPolicy.objects.create(company=world.company, kind=Kind.REPAIR, severity=Severity.GENERAL, resolve_limit="4h")
    DeskSettings.objects.create(company=world.company, repair_visit_percent=100)


def register(world, moment, **kw):
    with clock(moment):
        return world.register(**kw)


def dispatch(world, sr, moment):
    with clock(moment):
        request_dispatch(
            actor=world.cs, request=sr, department=world.dept[DepartmentKind.ENGINEERING], assignee=world.tech
        )


def work(world, sr, moment):
    """Accepted and on site at `moment`."""
    with clock(moment):
        request_accept(actor=world.tech, request=sr)
        request_arrive(actor=world.tech, request=sr)


def resolve(world, sr, moment, by=None):
    with clock(moment):
        request_resolve(actor=by or world.tech, request=sr, result="已处理")


def done(world, sr, dispatched_at, resolved_at):
    """Dispatched, accepted, on site and resolved."""
    dispatch(world, sr, dispatched_at)
    work(world, sr, dispatched_at)
    resolve(world, sr, resolved_at)
