from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("社区工作")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from community import selectors, services
        from community.models import VisitGroup
        from core.privacy import register_retention, register_sensitive
        from core.questions import register

        register("community.staff", selectors.is_community_staff)
        register("community.resident", selectors.is_resident)
        register("community.phrases", selectors.uses_phrases)
        register("community.edit_phrases", selectors.may_edit_phrases)

        register_sensitive(VisitGroup, "contact_phone", kind="phone", visible=selectors.sensitive_visits)
        register_retention("visit_group", _("参观团体联系人"), purge=services.visit_purge_personal)
