from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "desk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core.questions import register
        from desk import rules

        register("desk.home", rules.has_desk_home)
        register("desk.board", rules.may_view_board)
        register("desk.intake", rules.is_desklike)
        register("desk.visits", rules.is_desklike)
        register("desk.jobs", rules.may_view_jobs)
        register("desk.staff", lambda user: not user.is_resident)
        from core.privacy import register_sensitive
        from desk.models import ServiceRequest
        from desk.selectors import visible_requests

        register_sensitive(ServiceRequest, "caller_phone", kind="phone", visible=visible_requests)
