from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core import signin  # noqa: F401  (connects the sign-in audit receivers)
        from core.questions import register

        register("core.inbox", lambda user: True)  # every signed-in user has an inbox (core.views.inbox)
        register("core.resident", lambda user: user.is_resident)  # the API's "a resident, for their own records"
        from core.notify import may_see_deliveries

        register("core.deliveries", may_see_deliveries)  # the dead letters page (core.views.deliveries)
