"""Calling a resident from a phone page without putting the number on the page.

The page shows a call button (`button_html`; in templates `{% call_button url label %}`,
core/templatetags/calls.py). What it dials depends on the deployment:

- `PROPDESK_CALL_THROUGH` set (the company's switchboard or masked-call gateway, e.g.
  `4008001234`): the button is a plain `tel:` link to that number. No personal number leaves the
  server, so nothing is revealed and nothing is logged.
- otherwise the button POSTs to a small endpoint of the app that owns the record. The endpoint
  checks the caller's need with its own rule (a technician for the resident of his job, a guard
  for the owner of a pass waiting at the gate), then answers with `dial(...)`: the reveal is
  logged (core.privacy.log_reveal) and the answer is a redirect to `tel:<number>`. The phone opens
  its dialer and the page stays where it was.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db.models import Model
from django.http import Http404, HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext as _

from core.privacy import PHONE, log_reveal
from core.signin import client_ip

# What a tel: URI may carry besides digits: a leading +, and the pause (,) and wait (;) that
# dial an extension after the switchboard answers.
_NOT_DIALLED = re.compile(r"[^0-9+,;]")


def dial_string(number: str) -> str:
    """'0571-8888 6666,123' -> '057188886666,123': what the dialer needs, nothing else."""
    return _NOT_DIALLED.sub("", number or "")


def call_through() -> str:
    """The switchboard every call goes through, when the deployment has one ('' otherwise)."""
    return dial_string(getattr(settings, "PROPDESK_CALL_THROUGH", "") or "")


class TelRedirect(HttpResponseRedirect):
    """A redirect to a tel: URI (Django's redirects allow only http, https and ftp)."""

    allowed_schemes = ["tel"]


def dial(request, *, obj: Model, field: str) -> HttpResponseRedirect:
    """The answer of a call endpoint whose rule has let this user call: the switchboard when there is
    one (nothing revealed), else the number in `obj.field`, its reveal logged."""
    through = call_through()
    if through:
        return TelRedirect(f"tel:{through}")
    number = dial_string(str(getattr(obj, field, "") or ""))
    if not number:
        raise Http404
    log_reveal(user=request.user, obj=obj, field=field, kind=PHONE, ip=client_ip(request))
    return TelRedirect(f"tel:{number}")


def button_html(url: str, label: str, *, csrf_token: str, css: str = "btn-success") -> str:
    """A full-width call button: a tel: link to the switchboard when there is one, else a POST to
    `url`, the record's call endpoint."""
    through = call_through()
    if through:
        return format_html(
            '<a class="btn {} w-100 pd-call" href="tel:{}" title="{}">{}</a>',
            css,
            through,
            _("经总机转接，不显示业户号码"),
            label,
        )
    return format_html(
        '<form method="post" action="{}" class="pd-call-form">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<button class="btn {} w-100 pd-call" title="{}">{}</button></form>',
        url,
        csrf_token,
        css,
        _("拨打业户电话（将被记录）"),
        label,
    )
