"""core/calendar.py: the editable holiday table, its cache, the package seed and the report of
missing years; core/models.py WorkSchedule.clean; core/tasks.py report_missing_calendar_years."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from chinese_calendar import constants
from django.core.exceptions import ValidationError

from core import calendar
from core.choices import Role
from core.models import AuditEntry, CalendarDay, CalendarYear, Notification, WorkSchedule
from core.tasks import report_missing_calendar_years
from core.worktime import Schedule, add_working
from tests.factories import make_user

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _fresh_cache():
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture
def seeded():
    """2025 and 2026 from the package, whatever year the migration ran in; 2027 unknown."""
    calendar.seed_from_package([2025, 2026])
    CalendarYear.objects.filter(year__gte=2027).delete()
    CalendarDay.objects.filter(date__year__gte=2027).delete()
    calendar.clear_cache()


def at(y, mo, d, h=0, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


def deadline(start, minutes, project_id=None):
    schedule = calendar.schedule_for(project_id) if project_id else calendar.DEFAULT_SCHEDULE
    return add_working(start, minutes, schedule, calendar.current_calendar(), calendar.local_tz())


# ---------------------------------------------------------------- the seed


def test_the_migration_seeds_the_years_around_today_that_the_package_knows():
    this_year = date.today().year
    expected = {y for y in (this_year - 1, this_year, this_year + 1) if any(d.year == y for d in constants.holidays)}
    assert set(CalendarYear.objects.values_list("year", flat=True)) >= expected
    for year in expected:
        holidays = {d for d in constants.holidays if d.year == year}
        stored = set(
            CalendarDay.objects.filter(date__year=year, kind=CalendarDay.Kind.HOLIDAY).values_list("date", flat=True)
        )
        assert stored == holidays


def test_seed_from_package_loads_holidays_and_make_up_days_with_chinese_names(seeded):
    national_day = CalendarDay.objects.get(date=date(2026, 10, 1))
    assert national_day.kind == CalendarDay.Kind.HOLIDAY
    assert national_day.name == "国庆节"
    assert national_day.source == "chinesecalendar"
    make_up = CalendarDay.objects.get(date=date(2026, 10, 10))
    assert make_up.kind == CalendarDay.Kind.WORKDAY
    assert CalendarDay.objects.get(date=date(2026, 2, 17)).name == "春节"
    assert CalendarDay.objects.filter(date__year=2026).count() == sum(
        1 for d in (*constants.holidays, *constants.workdays) if d.year == 2026
    )


def test_seed_is_idempotent_and_skips_years_the_package_does_not_know(seeded):
    before = CalendarDay.objects.count()
    loaded = calendar.seed_from_package([2026, 2027])
    assert set(loaded) == {2026}
    assert CalendarDay.objects.count() == before
    assert not CalendarYear.objects.filter(year=2027).exists()


# ---------------------------------------------------------------- the calendar in use


def test_current_calendar_reflects_the_table(seeded):
    cal = calendar.current_calendar()
    assert cal.known_years >= {2025, 2026}
    assert 2027 not in cal.known_years
    assert not cal.is_working_day(date(2026, 10, 1))
    assert cal.is_working_day(date(2026, 10, 10))  # make-up Saturday
    assert cal.is_working_day(date(2026, 9, 20))  # make-up Sunday
    assert not cal.is_working_day(date(2026, 10, 11))
    # The same fixed case as in test_worktime, now through the table: see the reasoning there.
    assert deadline(at(2026, 9, 30, 17, 50), 7 * 480) == at(2026, 10, 15, 17, 30)


def test_an_edit_of_the_table_applies_after_the_cache_is_cleared(seeded):
    monday = at(2026, 11, 23, 9, 0)
    assert deadline(monday, 480) == at(2026, 11, 24, 9, 0)
    CalendarDay.objects.create(date=date(2026, 11, 24), kind=CalendarDay.Kind.HOLIDAY, name="台风停工")
    assert deadline(monday, 480) == at(2026, 11, 24, 9, 0)  # still the cached table
    calendar.clear_cache()
    assert deadline(monday, 480) == at(2026, 11, 25, 9, 0)


def test_the_cache_expires_by_itself_after_a_minute(seeded, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("time.monotonic", lambda: clock[0])  # the clock the cache reads
    first = calendar.current_calendar()
    CalendarDay.objects.create(date=date(2026, 11, 24), kind=CalendarDay.Kind.HOLIDAY, name="x")
    clock[0] += calendar.CACHE_SECONDS - 1
    assert calendar.current_calendar() is first
    clock[0] += 2
    assert date(2026, 11, 24) in calendar.current_calendar().off


def test_a_missing_year_is_reported_and_falls_back_to_weekdays(seeded):
    assert calendar.missing_years(date(2026, 11, 26)) == [2027]
    assert calendar.missing_years(date(2025, 1, 5)) == []  # 2025 and 2026 are there
    assert calendar.missing_years(date(2027, 3, 1)) == [2027, 2028]
    cal = calendar.current_calendar()
    # Into 2027 without a crash: Friday 2027-01-01 counts as a weekday.
    assert deadline(at(2026, 12, 31, 17, 0), 480) == at(2027, 1, 1, 17, 0)
    assert 2027 in cal.missing_years


def test_missing_years_uses_today_in_the_local_time_zone(seeded):
    # 2026-12-31 17:00 UTC is already 2027-01-01 01:00 in Shanghai.
    with time_machine.travel(datetime(2026, 12, 31, 17, 0, tzinfo=ZoneInfo("UTC")), tick=False):
        assert calendar.missing_years() == [2027, 2028]


def test_an_administrator_entering_a_year_makes_it_known(seeded):
    CalendarDay.objects.create(date=date(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    CalendarYear.objects.create(year=2027)
    calendar.clear_cache()
    assert calendar.missing_years(date(2026, 11, 26)) == []
    assert deadline(at(2026, 12, 31, 17, 0), 480) == at(2027, 1, 4, 17, 0)  # Fri 01-01 off, weekend off


# ---------------------------------------------------------------- the daily report


def test_the_daily_check_tells_the_administrators_once(seeded):
    from core.models import Company

    company = Company.objects.create(name="某物业", code="c")
    admin = make_user("admin", Role.COMPANY_ADMIN, company=company)
    make_user("root", Role.CS_STAFF, is_superuser=True)
    staff = make_user("staff", Role.CS_STAFF, company=company)
    gone = make_user("gone", Role.COMPANY_ADMIN, company=company, is_active=False)
    with time_machine.travel(at(2026, 11, 26, 8, 5), tick=False):
        assert report_missing_calendar_years() == [2027]
        assert report_missing_calendar_years() == [2027]  # asked again: no second message while unread
    notes = Notification.objects.filter(title__contains="2027")
    assert sorted(notes.values_list("user__username", flat=True)) == ["admin", "root"]
    assert not Notification.objects.filter(user__in=[staff, gone]).exists()
    assert notes.first().url == "/admin/core/calendarday/"
    assert admin.notifications.count() == 1


def test_the_daily_check_is_quiet_when_the_years_are_there(seeded):
    make_user("admin", Role.COMPANY_ADMIN)
    with time_machine.travel(at(2025, 3, 1, 8, 5), tick=False):
        assert report_missing_calendar_years() == []
    assert not Notification.objects.exists()


# ---------------------------------------------------------------- working hours


def test_schedule_for_a_project_comes_from_its_work_schedule(world, seeded):
    assert calendar.schedule_for(world.project.pk) == Schedule()
    WorkSchedule.objects.create(
        project=world.project, start=time(9, 0), lunch_start=time(12, 0), lunch_end=time(14, 0), end=time(18, 0)
    )
    calendar.clear_cache()
    schedule = calendar.schedule_for(world.project.pk)
    assert schedule.periods == ((time(9, 0), time(12, 0)), (time(14, 0), time(18, 0)))
    assert schedule.minutes_per_day == 420
    assert calendar.schedule_for(world.other_project.pk) == calendar.DEFAULT_SCHEDULE
    assert deadline(at(2026, 11, 23, 17, 0), 120, world.project.pk) == at(2026, 11, 24, 10, 0)


def test_a_schedule_without_lunch_is_one_period(world):
    WorkSchedule.objects.create(
        project=world.project, start=time(8, 0), lunch_start=None, lunch_end=None, end=time(16, 0)
    )
    assert calendar.schedule_for(world.project.pk).periods == ((time(8, 0), time(16, 0)),)


@pytest.mark.parametrize(
    "fields, error_field",
    [
        (dict(start=time(17, 30), end=time(8, 30)), "end"),  # end before start
        (dict(start=time(9, 0), end=time(9, 0)), "end"),  # no time at all
        (dict(lunch_start=time(7, 0), lunch_end=time(8, 0)), "lunch_start"),  # lunch before work
        (dict(lunch_start=time(17, 0), lunch_end=time(18, 0)), "lunch_start"),  # lunch past the end
        (dict(lunch_start=time(8, 30), lunch_end=time(9, 30)), "lunch_start"),  # lunch at the very start
        (dict(lunch_start=time(13, 0), lunch_end=time(12, 0)), "lunch_end"),  # lunch ends before it starts
        (dict(lunch_start=time(12, 0), lunch_end=None), "lunch_end"),  # half a lunch
    ],
)
def test_work_schedule_clean_refuses_impossible_hours(world, fields, error_field):
    row = WorkSchedule(project=world.project, **{"start": time(8, 30), "end": time(17, 30), **fields})
    with pytest.raises(ValidationError) as caught:
        row.full_clean()
    assert error_field in caught.value.message_dict
    assert caught.value.message_dict[error_field][0]
    assert not WorkSchedule.objects.exists()


def test_work_schedule_clean_accepts_sensible_hours(world):
    WorkSchedule(project=world.project, start=time(8, 30), end=time(17, 30)).full_clean()
    WorkSchedule(
        project=world.project, start=time(8, 0), lunch_start=None, lunch_end=None, end=time(16, 0)
    ).full_clean()


# ---------------------------------------------------------------- edits through the admin


def test_an_edit_in_the_admin_is_logged_and_applies_at_once(client, seeded):
    root = make_user("root", Role.COMPANY_ADMIN, is_superuser=True, is_staff=True)
    client.force_login(root)
    monday = at(2026, 11, 23, 9, 0)
    assert deadline(monday, 480) == at(2026, 11, 24, 9, 0)  # the cache is warm now
    response = client.post(
        "/admin/core/calendarday/add/", {"date": "2026-11-24", "kind": "holiday", "name": "台风停工"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get(object_type="core.CalendarDay")
    assert entry.actor == root and entry.action == "add" and entry.changes["kind"] == "holiday"
    assert deadline(monday, 480) == at(2026, 11, 25, 9, 0)  # the admin cleared the cache


def test_the_admin_warns_about_a_missing_year(client, seeded):
    root = make_user("root", Role.COMPANY_ADMIN, is_superuser=True, is_staff=True)
    client.force_login(root)
    with time_machine.travel(at(2026, 11, 26, 10, 0), tick=True):
        page = client.get("/admin/core/calendarday/").content.decode()
    assert "2027" in page
