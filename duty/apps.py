from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "duty"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("值班与交接班")

    def ready(self):
        from core.questions import register
        from duty import rules

        register("duty.view", rules.may_view)
        register("duty.roster", rules.may_edit_roster)
        register("duty.keep", rules.may_keep_duty)
        from desk.roster import register_shift_reader
        from duty.selectors import shifts_today

        register_shift_reader(shifts_today)  # who is on duty, for the desk's dispatch and board
        from core.privacy import register_retention, register_sensitive
        from duty.models import KeyLoan
        from duty.rules import may_view

        def visible_loans(user):
            if not may_view(user):
                return KeyLoan.objects.none()
            return KeyLoan.objects.filter(project_id__in=user.project_ids())

        def purge_borrower_phones(*, company, before) -> int:
            """A returned key's borrower phone is kept for the retention period, then blanked; the
            name stays so the register still says who had the key."""
            return (
                KeyLoan.objects.filter(project__company=company, returned_at__lt=before)
                .exclude(borrower_phone="")
                .update(borrower_phone="")
            )

        register_sensitive(KeyLoan, "borrower_phone", kind="phone", visible=visible_loans)
        register_retention("duty_key_borrowers", _("钥匙借用人电话"), purge=purge_borrower_phones)
