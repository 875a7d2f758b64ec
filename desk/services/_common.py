"""The transition engine every request service shares: the version check that comes first, the
rules check, the text limits, and `_transition`, the compare-and-swap on the request's version that
changes its state and writes its timeline entry."""

from functools import wraps

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ActionRefused, Conflict
from core.text import check_text_lengths, text_limit
from desk import events, notifications, rules, sla
from desk.models import RequestEvent, ServiceRequest


def _require(value: str, message: str, field: str = "note") -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [message]})
    return value


def _version_first(service):
    """A stale `expected_version` is a conflict, whatever else would be wrong: checked before the
    rules and the input, so the caller who read an older version learns that (409), not that the
    action no longer fits the new state (403). `_transition`'s guarded UPDATE stays the backstop
    for a change made between this check and the write."""

    @wraps(service)
    def checked(*, request, expected_version=None, **kwargs):
        if expected_version is not None and expected_version != request.version:
            raise Conflict(_("这张工单刚被其他人修改过，请刷新后再试。"))
        return service(request=request, expected_version=expected_version, **kwargs)

    return checked


# The request's free text an action writes, by model field, and the name the user typed it under.


_TEXTS = {"result": "result", "reply": "reply", "visit_comment": "comment"}


def _check_text(note: str, changes: dict) -> None:
    """Refuse text longer than its field takes; `note` is checked when it is not one of them
    (resolve, reply and visit write their text into the timeline entry too)."""
    texts = {_TEXTS[f]: (value, text_limit(ServiceRequest, f)) for f, value in changes.items() if f in _TEXTS}
    check_text_lengths(texts or {"note": (note, text_limit(RequestEvent, "note"))})


def _allowed(actor, request, action) -> None:
    """Refuse before looking at the input: a user who may not act learns why, not what to fill in."""
    reason = rules.refusal(actor, request, action)
    if reason:
        raise ActionRefused(reason)


def _transition(
    *,
    actor,
    request: ServiceRequest,
    action: str,
    to_state: int,
    note: str = "",
    changes: dict | None = None,
    expected_version: int | None = None,
    data: dict | None = None,
    follows_from: str = "",
) -> RequestEvent:
    """Change the request's state with a compare-and-swap on its version and write the timeline
    entry. `follows_from` names the action this one is the consequence of (a reopen caused by an
    unsatisfied visit): the rules were checked for that action, not for this one."""
    if not follows_from:
        _allowed(actor, request, action)
    _check_text(note, changes or {})
    version = request.version if expected_version is None else expected_version
    if version != request.version:
        raise Conflict(_("这张工单刚被其他人修改过，请刷新后再试。"))
    now = timezone.now()
    changes = dict(changes or {})
    updated = ServiceRequest.objects.filter(pk=request.pk, version=version, state=request.state).update(
        state=to_state, version=version + 1, updated_at=now, **changes
    )
    if updated != 1:
        raise Conflict(_("这张工单刚被其他人修改过，请刷新后再试。"))
    event = RequestEvent.objects.create(
        request=request,
        actor=actor,
        at=now,
        action=action,
        from_state=request.state,
        to_state=to_state,
        note=note,
        data=data or {},
    )
    for field, value in changes.items():
        setattr(request, field, value)
    request.state, request.version, request.updated_at = to_state, version + 1, now
    sla.after_action(request, action, now)
    notifications.after_action(actor=actor, request=request, action=action, event=event)  # who is told at once
    events.transitioned(request, event)  # listeners outside the desk (webhooks), once this commits
    return event
