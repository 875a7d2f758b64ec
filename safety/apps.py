from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    name = "safety"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("巡检与应急")

    def ready(self):
        from core.questions import register
        from safety import rules

        register("safety.patrols", rules.sees_patrols)
        register("safety.incidents", rules.sees_incidents)
        register("safety.handle_incidents", rules.handles_incidents)
        register("safety.setup", rules.maintains_setup)
