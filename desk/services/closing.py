"""The end of a request: the return visit (an unsatisfied one reopens it), closing, cancelling and
reopening."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.choices import Role
from core.models import User
from core.notify import notify
from desk.choices import Action, Rating, State
from desk.services._common import _allowed, _require, _transition, _version_first


def _reopen_changes(request, now) -> dict:
    """Back to whoever did the work (or to the desk when nobody was assigned), with the work's
    timestamps cleared so the new round's time limits count afresh."""
    to_state = State.DISPATCHED if (request.assignee_id or request.department_id) else State.REGISTERED
    return {
        "state": to_state,
        "reopen_count": request.reopen_count + 1,
        "dispatched_at": now if to_state == State.DISPATCHED else None,
        "accepted_at": None,
        "arrived_at": None,
        "resolved_at": None,
        "replied_at": None,
        "visited_at": None,
        "closed_at": None,
    }


@_version_first
@transaction.atomic
def request_visit(*, actor, request, rating="", comment="", expected_version=None):
    _allowed(actor, request, Action.VISIT)
    if rating not in Rating.values:
        raise ValidationError({"rating": [_("请选择回访结果：满意、基本满意或不满意。")]})
    comment = comment.strip()
    if rating == Rating.UNSATISFIED and not comment:
        raise ValidationError({"comment": [_("不满意时请记录业户的意见。")]})
    event = _transition(
        actor=actor,
        request=request,
        action=Action.VISIT,
        to_state=State.VISITED,
        note=comment,
        changes={
            "rating": rating,
            "visit_comment": comment,
            "visited_at": timezone.now(),
            "unsatisfied_at": timezone.now() if rating == Rating.UNSATISFIED else None,
        },
        expected_version=expected_version,
        data={"rating": rating},
    )
    if rating == Rating.UNSATISFIED:
        # Unsatisfied reopens the request: back to whoever did the work, to be done again,
        # and the supervisors hear of it.
        changes = _reopen_changes(request, timezone.now())
        _transition(
            actor=actor,
            request=request,
            action=Action.REOPEN,
            to_state=changes.pop("state"),
            note=_("回访不满意，工单重新打开：%(comment)s") % {"comment": comment},
            changes=changes,
            data={"by": "visit"},
            follows_from=Action.VISIT,
        )
        supervisors = User.objects.filter(
            is_active=True, projects=request.project_id, role__in=[Role.CS_SUPERVISOR, Role.CS_MANAGER]
        )
        notify(
            supervisors,
            title=_("回访不满意，已重新打开：%(number)s %(title)s")
            % {"number": request.number, "title": request.title},
            body=comment,
            url=f"/requests/{request.pk}/",
        )
    return event


@_version_first
@transaction.atomic
def request_close(*, actor, request, note="", expected_version=None):
    _allowed(actor, request, Action.CLOSE)
    now = timezone.now()
    changes = {"closed_at": now}
    if request.state == State.REGISTERED:
        # An invalid complaint: the explanation given to the resident is the reply (text and time,
        # as request_reply records them), so the reply deadline and the reply figures count it.
        note = _require(note, _("无效投诉结案须记录向业户所作的解释。"))
        changes.update(reply=note, replied_at=request.replied_at or now)
    return _transition(
        actor=actor,
        request=request,
        action=Action.CLOSE,
        to_state=State.CLOSED,
        note=note,
        changes=changes,
        expected_version=expected_version,
    )


@_version_first
@transaction.atomic
def request_cancel(*, actor, request, note="", expected_version=None):
    _allowed(actor, request, Action.CANCEL)
    note = _require(note, _("取消须说明原因。"))
    return _transition(
        actor=actor,
        request=request,
        action=Action.CANCEL,
        to_state=State.CANCELLED,
        note=note,
        changes={"closed_at": timezone.now()},
        expected_version=expected_version,
    )


@_version_first
@transaction.atomic
def request_reopen(*, actor, request, note="", expected_version=None):
    _allowed(actor, request, Action.REOPEN)
    note = _require(note, _("重新打开须说明原因。"))
    changes = _reopen_changes(request, timezone.now())
    return _transition(
        actor=actor,
        request=request,
        action=Action.REOPEN,
        to_state=changes.pop("state"),
        note=note,
        changes=changes,
        expected_version=expected_version,
    )
