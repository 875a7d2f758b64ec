from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenovationConfig(AppConfig):
    name = "renovation"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("装修管理")

    def ready(self):
        from core.questions import register
        from renovation import rules

        register("renovation.browse", rules.may_browse)
        from core.privacy import register_retention, register_sensitive
        from renovation.models import Renovation, Worker
        from renovation.selectors import visible_renovations

        def workers(user):
            return Worker.objects.filter(renovation__in=visible_renovations(user))

        register_sensitive(Worker, "phone", kind="phone", visible=workers)
        register_sensitive(Worker, "id_number", kind="id", visible=workers)
        register_sensitive(Renovation, "contractor_phone", kind="phone", visible=visible_renovations)
        register_sensitive(Renovation, "owner_phone", kind="phone", visible=visible_renovations)
        register_retention("renovation_worker", _("装修工人登记"), purge=purge_workers)


def purge_workers(*, company, before) -> int:
    """Blank the ID and phone numbers of the workers of renovations that ended before `before`
    (deposit refunded, rejected or withdrawn); names stay so the history still reads."""
    from renovation.choices import State
    from renovation.models import Worker

    return (
        Worker.objects.filter(
            renovation__project__company=company,
            renovation__state__in=[State.REFUNDED, State.REJECTED, State.CANCELLED],
            renovation__updated_at__lt=before,
        )
        .exclude(id_number="", phone="")
        .update(id_number="", phone="")
    )
