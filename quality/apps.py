from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "quality"
    verbose_name = _("品质管理")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core.questions import register
        from quality import rules

        register("quality.closeout", rules.may_view_closeout)
        register("quality.sign_closeout", rules.may_sign_closeout)
        register("quality.review", rules.may_view_review)
