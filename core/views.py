from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST
from rest_framework import status
from rest_framework.authtoken.views import ObtainAuthToken as DRFObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core import notify, privacy, signin
from core.access import requires
from core.ids import parse_ids
from core.models import Delivery, Notification
from core.pages import act
from core.redirects import safe_next


@login_required
def inbox(request):
    items = list(Notification.objects.filter(user=request.user).order_by("-created_at", "-id")[:100])
    return render(request, "core/inbox.html", {"items": items})


@login_required
@require_POST
def inbox_read(request):
    ids = parse_ids(request.POST.getlist("id"))
    notify.mark_read(request.user, ids or None)
    return redirect(safe_next(request, reverse("inbox")))


@requires("core.deliveries", gettext_lazy("只有客服主管、经理和管理员可以查看外发消息记录。"))
def deliveries(request):
    """The delivery log of outside messages, dead ones first: a supervisor sees what never reached
    people and sends it again."""
    if request.method == "POST":
        ids = parse_ids(request.POST.getlist("id"))
        return act(
            request,
            lambda: notify.delivery_retry(actor=request.user, ids=ids),
            success=lambda n: gettext("已重新排队 %(n)s 条消息。") % {"n": n},
            to=reverse("deliveries"),
        )
    status = request.GET.get("status", Delivery.Status.DEAD)
    if status not in Delivery.Status.values:
        status = Delivery.Status.DEAD
    rows = list(
        notify.deliveries_visible(request.user)
        .filter(status=status)
        .select_related("notification")
        .order_by("-id")[:200]
    )
    for row in rows:
        row.masked = notify.masked_recipient(row)
    return render(
        request,
        "core/deliveries.html",
        {
            "rows": rows,
            "status": status,
            "statuses": Delivery.Status.choices,
            "retryable": status in ("dead", "failed"),
        },
    )


@login_required
@require_POST
def privacy_reveal(request, label, pk, field):
    """The full phone or ID number behind a masked one, for roles that may see it; the read is logged."""
    try:
        value = privacy.reveal(user=request.user, label=label, pk=pk, field=field, ip=request.META.get("REMOTE_ADDR"))
    except privacy.RevealRefused as exc:
        raise Http404 from exc
    except PermissionError as exc:
        raise PermissionDenied from exc
    if privacy.kind_of_label(label, field) == privacy.PHONE:
        return HttpResponse(format_html('<span class="pd-revealed"><a href="tel:{0}">{0}</a></span>', value))
    return HttpResponse(format_html('<span class="pd-revealed">{}</span>', value))


class ObtainAuthToken(DRFObtainAuthToken):
    """`POST /api/token/`: DRF's view, which passes the request to authenticate() so the sign-in
    throttle counts its failures (core/signin.py). A refused sign-in answers 429 with the lockout
    message instead of DRF's "unable to log in"."""

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            # django-axes marks the request it was given: DRF's, not the HttpRequest its middleware sees.
            if not getattr(request, "axes_locked_out", False):
                raise
        seconds = signin.lockout_seconds(request)
        return Response(
            {"detail": signin.lockout_message(request), "code": "locked_out"},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(seconds)} if seconds else None,
        )


obtain_auth_token = ObtainAuthToken.as_view()
