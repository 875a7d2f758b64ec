"""Ringing a request's caller from a phone page, through the desk's masked-number rule
(core/calls.py): the switchboard when the deployment has one, else the caller's number with the
reveal logged. Who may: `rules.may_call_caller`."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.calls import dial
from desk import rules, selectors
from desk.views import jobs_staff


@jobs_staff
@require_POST
def call_caller(request, pk):
    sr = selectors.visible_requests(request.user).filter(pk=pk).select_related("department").first()
    if sr is None:
        raise Http404(_("没有找到这张工单。"))
    if not rules.may_call_caller(request.user, sr):
        raise PermissionDenied(_("只有处理这张工单的人员和客服可以拨打业户电话。"))
    return dial(request, obj=sr, field="caller_phone")
