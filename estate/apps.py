from django.apps import AppConfig


class EstateConfig(AppConfig):
    name = "estate"
    default_auto_field = "django.db.models.BigAutoField"
