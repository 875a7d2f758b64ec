from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "desk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core.privacy import register_sensitive
        from desk.models import ServiceRequest
        from desk.selectors import visible_requests

        register_sensitive(ServiceRequest, "caller_phone", kind="phone", visible=visible_requests)
