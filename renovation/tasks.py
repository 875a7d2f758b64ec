"""Background work of renovation, run by the Huey worker. Thin wrappers over services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from renovation import services


@db_periodic_task(crontab(minute="*/15"))
def remind_overdue_reviews():
    """Tell the reviewers once about each application past its review deadline."""
    return services.remind_due()
