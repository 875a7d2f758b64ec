from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from core import calendar, notify
from core.choices import Role
from core.models import User


@db_periodic_task(crontab(minute="*"))
def send_notifications():
    """Send what waits in the notification outbox (email and any other outside channel)."""
    return notify.send_pending()


@db_periodic_task(crontab(minute="5", hour="8"))
def check_calendar():
    """Every morning: tell the administrators when this year or next is missing from the holiday table."""
    return report_missing_calendar_years()


def report_missing_calendar_years() -> list[int]:
    from django.db.models import Q
    from django.utils.translation import gettext as _
    from django.utils.translation import pgettext

    from core.models import Notification

    missing = calendar.missing_years()
    if not missing:
        return []
    title = _("节假日表缺少 %(years)s 年：请在管理后台录入法定节假日和调休，否则按周一至周五计算工作日。") % {
        "years": pgettext("list separator", "、").join(str(y) for y in missing)
    }
    admins = User.objects.filter(is_active=True).filter(Q(role=Role.COMPANY_ADMIN) | Q(is_superuser=True))
    already = set(Notification.objects.filter(title=title, read_at__isnull=True).values_list("user_id", flat=True))
    notify.notify([a for a in admins if a.pk not in already], title=title, url="/admin/core/calendarday/")
    return missing


@db_periodic_task(crontab(minute="30", hour="3"))
def purge_personal_data():
    """Every night: clear visitor-type personal data older than each company's retention period."""
    from core import privacy

    return len(privacy.purge_expired())


@db_periodic_task(crontab(minute="17"))
def purge_idempotency_keys():
    """Every hour: delete the API's idempotency keys past their 24 hours (core/idempotency.py)."""
    from core import idempotency

    return idempotency.purge_expired()
