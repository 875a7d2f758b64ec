from django.apps import AppConfig


class EstateConfig(AppConfig):
    name = "estate"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core.models import register_resident_projects
        from core.privacy import register_sensitive
        from core.questions import register
        from estate import rules
        from estate.models import Resident
        from estate.selectors import resident_project_ids, visible_residents

        register("estate.browse", rules.may_browse)
        register_resident_projects(resident_project_ids)

        register_sensitive(Resident, "phone", kind="phone", visible=visible_residents)
        register_sensitive(Resident, "id_number", kind="id", visible=visible_residents)
