"""A resident's messages (/my/inbox/): what PropDesk told them in the app (their request dispatched
or resolved, a parcel, a visitor at the gate, a bill, an announcement: core.Notification rows, the
in-app channel of core/notify.py). Opening one marks it read and leads to the page it is about."""

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core import notify
from core.models import Notification
from core.paging import keyset_page
from portal.views import resident_page


def _mine(request):
    return Notification.objects.filter(user=request.user)


def _where(url: str) -> str:
    """Only the residents' own pages are followed (a message's link is one of ours; anything else
    stays on the list)."""
    return url if url.startswith("/my/") else ""


@resident_page
def inbox(request):
    page = keyset_page(_mine(request), request.GET.get("after"), size=30, order=("-created_at", "-id"))
    for note in page.rows:
        note.where = _where(note.url)
    return render(request, "portal/inbox.html", {"page": page})


@resident_page
def inbox_open(request, pk):
    note = get_object_or_404(_mine(request), pk=pk)
    notify.mark_read(request.user, [note.pk])
    return redirect(_where(note.url) or "portal:inbox")


@require_POST
@resident_page
def inbox_read(request):
    notify.mark_read(request.user)
    return redirect("portal:inbox")
