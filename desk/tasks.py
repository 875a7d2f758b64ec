"""Background work of the desk, run by the Huey worker (`manage.py run_huey`). Thin wrappers
over services: each can also be run by hand (`manage.py escalate`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from desk import sla


@db_periodic_task(crontab(minute="*"))
def escalate_due():
    """Fire the escalation rungs that are due. Several workers may run it at once: each rung is
    claimed atomically (desk.sla._escalate_batch), so it fires exactly once."""
    return sla.escalation_pass()
