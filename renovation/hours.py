"""When noisy work is allowed: the project's quiet hours and the business calendar.

Quiet windows are the midday break (e.g. 12:00-14:00) and the night (e.g. 18:00-08:00, across
midnight); on rest days and statutory holidays (per core/calendar.py, with make-up working days
counted as working days) noisy work is barred all day when the setting says so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils.translation import gettext as _

from core.worktime import Calendar

DAY = 24 * 60


def _m(t: time) -> int:
    return t.hour * 60 + t.minute


def _t(minutes: int) -> time:
    return time(23, 59) if minutes >= DAY else time(minutes // 60, minutes % 60)


def quiet_windows(settings) -> list[tuple[int, int]]:
    """Quiet spans in minutes of the day, split at midnight, merged and sorted."""
    spans = []
    if settings.noon_quiet_start and settings.noon_quiet_end:
        spans.append((_m(settings.noon_quiet_start), _m(settings.noon_quiet_end)))
    if settings.night_quiet_start and settings.night_quiet_end:
        a, b = _m(settings.night_quiet_start), _m(settings.night_quiet_end)
        if a > b:
            spans += [(a, DAY), (0, b)]
        elif a < b:
            spans.append((a, b))
    spans.sort()
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def allowed_periods(settings) -> list[tuple[time, time]]:
    """The spans of a working day when noisy work is allowed, e.g. 08:00-12:00, 14:00-18:00."""
    periods, cursor = [], 0
    for a, b in quiet_windows(settings):
        if a > cursor:
            periods.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < DAY:
        periods.append((cursor, DAY))
    return [(_t(a), _t(b)) for a, b in periods]


def noisy_work_allowed(moment: datetime, settings, calendar: Calendar) -> bool:
    """True when noisy work may go on at this local wall-clock moment."""
    if settings.quiet_on_rest_days and not calendar.is_working_day(moment.date()):
        return False
    minute = moment.hour * 60 + moment.minute
    return not any(a <= minute < b for a, b in quiet_windows(settings))


@dataclass(frozen=True)
class DaySpan:
    first: date
    last: date
    name: str


def _spans(days: list[date], names: dict[date, str]) -> list[DaySpan]:
    spans: list[DaySpan] = []
    for day in sorted(days):
        name = names.get(day, "")
        if spans and spans[-1].last + timedelta(days=1) == day and spans[-1].name == name:
            spans[-1] = DaySpan(spans[-1].first, day, name)
        else:
            spans.append(DaySpan(day, day, name))
    return spans


def calendar_notes(first: date, last: date, calendar: Calendar, names: dict[date, str]) -> dict:
    """Holidays and make-up working days between two dates (the permit's period), for the permit."""
    holidays, workdays = [], []
    day = first
    while day <= last and (day - first).days < 800:
        if day in calendar.off:
            holidays.append(day)
        elif day in calendar.work:
            workdays.append(day)
        day += timedelta(days=1)
    missing = sorted({y for y in range(first.year, last.year + 1) if y not in calendar.known_years})
    return {"holidays": _spans(holidays, names), "workdays": _spans(workdays, names), "missing_years": missing}


def quiet_lines(settings) -> list[str]:
    """The quiet-hours rules as sentences for the permit and the page."""
    lines = []
    if settings.quiet_on_rest_days:
        lines.append(_("休息日（周六、周日）和法定节假日全天禁止噪声作业；调休上班日按工作日执行。"))
    if settings.noon_quiet_start and settings.noon_quiet_end:
        lines.append(
            _("每天 %(start)s–%(end)s 午间禁止噪声作业。")
            % {"start": f"{settings.noon_quiet_start:%H:%M}", "end": f"{settings.noon_quiet_end:%H:%M}"}
        )
    if settings.night_quiet_start and settings.night_quiet_end:
        lines.append(
            _("每天 %(start)s 至次日 %(end)s 禁止噪声作业。")
            % {"start": f"{settings.night_quiet_start:%H:%M}", "end": f"{settings.night_quiet_end:%H:%M}"}
        )
    return lines


def allowed_text(settings) -> str:
    periods = "、".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in allowed_periods(settings))
    if settings.quiet_on_rest_days:
        return _("工作日 %(periods)s") % {"periods": periods}
    return _("每天 %(periods)s") % {"periods": periods}
