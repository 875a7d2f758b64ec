"""Background work of the money side, run by the Huey worker: thin wrappers over the services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from billing.services import runs


@db_task()
def run_billing(run_id: int):
    """A billing run, chunk by chunk (billing/services/runs.py)."""
    return runs.billing_run_execute(run_id=run_id).state


@db_periodic_task(crontab(minute="*/5"))
def resume_stale_billing_runs():
    """A run whose worker died half way is queued again from its last committed chunk."""
    return runs.resume_stale_runs()


@db_task()
def notify_run_bills(run_id: int):
    """A finished run's bills told to the rooms' paying residents, in bulk (billing/notices.py)."""
    from billing.notices import run_bills_notify

    return run_bills_notify(run_id)


@db_task()
def notify_payment(entry_id: int):
    """A payment taken at the desk told to the room's paying residents (billing/notices.py)."""
    from billing.models import Entry
    from billing.notices import payment_posted_notify

    entry = Entry.objects.select_related("room").filter(pk=entry_id).first()
    return payment_posted_notify(entry) if entry is not None else 0
