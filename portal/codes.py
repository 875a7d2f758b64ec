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
    send_sms = getattr(notify, "send_sms", None)
    if send_sms is not None:
        send_sms(phone, code_text(code))
        return "sms"
    from portal.models import DevOutbox

    DevOutbox.objects.create(phone=phone, text=code_text(code))
    log.info("portal sign-in code for %s written to the development outbox", phone)
    return "outbox"
