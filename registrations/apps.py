from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "registrations"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("入住/出租/过户登记")

    def ready(self):
        from core.questions import register
        from registrations import rules

        register("registrations.use", rules.may_use)
        from core.privacy import register_sensitive
        from registrations import selectors
        from registrations.models import Lease, MoveIn, Transfer

        register_sensitive(Lease, "tenant_phone", kind="phone", visible=selectors.visible_leases)
        register_sensitive(Lease, "id_number", kind="id", visible=selectors.visible_leases)
        register_sensitive(Lease, "emergency_phone", kind="phone", visible=selectors.visible_leases)
        register_sensitive(MoveIn, "person_phone", kind="phone", visible=selectors.visible_moveins)
        register_sensitive(Transfer, "new_owner_phone", kind="phone", visible=selectors.visible_transfers)
