"""The technician's phone page's own small views (the page itself is `desk.views.my_jobs`, its
cards desk/jobs.py): the form behind an action, fetched when tapped, and the call button."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.calls import dial
from desk import jobs, rules, selectors
from desk.choices import Action
from desk.forms import ActionForm
from desk.views import jobs_staff


def _visible(user, pk):
    sr = selectors.visible_requests(user).filter(pk=pk).select_related("department", "category").first()
    if sr is None:
        raise Http404(_("没有找到这张工单。"))
    return sr


@jobs_staff
def action_form(request, pk, action):
    """The form behind a card's "完成…", "暂停…" or "退单…" (htmx). When the request's state no
    longer allows the action (someone else moved it on), the reason comes in place of the form."""
    if action not in jobs.JOB_ACTIONS or action in jobs.ONE_TAP:
        raise Http404
    sr = _visible(request.user, pk)
    refusal = rules.refusal(request.user, sr, action)
    if refusal and sr.state in rules.FROM_STATES[action]:
        raise PermissionDenied(refusal)  # not this user's to do, whatever the state
    context = {
        "sr": sr,
        "action": action,
        "label": Action(action).label,
        "form": None if refusal else ActionForm(action=action, request_obj=sr),
        "refusal": refusal,
        "next": f"{reverse('desk:jobs')}#job-{sr.pk}",
    }
    return render(request, "desk/_job_action_form.html", context)


@jobs_staff
@require_POST
def call_caller(request, pk):
    """Ring the request's caller through the desk's masked-number rule (core/calls.py): the
    switchboard when the deployment has one, else the caller's number with the reveal logged."""
    sr = _visible(request.user, pk)
    if not rules.may_call_caller(request.user, sr):
        raise PermissionDenied(_("只有处理这张工单的人员和客服可以拨打业户电话。"))
    return dial(request, obj=sr, field="caller_phone")
