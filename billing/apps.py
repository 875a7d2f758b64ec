from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("收费")

    def ready(self):
        # ---- the cashier side (helper "money"): the questions its menus and pages ask
        from billing import rules
        from core.questions import register

        register("billing.accounts", rules.may_view_accounts)
        register("billing.cashier", rules.may_see_cashier)
        register("billing.runs", rules.may_run_billing)
        register("billing.readings", rules.may_record_readings)
