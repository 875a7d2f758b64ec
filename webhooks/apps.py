from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhook")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core.events import subscribe
        from core.questions import register
        from webhooks import rules, sending
        from webhooks.models import Endpoint

        register("webhooks.manage", rules.may_manage)
        subscribe(sending.LISTENER)
        # an endpoint saved anywhere (a page, the admin site) is seen by this process's next event
        post_save.connect(sending.invalidate, sender=Endpoint, dispatch_uid="webhooks-map")
        post_delete.connect(sending.invalidate, sender=Endpoint, dispatch_uid="webhooks-map-delete")
