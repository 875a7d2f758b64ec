"""Background work of the front desk, run by the Huey worker. Thin wrappers over services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from frontdesk import services


@db_periodic_task(crontab(minute="*/5"))
def important_mail_overdue():
    """Every five minutes: alert the desk once about important mail past its delivery time."""
    return services.parcel_overdue_alerts()
