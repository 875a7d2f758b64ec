"""Background work of the community pages, run by the Huey worker: thin wrappers over services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from community import services


@db_periodic_task(crontab(minute="*"))
def publish_due_announcements():
    """Publish the scheduled announcements whose time has come (each claimed once, see services)."""
    return services.publish_due()
