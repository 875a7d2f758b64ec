"""core/worktime.py: working-time arithmetic on the Chinese calendar (pure, no database).

The calendar is built straight from the `chinesecalendar` package for 2025-2026, the same data the
migration seeds; 2027 is deliberately unknown (the package stops at 2026), so it falls back to
Monday-Friday and is reported in `Calendar.missing_years`.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from chinese_calendar import constants
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.worktime import Calendar, Schedule, add_working, is_working_moment, working_between

TZ = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
SCHEDULE = Schedule()  # 08:30-12:00 and 13:00-17:30: 480 minutes a day
DAY = SCHEDULE.minutes_per_day
YEARS = (2025, 2026)


def real_calendar() -> Calendar:
    return Calendar(
        off=frozenset(d for d in constants.holidays if d.year in YEARS),
        work=frozenset(d for d in constants.workdays if d.year in YEARS),
        known_years=frozenset(YEARS),
    )


CAL = real_calendar()


def at(y, mo, d, h=0, mi=0, s=0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=TZ)


def add(start, minutes, cal=CAL, schedule=SCHEDULE):
    return add_working(start, minutes, schedule, cal, TZ)


def between(a, b, cal=CAL, schedule=SCHEDULE):
    return working_between(a, b, schedule, cal, TZ)


def working(moment, cal=CAL, schedule=SCHEDULE):
    return is_working_moment(moment, schedule, cal, TZ)


# ---------------------------------------------------------------- strategies

RANGE_START = at(2025, 12, 1)
RANGE_MINUTES = int((at(2027, 1, 1) - RANGE_START).total_seconds() // 60)  # up to 2026-12-31 23:59

# Any moment from 2025-12-01 to 2026-12-31, to the second: evenings, weekends, holidays included.
moments = st.integers(0, RANGE_MINUTES * 60 - 1).map(lambda s: RANGE_START + timedelta(seconds=s))
# Starts that are likely to hit the interesting edges: the period boundaries of the days around
# the holidays and make-up days.
EDGE_TIMES = [time(0, 0), time(8, 29), time(8, 30), time(11, 59), time(12, 0), time(12, 30), time(13, 0)]
EDGE_TIMES += [time(17, 29), time(17, 30), time(17, 50), time(23, 59)]
SPECIAL_DAYS = sorted(
    d + timedelta(days=k)
    for d in set(constants.holidays) | set(constants.workdays)
    if date(2025, 12, 1) <= d <= date(2026, 12, 31)
    for k in (-1, 0, 1)
)
edge_moments = st.builds(
    lambda d, t: datetime.combine(d, t, tzinfo=TZ), st.sampled_from(SPECIAL_DAYS), st.sampled_from(EDGE_TIMES)
)
starts = st.one_of(moments, edge_moments)
# Moments inside working time, made so rather than filtered (a filter of `moments` keeps about one
# in four and trips Hypothesis's filter_too_much health check on an unlucky run): a working day of
# the range, one of its periods, a second within it.
WORKING_DAYS = [
    d
    for d in (date(2025, 12, 1) + timedelta(days=k) for k in range((date(2027, 1, 1) - date(2025, 12, 1)).days))
    if CAL.is_working_day(d)
]


def _in_period(day: date, period: tuple[time, time], second: int) -> datetime:
    begin, end = (datetime.combine(day, t, tzinfo=TZ) for t in period)
    return begin + timedelta(seconds=second % int((end - begin).total_seconds()))


working_moments = st.builds(
    _in_period, st.sampled_from(WORKING_DAYS), st.sampled_from(list(SCHEDULE.periods)), st.integers(0, 86_399)
)
MAX_MINUTES = 20 * DAY  # about twenty working days
amounts = st.integers(0, MAX_MINUTES)
positive = st.integers(1, MAX_MINUTES)

PROPERTY = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def inside_working_time(moment: datetime) -> bool:
    local = moment.astimezone(TZ)
    return CAL.is_working_day(local.date()) and any(a <= local.time() < b for a, b in SCHEDULE.periods)


# ---------------------------------------------------------------- properties


@PROPERTY
@given(start=starts, n=amounts, m=amounts)
@example(start=at(2026, 9, 30, 17, 50), n=DAY, m=6 * DAY)
@example(start=at(2026, 2, 13, 16, 0), n=90, m=390)
@example(start=at(2026, 5, 8, 11, 0), n=60, m=1)  # lands exactly on 12:00, then goes on after lunch
def test_adding_in_two_steps_equals_adding_once(start, n, m):
    assert add(add(start, n), m) == add(start, n + m)


@PROPERTY
@given(start=starts, n=positive)
@example(start=at(2026, 9, 30, 17, 50), n=1)  # the evening before National Day
@example(start=at(2026, 10, 1, 10, 0), n=1)  # on a holiday
@example(start=at(2026, 10, 11, 9, 0), n=1)  # an ordinary Sunday after the make-up Saturday
def test_a_positive_result_is_always_a_working_moment(start, n):
    result = add(start, n)
    assert working(result)
    local = result.astimezone(TZ)
    assert local.date() not in CAL.off
    assert local.weekday() < 5 or local.date() in CAL.work
    assert any(a < local.time() <= b for a, b in SCHEDULE.periods)  # after a period starts, up to its end
    assert result > start


@PROPERTY
@given(start=starts, n=amounts)
def test_working_between_undoes_add_working(start, n):
    assert between(start, add(start, n)) == n


@PROPERTY
@given(start=working_moments, n=amounts)
@example(start=at(2026, 9, 30, 17, 29), n=7 * DAY)
@example(start=at(2026, 2, 14, 8, 30), n=1)  # the make-up Saturday's first minute
def test_working_between_undoes_add_working_inside_working_time(start, n):
    assert inside_working_time(start)
    result = add(start, n)
    assert between(start, result) == n
    # And the other way round: the working time between two moments added to the first gives the
    # second, when the second is itself inside working time.
    assert add(start, between(start, result)) == result


@PROPERTY
@given(start=starts, n1=amounts, n2=amounts)
def test_more_minutes_never_give_an_earlier_moment(start, n1, n2):
    lo, hi = sorted((n1, n2))
    assert add(start, lo) <= add(start, hi)
    if lo < hi:
        assert add(start, lo) < add(start, hi)


@PROPERTY
@given(a=starts, b=starts, n=amounts)
def test_a_later_start_never_gives_an_earlier_moment(a, b, n):
    early, late = sorted((a, b))
    assert add(early, n) <= add(late, n)
    assert between(early, late) >= 0
    assert between(late, early) == 0


@PROPERTY
@given(start=starts, n=amounts)
def test_the_answer_does_not_depend_on_the_time_zone_of_the_input(start, n):
    in_utc = add(start.astimezone(UTC), n)
    assert in_utc == add(start, n)
    assert in_utc.tzinfo == UTC  # returned in the caller's zone


@PROPERTY
@given(a=starts, b=starts, c=starts)
def test_working_between_adds_up(a, b, c):
    x, y, z = sorted((a, b, c))
    # Minutes are a float of seconds / 60: compare to well under a second.
    assert between(x, y) + between(y, z) == pytest.approx(between(x, z), abs=1e-6)


# ---------------------------------------------------------------- fixed cases


def test_seven_working_days_across_national_day_2026():
    # Registered at 17:50 on Wednesday 2026-09-30, the last working day before National Day, after
    # the desk closed at 17:30: nothing counts that day.
    # 2026-10-01 (Thu) .. 10-07 (Wed) are holidays. Then the working days are:
    #   1: Thu 10-08, 2: Fri 10-09, 3: Sat 10-10 (make-up working day, 调休),
    #   (Sun 10-11 is a rest day), 4: Mon 10-12, 5: Tue 10-13, 6: Wed 10-14, 7: Thu 10-15.
    # Seven full days of 480 minutes end when the seventh one closes: 2026-10-15 17:30. (Without
    # the make-up Saturday it would be Friday 10-16 17:30.)
    due = add(at(2026, 9, 30, 17, 50), 7 * 480)
    assert due == at(2026, 10, 15, 17, 30)
    assert between(at(2026, 9, 30, 17, 50), due) == 7 * 480


def test_the_same_complaint_without_the_make_up_day_lands_a_day_later():
    cal = real_calendar()
    cal = Calendar(off=cal.off, work=cal.work - {date(2026, 10, 10)}, known_years=cal.known_years)
    assert add(at(2026, 9, 30, 17, 50), 7 * 480, cal) == at(2026, 10, 16, 17, 30)


def test_one_working_day_from_the_friday_before_spring_festival_lands_on_the_make_up_saturday():
    # Friday 2026-02-13 16:00: 90 minutes left that day (16:00-17:30). Saturday 02-14 is a make-up
    # working day: 210 minutes in the morning (08:30-12:00), the other 180 from 13:00, so 16:00.
    due = add(at(2026, 2, 13, 16, 0), 480)
    assert due == at(2026, 2, 14, 16, 0)
    # The next minute of work after that Saturday is after the whole Spring Festival (02-15..02-23).
    assert add(at(2026, 2, 14, 17, 30), 1) == at(2026, 2, 24, 8, 31)


def test_make_up_sunday_2026_09_20_counts_as_working():
    assert CAL.is_working_day(date(2026, 9, 20))
    assert working(at(2026, 9, 20, 10, 0))
    assert not working(at(2026, 9, 20, 12, 30))  # lunch is still lunch
    assert add(at(2026, 9, 19, 12, 0), 60) == at(2026, 9, 20, 9, 30)  # Saturday 09-19 is a rest day
    assert between(at(2026, 9, 19), at(2026, 9, 21)) == 480


@pytest.mark.parametrize(
    "day",
    [date(2026, 1, 1), date(2026, 2, 16), date(2026, 4, 6), date(2026, 5, 1), date(2026, 6, 19), date(2026, 10, 1)],
)
def test_statutory_holidays_on_weekdays_do_not_count(day):
    assert day.weekday() < 5
    assert not CAL.is_working_day(day)
    assert between(datetime.combine(day, time.min, tzinfo=TZ), datetime.combine(day, time.max, tzinfo=TZ)) == 0


@pytest.mark.parametrize(
    "moment, expected",
    [
        (at(2026, 11, 23, 8, 29, 59), False),
        (at(2026, 11, 23, 8, 30), True),
        (at(2026, 11, 23, 12, 0), True),  # a period's end is included
        (at(2026, 11, 23, 12, 0, 1), False),
        (at(2026, 11, 23, 17, 30), True),
        (at(2026, 11, 23, 17, 30, 1), False),
        (at(2026, 11, 28, 10, 0), False),  # Saturday
        (at(2026, 2, 28, 10, 0), True),  # make-up Saturday
    ],
)
def test_is_working_moment_edges(moment, expected):
    assert working(moment) is expected


def test_zero_minutes_is_the_start_itself_and_negative_is_refused():
    evening = at(2026, 11, 23, 20, 0)
    assert add(evening, 0) == evening
    with pytest.raises(ValueError):
        add(evening, -1)


def test_a_missing_year_falls_back_to_monday_to_friday_and_is_reported():
    cal = real_calendar()
    assert cal.missing_years == set()
    # 2027-01-01 is a Friday: in reality New Year's Day, but the table does not know 2027 yet, so
    # it is counted as an ordinary weekday rather than breaking the timer.
    due = add(at(2026, 12, 31, 17, 0), 480, cal)
    assert due == at(2027, 1, 1, 17, 0)
    assert cal.missing_years == {2027}
    # Weekends of the unknown year still rest: Friday 2027-01-08 17:00 + 1 working day -> Monday.
    assert add(at(2027, 1, 8, 17, 0), 480, cal) == at(2027, 1, 11, 17, 0)
    assert between(at(2027, 1, 1), at(2027, 2, 1), cal) == 21 * 480  # 21 weekdays in January 2027
    assert is_working_moment(at(2027, 1, 2, 10, 0), SCHEDULE, cal, TZ) is False
    assert cal.missing_years == {2027}


def test_a_calendar_that_knows_nothing_never_raises():
    cal = Calendar()
    assert add(at(2030, 6, 7, 17, 0), 480, cal) == at(2030, 6, 10, 17, 0)
    assert cal.missing_years == {2030}


def test_a_calendar_with_no_working_day_gives_up_with_a_clear_error():
    everything_off = Calendar(
        off=frozenset(date(2026, 1, 1) + timedelta(days=k) for k in range(4000)), known_years=frozenset({2026})
    )
    with pytest.raises(ValueError, match="calendar"):
        add(at(2026, 1, 1), 1, everything_off)


def test_schedule_without_lunch_and_schedule_validation():
    straight = Schedule(periods=((time(9, 0), time(17, 0)),))
    assert straight.minutes_per_day == 480
    assert add(at(2026, 11, 23, 16, 0), 120, schedule=straight) == at(2026, 11, 24, 10, 0)
    with pytest.raises(ValueError):
        Schedule(periods=())
    with pytest.raises(ValueError):
        Schedule(periods=((time(12, 0), time(9, 0)),))
    with pytest.raises(ValueError):
        Schedule(periods=((time(8, 0), time(12, 0)), (time(11, 0), time(17, 0))))
