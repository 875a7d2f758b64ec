"""Refused and failed pages as pages of the product (propdesk/urls.py handler400/403/404/500): the
navigation, the user's language, and the reason the refusal carries when there is one (the
message of `PermissionDenied(...)` from `core.access.requires` and the rules, of `Http404(...)`
from the views), instead of Django's bare English text.

The 500 page is drawn without the request's context processors and without the base template,
so it needs neither the database nor the session: it must show when they are what failed.
"""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token


def reason_of(exception) -> str:
    """The message a refusal was raised with, if it is one written for people: Django's own
    internals (no URL matched, get_object_or_404's "No Room matches the given query.") say
    nothing the user can act on."""
    if exception is None or isinstance(exception, Resolver404) or not exception.args:
        return ""
    message = exception.args[0]
    if not isinstance(message, str | Promise):
        return ""
    message = str(message)
    if "matches the given query" in message:
        return ""
    return message


def _page(request, status: int, title: str, reason: str, hint: str):
    context = {"status": status, "title": title, "reason": reason, "hint": hint}
    return render(request, "errors/page.html", context, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    # A SuspiciousOperation's message is for the server's log, not for the visitor.
    return _page(request, 400, _("请求无效"), "", _("页面收到的内容不完整或格式不对。请返回上一页重新操作。"))


@requires_csrf_token
def permission_denied(request, exception=None):
    return _page(
        request,
        403,
        _("没有权限"),
        reason_of(exception),
        _("您的岗位不能打开这个页面或执行这个操作。如需办理，请联系客服主管或管理员。"),
    )


@requires_csrf_token
def page_not_found(request, exception=None):
    return _page(
        request,
        404,
        _("没有找到"),
        reason_of(exception),
        _("链接可能已失效，或者这条记录不在您负责的项目里。"),
    )


@requires_csrf_token
def server_error(request):
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"request_path": request.path}))
