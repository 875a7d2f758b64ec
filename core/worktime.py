"""Working-time arithmetic on the Chinese calendar.

A day is a working day when the calendar table says it is a make-up working day (调休), is not
when the table says it is a holiday, and otherwise when it is Monday to Friday. Within a working
day only the schedule's periods count (e.g. 08:30-12:00 and 13:00-17:30).

`add_working(start, minutes)` walks forward through working periods; a deadline that uses up a
period exactly lands on the period's end (17:30), so adding n then m minutes equals adding n+m.
Everything is computed in local wall time of the project's time zone and returned aware.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 3660  # ten years: a guard, not a limit anyone meets


@dataclass(frozen=True)
class Schedule:
    periods: tuple[tuple[time, time], ...] = ((time(8, 30), time(12, 0)), (time(13, 0), time(17, 30)))

    def __post_init__(self):
        previous_end = None
        if not self.periods:
            raise ValueError("a schedule needs at least one working period")
        for start, end in self.periods:
            if end <= start:
                raise ValueError("a working period must end after it starts")
            if previous_end and start < previous_end:
                raise ValueError("working periods must not overlap and must be in order")
            previous_end = end

    @property
    def minutes_per_day(self) -> int:
        return sum(
            (datetime.combine(date.min, end) - datetime.combine(date.min, start)).seconds // 60
            for start, end in self.periods
        )


@dataclass
class Calendar:
    """Holidays (`off`) and make-up working days (`work`) for the years in `known_years`."""

    off: frozenset[date] = frozenset()
    work: frozenset[date] = frozenset()
    known_years: frozenset[int] = frozenset()
    missing_years: set[int] = field(default_factory=set)

    def is_working_day(self, day: date) -> bool:
        if day.year not in self.known_years:
            self.missing_years.add(day.year)  # reported to the administrator, never a crash
        if day in self.work:
            return True
        if day in self.off:
            return False
        return day.weekday() < 5


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None)


def _aware(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=tz)


def add_working(start: datetime, minutes: float, schedule: Schedule, calendar: Calendar, tz: ZoneInfo) -> datetime:
    """The moment `minutes` of working time after `start`."""
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    if minutes == 0:
        return start
    remaining = timedelta(minutes=minutes)
    cursor = _local(start, tz)
    day = cursor.date()
    for _ in range(MAX_DAYS):
        if calendar.is_working_day(day):
            for period_start, period_end in schedule.periods:
                begin = datetime.combine(day, period_start)
                end = datetime.combine(day, period_end)
                if cursor >= end:
                    continue
                begin = max(cursor, begin)
                available = end - begin
                if remaining <= available:
                    return _aware(begin + remaining, tz).astimezone(start.tzinfo)
                remaining -= available
                cursor = end
        day += timedelta(days=1)
        cursor = datetime.combine(day, time.min)
    raise ValueError("no working time found within ten years: check the calendar")


def working_between(a: datetime, b: datetime, schedule: Schedule, calendar: Calendar, tz: ZoneInfo) -> float:
    """Working minutes between two moments (0 when b <= a)."""
    if b <= a:
        return 0.0
    start, stop = _local(a, tz), _local(b, tz)
    total = timedelta()
    day = start.date()
    while day <= stop.date():
        if calendar.is_working_day(day):
            for period_start, period_end in schedule.periods:
                begin = max(start, datetime.combine(day, period_start))
                end = min(stop, datetime.combine(day, period_end))
                if end > begin:
                    total += end - begin
        day += timedelta(days=1)
    return total.total_seconds() / 60


def is_working_moment(moment: datetime, schedule: Schedule, calendar: Calendar, tz: ZoneInfo) -> bool:
    """True when `moment` lies inside a working period (its end included)."""
    local = _local(moment, tz)
    if not calendar.is_working_day(local.date()):
        return False
    return any(start <= local.time() <= end for start, end in schedule.periods)
