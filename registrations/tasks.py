"""Periodic jobs of the registrations: thin wrappers over services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from registrations import services


@db_periodic_task(crontab(minute="30", hour="8"))
def remind_lease_expiry():
    """Every morning: remind the desk, the tenant and the owners of leases ending within the
    project's (or company's) reminder days; each lease once."""
    return services.lease_send_reminders()
