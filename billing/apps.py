from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("收费")
    # Demo data, in order (desk/demo.py seed_other_apps): the cashier side's year of bills first,
    # then the arrears side's dunning history, plan and dispute on top of them.
    demo_modules = ("billing.demo", "billing.demo_arrears")

    def ready(self):
        from billing import rules, tasks_arrears, timeline_arrears  # noqa: F401 -- tasks and the timeline register
        from core.questions import register

        # the cashier side: the questions its menus and pages ask
        register("billing.accounts", rules.may_view_accounts)
        register("billing.cashier", rules.may_see_cashier)
        register("billing.runs", rules.may_run_billing)
        register("billing.readings", rules.may_record_readings)
        # the arrears side
        register("billing.ledger", rules.may_view_ledger)
        register("billing.dun", rules.may_dun)
        register("billing.figures", rules.may_see_figures)
