"""Sign-in throttling (django-axes, settings in propdesk/settings.py, docs/operations.md).

After `AXES_FAILURE_LIMIT` failed sign-ins for one account, or from one address, signing in is
refused for `AXES_COOLOFF_TIME`, on the sign-in page, the admin's and `POST /api/token/` alike,
even with the right password. Every failure and every lockout is written to the change log
(AuditEntry, never a password); an administrator lifts a lockout by deleting its access attempt
in the admin (audited too, core/admin.py) or with `manage.py axes_reset_username`.
"""

from __future__ import annotations

import math

from axes.helpers import get_client_username, get_cool_off
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.audit import audit_signin


def client_ip(request: HttpRequest) -> str | None:
    """The address a sign-in came from: REMOTE_ADDR, or behind `PROPDESK_PROXY_COUNT` trusted
    proxies (nginx) the address the nearest of them saw, read from the right of X-Forwarded-For
    (entries further left are written by the client and prove nothing)."""
    proxies = settings.PROPDESK_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def lockout_message(request: HttpRequest | None = None) -> str:
    """What a locked-out user is told: for how long, and that an administrator can lift it."""
    cool_off = get_cool_off(request)
    if not cool_off:
        return _("登录失败次数过多，账号已被锁定。请联系管理员解除锁定。")
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60))
    return ngettext(
        "登录失败次数过多，已锁定 %(minutes)s 分钟：请 %(minutes)s 分钟后再试，或请管理员解除锁定。",
        "登录失败次数过多，已锁定 %(minutes)s 分钟：请 %(minutes)s 分钟后再试，或请管理员解除锁定。",
        minutes,
    ) % {"minutes": minutes}


def lockout_seconds(request: HttpRequest | None = None) -> int | None:
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds()) if cool_off else None


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the sign-in page again with the lockout message (429); JSON for the API."""
    message = lockout_message(request)
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"detail": message, "code": "locked_out"}, status=status)
    else:
        username = get_client_username(request, credentials) or ""
        form = AuthenticationForm(request, initial={"username": username})
        next_url = request.POST.get("next", "") or request.GET.get("next", "")
        context = {"form": form, "locked_out": message, "next": next_url}
        response = render(request, "registration/login.html", context, status=status)
    seconds = lockout_seconds(request)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


def _where(request) -> tuple[str | None, str]:
    if request is None:
        return None, ""
    ip = getattr(request, "axes_ip_address", None) or client_ip(request)
    return ip, request.META.get("PATH_INFO", "")[:200]


@receiver(user_login_failed, dispatch_uid="core.signin.login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs):
    """Django sends this for every failed sign-in (wrong password, unknown user, or refused while
    locked out). `credentials` arrive with the password already blanked; only the name is kept."""
    ip, path = _where(request)
    username = (credentials or {}).get("username") or ""
    audit_signin(action="login_failed", username=username, ip=ip, path=path)


@receiver(user_locked_out, dispatch_uid="core.signin.locked_out")
def record_locked_out(sender, request, username, ip_address, **kwargs):
    """django-axes sends this when a sign-in is refused because of too many failures."""
    _ip, path = _where(request)
    audit_signin(action="locked_out", username=username or "", ip=ip_address, path=path)


# ------------------------------------------------------------------ sign-in by a one-time code

# django-axes counts password attempts; a resident signing in with a code sent to their phone is
# counted by the residents' own lockout (portal/services.py, per phone). Axes' bookkeeping at a
# successful sign-in (expired attempts swept, an access-log row, the account's attempts reset:
# three statements and a forced session save) is skipped for those sign-ins and kept for passwords.
CODE_SIGNIN = "signin_by_code"


def _axes_logged_in(sender, request=None, user=None, **kwargs):
    from axes.signals import handle_user_logged_in

    if request is not None and getattr(request, CODE_SIGNIN, False):
        return
    handle_user_logged_in(sender, request=request, user=user, **kwargs)


def _replace_axes_logged_in() -> None:
    from axes.signals import handle_user_logged_in
    from django.contrib.auth.signals import user_logged_in

    if user_logged_in.disconnect(handle_user_logged_in):
        user_logged_in.connect(_axes_logged_in, dispatch_uid="core.signin.axes_logged_in", weak=False)


_replace_axes_logged_in()


# ------------------------------------------------------------------ messages do not outlive their reader

# A message queued for one person and not yet shown (the page they left before it was drawn) must
# not greet the next person to sign in on a shared desk computer: it can name a resident or a
# request. Pending messages are dropped when anyone signs in or out; messages added after that
# (the sign-in page's own) are kept.


def _drop_pending_messages(sender, request=None, **kwargs):
    if request is None or not hasattr(request, "_messages"):
        return
    from django.contrib import messages

    storage = messages.get_messages(request)
    for _message in storage:
        pass
    storage.used = True


def _connect_message_drop() -> None:
    from django.contrib.auth.signals import user_logged_in, user_logged_out

    user_logged_in.connect(_drop_pending_messages, dispatch_uid="core.signin.drop_messages_in", weak=False)
    user_logged_out.connect(_drop_pending_messages, dispatch_uid="core.signin.drop_messages_out", weak=False)


_connect_message_drop()
