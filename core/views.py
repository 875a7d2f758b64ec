from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from core import notify, privacy
from core.ids import parse_ids
from core.models import Notification


@login_required
def inbox(request):
    items = list(Notification.objects.filter(user=request.user).order_by("-created_at", "-id")[:100])
    return render(request, "core/inbox.html", {"items": items})


@login_required
@require_POST
def inbox_read(request):
    ids = parse_ids(request.POST.getlist("id"))
    notify.mark_read(request.user, ids or None)
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "inbox")


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
