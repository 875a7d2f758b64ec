"""Periodic jobs of the arrears side: thin wrappers over services (imported by billing/apps.py so the
task queue finds them beside the cashier side's billing/tasks.py)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from billing import services


@db_periodic_task(crontab(minute="10", hour="3", day="1"))
def charge_late_fees():
    """On the first of each month: the late fees accrued last month, in the companies that charge
    them (off by default)."""
    return services.late_fees_charge()


@db_periodic_task(crontab(minute="20", hour="3"))
def refresh_payment_plans():
    """Every night: instalments' paid amounts from the payments; plans done or broken."""
    return services.payment_plans_refresh()
