"""Community (社区) in the residents' app: the announcements addressed to my rooms (opening one is
the read receipt the staff's read figures count: community.services.announcement_mark_read) and
the project's activities with sign-up, cancel and the waitlist (community.services). Thin."""

from datetime import timedelta

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import selectors, services
from community.choices import ActivityState, SignupState
from community.models import Signup
from core.pages import run_service
from portal.views import resident_page


@resident_page
def notice(request, pk):
    item = selectors.resident_announcements(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404
    services.announcement_mark_read(user=request.user, announcement=item)
    return render(request, "portal/notice.html", {"notice": item})


@resident_page
def activities(request):
    user = request.user
    now = timezone.now()
    rows = list(
        selectors.with_counts(selectors.resident_activities(user))
        .filter(starts_at__gte=now - timedelta(days=30))
        .order_by("starts_at", "id")[:30]
    )
    mine = selectors.my_signups(user, [a.pk for a in rows])
    return render(request, "portal/activities.html", {"rows": [(a, mine.get(a.pk)) for a in rows]})


def _activity(request, pk):
    found = selectors.with_counts(selectors.resident_activities(request.user)).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@resident_page
def activity(request, pk):
    item = _activity(request, pk)
    signup = selectors.my_signups(request.user, [item.pk]).get(item.pk)
    return render(
        request,
        "portal/activity.html",
        {
            "activity": item,
            "signup": signup,
            "cancelled": item.state == ActivityState.CANCELLED,
            "confirmed": signup is not None and signup.state == SignupState.CONFIRMED,
            "full": item.confirmed >= item.capacity,
        },
    )


@require_POST
@resident_page
def signup(request, pk):
    item = _activity(request, pk)
    resident = getattr(request.user, "resident", None)
    if resident is None:
        raise Http404
    run_service(
        request,
        lambda: services.activity_signup(actor=request.user, activity=item, resident=resident),
        success=lambda s: (
            _("名额已满，您已进入候补，有人取消时自动递补。") if s.state == SignupState.WAITLISTED else _("报名成功！")
        ),
    )
    return redirect("portal:activity", pk=item.pk)


@require_POST
@resident_page
def signup_cancel(request, pk):
    mine = Signup.objects.filter(resident__user=request.user, activity__in=selectors.resident_activities(request.user))
    found = mine.select_related("activity", "resident").filter(pk=pk).first()
    if found is None:
        raise Http404
    run_service(request, lambda: services.signup_cancel(actor=request.user, signup=found), success=_("已取消报名。"))
    return redirect("portal:activity", pk=found.activity_id)
