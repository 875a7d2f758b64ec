"""Sending a sign-in code: through `core.notify.send_sms` when that channel exists, else into the
development outbox (DevOutbox, shown on the sign-in page when DEBUG) and the log."""

import logging

from django.utils.translation import gettext as _

from core import notify

log = logging.getLogger(__name__)


def code_text(code: str) -> str:
    return _("您的登录验证码是 %(code)s，5 分钟内有效。请勿告诉他人。") % {"code": code}


def send_code(phone: str, code: str) -> str:
    """Send `code` to `phone`; returns where it went ("sms" or "outbox")."""
    from django.conf import settings

    from portal.models import DevOutbox

    notify.send_sms(phone, code_text(code), sensitive=True)
    if not getattr(settings, "PROPDESK_SMS_BACKEND", "").endswith("RecordingSms"):
        return "sms"
    # The development backend sends nothing: the code is also kept where the sign-in page and the
    # tests read it.

    DevOutbox.objects.create(phone=phone, text=code_text(code))
    log.info("portal sign-in code for %s written to the development outbox", phone)
    return "outbox"
