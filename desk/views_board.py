"""Pages of the supervisor's board and the dispatch form's person list (kept apart from
desk/views.py). Thin: the figures come from desk/board.py, the people from desk/dispatch.py."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.access import requires
from core.ids import parse_id
from desk import dispatch, rules
from desk.choices import Action
from desk.views import _get_request

staff_only = requires("desk.staff", _lazy("业户请使用业主端。"))


@staff_only
def assignee_options(request, pk):
    """htmx: the dispatch or transfer form's person list after the department changed."""
    sr = _get_request(request.user, pk)
    action = request.GET.get("action", Action.DISPATCH)
    if action not in (Action.DISPATCH, Action.TRANSFER) or action not in rules.allowed_actions(request.user, sr):
        raise PermissionDenied(_("您现在不能派单或转单。"))
    department = parse_id(request.GET.get("department", ""))
    choices = dispatch.assignee_choices(sr.project_id, department, exclude=sr.assignee_id)
    return render(request, "desk/_assignee_options.html", {"choices": choices})
