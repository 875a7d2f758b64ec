"""The task queue's side of the webhooks: thin wrappers over webhooks/sending.py."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from webhooks import sending


@db_task()
def deliver_webhooks():
    """Queued when events come in: send what is due now."""
    return sending.drain_all()


@db_periodic_task(crontab(minute="*"))
def retry_webhooks():
    """Every minute: the retries that came due, and claims a killed worker left behind."""
    return sending.drain_all()
