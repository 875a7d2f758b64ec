from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core import notify
from core.models import Notification


@login_required
def inbox(request):
    items = list(Notification.objects.filter(user=request.user).order_by("-created_at", "-id")[:100])
    return render(request, "core/inbox.html", {"items": items})


@login_required
@require_POST
def inbox_read(request):
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    notify.mark_read(request.user, ids or None)
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "inbox")
