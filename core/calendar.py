"""The business calendar as the rest of the code uses it: loaded from the editable tables,
cached for a minute per process, seeded from the `chinesecalendar` package."""

import time as _time
from datetime import date, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from core.models import CalendarDay, CalendarYear, WorkSchedule
from core.worktime import Calendar, Schedule

CACHE_SECONDS = 60
_cache: dict = {}

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def clear_cache() -> None:
    _cache.clear()


def _cached(key, load):
    hit = _cache.get(key)
    now = _time.monotonic()
    if hit and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    value = load()
    _cache[key] = (now, value)
    return value


def current_calendar() -> Calendar:
    def load():
        off, work = set(), set()
        for day, kind in CalendarDay.objects.values_list("date", "kind"):
            (off if kind == CalendarDay.Kind.HOLIDAY else work).add(day)
        years = frozenset(CalendarYear.objects.values_list("year", flat=True))
        return Calendar(off=frozenset(off), work=frozenset(work), known_years=years)

    return _cached("calendar", load)


DEFAULT_SCHEDULE = Schedule()


def schedule_for(project_id: int) -> Schedule:
    def load():
        row = WorkSchedule.objects.filter(project_id=project_id).first()
        if row is None:
            return DEFAULT_SCHEDULE
        return schedule_from(row.start, row.end, row.lunch_start, row.lunch_end)

    return _cached(("schedule", project_id), load)


def schedule_from(start: time, end: time, lunch_start: time | None, lunch_end: time | None) -> Schedule:
    if lunch_start and lunch_end:
        return Schedule(periods=((start, lunch_start), (lunch_end, end)))
    return Schedule(periods=((start, end),))


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@transaction.atomic
def seed_from_package(years: list[int]) -> dict[int, int]:
    """Load holidays and make-up days of `years` from chinesecalendar; returns rows per year.
    Years the package does not know are left out (and stay reported as missing)."""
    from chinese_calendar import constants

    loaded: dict[int, int] = {}
    for year in years:
        rows = [
            (day, CalendarDay.Kind.HOLIDAY, name) for day, name in constants.holidays.items() if day.year == year
        ] + [(day, CalendarDay.Kind.WORKDAY, name) for day, name in constants.workdays.items() if day.year == year]
        if not rows:
            continue
        for day, kind, name in rows:
            CalendarDay.objects.update_or_create(
                date=day, defaults={"kind": kind, "name": HOLIDAY_NAMES.get(name, name), "source": "chinesecalendar"}
            )
        CalendarYear.objects.update_or_create(year=year, defaults={"source": "chinesecalendar"})
        loaded[year] = len(rows)
    clear_cache()
    return loaded


def missing_years(today: date | None = None) -> list[int]:
    """This year and next year, when the calendar table does not cover them."""
    from django.utils import timezone

    year = (today or timezone.localdate()).year
    known = set(CalendarYear.objects.filter(year__in=[year, year + 1]).values_list("year", flat=True))
    return [y for y in (year, year + 1) if y not in known]
