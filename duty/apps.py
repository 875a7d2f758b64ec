from django.apps import AppConfig


class DutyConfig(AppConfig):
    name = "duty"
    default_auto_field = "django.db.models.BigAutoField"
