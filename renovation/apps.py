from django.apps import AppConfig


class RenovationConfig(AppConfig):
    name = "renovation"
    default_auto_field = "django.db.models.BigAutoField"
