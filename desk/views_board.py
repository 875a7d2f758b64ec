"""Pages of the supervisor's board and the dispatch form's person list (kept apart from
desk/views.py). Thin: the figures come from desk/board.py, the people from desk/dispatch.py."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.access import requires
from core.ids import parse_id
from desk import board, dispatch, rules, selectors
from desk.choices import Action
from desk.models import ServiceRequest

staff_only = requires("desk.staff", _lazy("业户请使用业主端。"))
board_viewers = requires("desk.board", _lazy("只有客服主管、客服经理、项目经理和公司管理员可以查看看板。"))


def refresh_seconds() -> int:
    """How often the board polls its figures (settings.PROPDESK_BOARD_REFRESH_SECONDS, 45 s)."""
    return getattr(settings, "PROPDESK_BOARD_REFRESH_SECONDS", 45)


def _board(request) -> board.Board:
    raw = request.GET.get("project", "")
    project_id = parse_id(raw) if raw else None
    if raw and project_id is None:
        raise Http404(_("没有找到这个项目。"))
    scope = board.scope_for(request.user, project_id)
    if scope is None:
        raise Http404(_("没有找到这个项目。"))
    return board.board(scope)


@board_viewers
def board_page(request):
    """The supervisor's board: what needs a decision now, every figure a link to its list."""
    b = _board(request)
    return render(request, "desk/board.html", {"b": b, "refresh": refresh_seconds()})


@board_viewers
def board_fragment(request):
    """htmx: the board's figures again (polled every `refresh_seconds()`), without the page around them."""
    b = _board(request)
    return render(request, "desk/_board.html", {"b": b, "refresh": refresh_seconds()})


@staff_only
def assignee_options(request, pk):
    """htmx: the dispatch or transfer form's person list after the department changed."""
    try:
        sr = selectors.request_detail(request.user, pk)
    except ServiceRequest.DoesNotExist:
        raise Http404(_("没有找到这张工单。")) from None
    action = request.GET.get("action", Action.DISPATCH)
    if action not in (Action.DISPATCH, Action.TRANSFER) or action not in rules.allowed_actions(request.user, sr):
        raise PermissionDenied(_("您现在不能派单或转单。"))
    department = parse_id(request.GET.get("department", ""))
    choices = dispatch.assignee_choices(sr.project_id, department, exclude=sr.assignee_id)
    return render(request, "desk/_assignee_options.html", {"choices": choices})
