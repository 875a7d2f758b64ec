"""Sending a sign-in code: through `core.notify.send_sms` when that channel exists, else into the
development outbox (DevOutbox, shown on the sign-in page when DEBUG) and the console's log."""

import logging

from django.utils.translation import gettext as _

from core import notify

log = logging.getLogger(__name__)


def code_text(code: str) -> str:
    return _("您的登录验证码是 %(code)s，5 分钟内有效。请勿告诉他人。") % {"code": code}


def development_backend() -> bool:
    """The recording SMS backend of development: nothing leaves the machine."""
    from django.conf import settings

    return getattr(settings, "PROPDESK_SMS_BACKEND", "").endswith("RecordingSms")


def send_code(phone: str, code: str) -> str:
    """Send `code` to `phone`; returns where it went ("sms" or "outbox")."""
    from portal.models import DevOutbox

    notify.send_sms(phone, code_text(code), sensitive=True)
    if not development_backend():
        return "sms"
    # The development backend sends nothing: the code is also kept where the sign-in page and the
    # tests read it.

    DevOutbox.objects.create(phone=phone, text=code_text(code))
    # on the console of `dev.py run` (the root logger shows warnings): nothing else would show it
    log.warning("development SMS backend, nothing sent: sign-in code for %s is %s", phone, code)
    return "outbox"
