from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from safety import services


@db_periodic_task(crontab(minute="*/10"))
def mark_missed_patrols():
    """Scheduled patrols whose grace time passed without a start are recorded as missed."""
    return services.runs_mark_missed()
