"""Quiet hours: the project's setting and the business calendar, on the page and the permit."""

from datetime import date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import calendar as core_calendar
from core.worktime import Calendar
from renovation import hours
from renovation.models import RenovationSettings

DEFAULTS = RenovationSettings()
NATIONAL_DAY = Calendar(
    off=frozenset(date(2026, 10, d) for d in range(1, 8)),
    work=frozenset({date(2026, 9, 20), date(2026, 10, 10)}),
    known_years=frozenset({2026}),
)


def test_default_allowed_periods():
    assert hours.allowed_periods(DEFAULTS) == [(time(8, 0), time(12, 0)), (time(14, 0), time(18, 0))]
    assert hours.allowed_text(DEFAULTS) == "工作日 08:00–12:00、14:00–18:00"


@pytest.mark.parametrize(
    "moment,allowed",
    [
        (datetime(2026, 10, 9, 9, 0), True),  # Friday morning
        (datetime(2026, 10, 9, 12, 30), False),  # midday break
        (datetime(2026, 10, 9, 14, 0), True),
        (datetime(2026, 10, 9, 18, 0), False),  # evening
        (datetime(2026, 10, 9, 7, 59), False),  # early morning
        (datetime(2026, 10, 3, 10, 0), False),  # National Day holiday
        (datetime(2026, 10, 11, 10, 0), False),  # Sunday
        (datetime(2026, 10, 10, 10, 0), True),  # Saturday, a make-up working day
    ],
)
def test_noisy_work_allowed(moment, allowed):
    assert hours.noisy_work_allowed(moment, DEFAULTS, NATIONAL_DAY) is allowed


def test_a_project_may_allow_weekends_and_change_the_hours():
    s = RenovationSettings(
        quiet_on_rest_days=False,
        noon_quiet_start=None,
        noon_quiet_end=None,
        night_quiet_start=time(20, 0),
        night_quiet_end=time(7, 0),
    )
    assert hours.allowed_periods(s) == [(time(7, 0), time(20, 0))]
    assert hours.noisy_work_allowed(datetime(2026, 10, 3, 12, 30), s, NATIONAL_DAY)
    assert hours.allowed_text(s) == "每天 07:00–20:00"


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31, 23, 59)),
    st.integers(min_value=10 * 60, max_value=15 * 60),
    st.integers(min_value=15, max_value=120),
)
def test_allowed_periods_agree_with_noisy_work_allowed(moment, noon_start, noon_minutes):
    """Whatever the midday break, a moment of a working day is allowed exactly when it lies in
    one of the allowed periods printed on the permit; on a weekend never."""
    noon_end = noon_start + noon_minutes
    s = RenovationSettings(
        noon_quiet_start=time(noon_start // 60, noon_start % 60), noon_quiet_end=time(noon_end // 60, noon_end % 60)
    )
    cal = Calendar(known_years=frozenset({2026}))
    minute = moment.time().replace(second=0, microsecond=0)
    in_period = any(a <= minute < b for a, b in hours.allowed_periods(s))
    assert hours.noisy_work_allowed(moment, s, cal) is (in_period and moment.weekday() < 5)


@pytest.mark.django_db
def test_calendar_notes_list_the_holidays_in_the_permit_period():
    core_calendar.seed_from_package([2026])
    from core.models import CalendarDay

    names = dict(CalendarDay.objects.values_list("date", "name"))
    notes = hours.calendar_notes(date(2026, 9, 25), date(2026, 10, 20), core_calendar.current_calendar(), names)
    assert [(s.first, s.last, s.name) for s in notes["holidays"]] == [
        (date(2026, 9, 25), date(2026, 9, 27), "中秋节"),
        (date(2026, 10, 1), date(2026, 10, 7), "国庆节"),
    ]
    assert date(2026, 10, 10) in [s.first for s in notes["workdays"]]


def test_settings_validation():
    from django.core.exceptions import ValidationError

    s = RenovationSettings(night_quiet_start=time(8, 0), night_quiet_end=time(18, 0))
    with pytest.raises(ValidationError):
        s.clean()
    s = RenovationSettings(noon_quiet_start=time(12, 0), noon_quiet_end=None)
    with pytest.raises(ValidationError):
        s.clean()


def test_calendar_notes_name_the_years_the_calendar_lacks():
    notes = hours.calendar_notes(date(2026, 12, 1), date(2027, 2, 1), NATIONAL_DAY, {})
    assert notes["missing_years"] == [2027]
