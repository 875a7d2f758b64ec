"""Background work of the community pages, run by the Huey worker: thin wrappers over services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from community import services


@db_periodic_task(crontab(minute="*"))
def publish_due_announcements():
    """Publish the scheduled announcements whose time has come (each claimed once, see services)."""
    return services.publish_due()


@db_task()
def tell_announcement(announcement_id: int):
    """A published announcement told to its audience's residents, once (community/notices.py)."""
    from community.notices import announcement_tell

    return announcement_tell(announcement_id)


@db_periodic_task(crontab(minute="*"))
def tell_untold_announcements():
    """What a worker killed half way left untold is queued again."""
    from community.notices import tell_untold

    return tell_untold()
