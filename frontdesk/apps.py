from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontdeskConfig(AppConfig):
    name = "frontdesk"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("前台")

    def ready(self):
        from core.questions import register
        from frontdesk import rules

        register("frontdesk.front", rules.is_front)
        register("frontdesk.guard", rules.is_guard)
        from core.privacy import register_retention, register_sensitive
        from frontdesk import selectors, services
        from frontdesk.models import ContractorPass, GoodsPass, Visit

        register_sensitive(Visit, "id_number", kind="id", visible=selectors.visible_visits)
        register_sensitive(Visit, "phone", kind="phone", visible=selectors.visible_visits)
        register_sensitive(GoodsPass, "carrier_id_number", kind="id", visible=selectors.visible_goods_passes)
        register_sensitive(ContractorPass, "contact_phone", kind="phone", visible=selectors.visible_contractor_passes)
        register_retention("visitor", _("访客记录"), purge=services.purge_visitor_data)
        register_retention("goods_carrier", _("放行单搬运人证件"), purge=services.purge_carrier_data)
