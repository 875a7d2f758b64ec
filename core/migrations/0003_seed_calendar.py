"""Seed the holiday table for this year and next from the chinesecalendar package; a year the
package does not know yet stays missing and is reported to administrators."""

from django.db import migrations


def seed(apps, schema_editor):
    from datetime import date

    from chinese_calendar import constants

    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarYear = apps.get_model("core", "CalendarYear")
    from core.calendar import HOLIDAY_NAMES

    this_year = date.today().year
    for year in (this_year - 1, this_year, this_year + 1):
        rows = [(d, "holiday", n) for d, n in constants.holidays.items() if d.year == year]
        rows += [(d, "workday", n) for d, n in constants.workdays.items() if d.year == year]
        if not rows:
            continue
        for day, kind, name in rows:
            CalendarDay.objects.update_or_create(
                date=day, defaults={"kind": kind, "name": HOLIDAY_NAMES.get(name, name), "source": "chinesecalendar"}
            )
        CalendarYear.objects.update_or_create(year=year, defaults={"source": "chinesecalendar"})


class Migration(migrations.Migration):
    dependencies = [("core", "0002_calendar_notifications_audit")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
