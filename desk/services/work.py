"""The work itself: on site, paused and resumed, resolved (with photos), the reply to the resident,
and files added along the way."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ActionRefused
from core.notify import notify
from core.uploads import check_uploads
from desk import resident_notices, rules, sla
from desk.choices import Action, Kind, State
from desk.models import Attachment, RequestEvent
from desk.services._common import _allowed, _require, _transition, _version_first


@_version_first
@transaction.atomic
def request_arrive(*, actor, request, note="", expected_version=None):
    return _transition(
        actor=actor,
        request=request,
        action=Action.ARRIVE,
        to_state=State.IN_PROGRESS,
        note=note,
        changes={"arrived_at": request.arrived_at or timezone.now()},
        expected_version=expected_version,
    )


@_version_first
@transaction.atomic
def request_pause(*, actor, request, note="", expected_version=None):
    _allowed(actor, request, Action.PAUSE)
    note = _require(note, _("暂停须说明原因（如等待配件、等待业户）。"))
    return _transition(
        actor=actor,
        request=request,
        action=Action.PAUSE,
        to_state=State.PAUSED,
        note=note,
        changes={"pause_reason": note[:200]},
        expected_version=expected_version,
        data={"from": request.state},
    )


@_version_first
@transaction.atomic
def request_resume(*, actor, request, note="", expected_version=None):
    """Back to where the pause began: accepted (nobody on site yet) or in progress."""
    _allowed(actor, request, Action.RESUME)
    paused = RequestEvent.objects.filter(request=request, action=Action.PAUSE).order_by("-at", "-id").first()
    back_to = paused.from_state if paused else None
    return _transition(
        actor=actor,
        request=request,
        action=Action.RESUME,
        to_state=back_to if back_to in (State.ACCEPTED, State.IN_PROGRESS) else State.IN_PROGRESS,
        note=note,
        changes={"pause_reason": ""},
        expected_version=expected_version,
    )


def _attach_files(*, actor, request, event, checked) -> list[Attachment]:
    """Store files already passed by core.uploads.check_uploads."""
    saved = []
    for upload, content_type, ext in checked:
        attachment = Attachment(
            request=request,
            event=event,
            name=upload.name[:200],
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor,
        )
        attachment.file.save(f"{timezone.now():%d%H%M%S}-{len(saved)}.{ext}", upload, save=False)
        attachment.save()
        saved.append(attachment)
    return saved


@_version_first
@transaction.atomic
def request_resolve(*, actor, request, result="", files=(), paid=None, expected_version=None):
    _allowed(actor, request, Action.RESOLVE)
    result = _require(result, _("请填写处理结果。"), field="result")
    checked = check_uploads(files, field="photos")
    changes = {"result": result, "resolved_at": timezone.now(), "implementer": actor, "pause_reason": ""}
    if paid is not None:
        if request.kind != Kind.REPAIR:
            raise ValidationError({"paid": [_("只有报修区分有偿与无偿。")]})
        changes["paid"] = paid  # confirmed on site
    changes["needs_return_visit"] = sla.choose_return_visit(request, paid=changes.get("paid", request.paid))
    event = _transition(
        actor=actor,
        request=request,
        action=Action.RESOLVE,
        to_state=State.RESOLVED,
        note=result,
        changes=changes,
        expected_version=expected_version,
    )
    _attach_files(actor=actor, request=request, event=event, checked=checked)
    resident_notices.tell_residents(request, "request_resolved")
    return event


@_version_first
@transaction.atomic
def request_reply(*, actor, request, reply="", expected_version=None):
    _allowed(actor, request, Action.REPLY)
    reply = _require(reply, _("请填写回复业户的内容。"), field="reply")
    # After resolution this is the final reply (state: replied). Before it, an interim reply
    # (first feedback to the resident) is recorded and meets the reply time limit; the state stays.
    final = request.state == State.RESOLVED
    return _transition(
        actor=actor,
        request=request,
        action=Action.REPLY,
        to_state=State.REPLIED if final else request.state,
        note=reply,
        changes={"reply": reply, "replied_at": request.replied_at or timezone.now()},
        expected_version=expected_version,
        data={} if final else {"interim": True},
    )


@_version_first
@transaction.atomic
def request_attach(*, actor, request, files, note="", expected_version=None):
    _allowed(actor, request, Action.ATTACH)
    if not files:
        raise ValidationError({"photos": [_("请选择要上传的文件。")]})
    checked = check_uploads(files, field="photos")
    event = _transition(
        actor=actor,
        request=request,
        action=Action.ATTACH,
        to_state=request.state,
        note=note,
        expected_version=expected_version,
        data={"count": len(files)},
    )
    return _attach_files(actor=actor, request=request, event=event, checked=checked)


@_version_first
@transaction.atomic
def request_message(*, actor, request, text="", files=(), expected_version=None):
    """A resident's message (and photos) on their own request's timeline, from the residents'
    pages: an ATTACH entry marked as a message; whoever has the work (else the first receiver) is
    told."""
    reason = rules.message_refusal(actor, request)
    if reason:
        raise ActionRefused(reason)
    text = (text or "").strip()
    if not text and not files:
        raise ValidationError({"text": [_("请写下留言或选择照片。")]})
    checked = check_uploads(files, field="photos", images_only=True) if files else []
    event = _transition(
        actor=actor,
        request=request,
        action=Action.ATTACH,
        to_state=request.state,
        note=text,
        expected_version=expected_version,
        data={"count": len(files), "message": True},
        follows_from="message",  # checked above: message_refusal, not the staff's ATTACH rule
    )
    _attach_files(actor=actor, request=request, event=event, checked=checked)
    told = request.assignee if request.assignee_id else request.receiver
    if told is not None and told.pk != actor.pk and not told.is_resident:
        notify(
            [told],
            title=_("业户留言：%(number)s %(title)s") % {"number": request.number, "title": request.title},
            body=text,
            url=f"/requests/{request.pk}/",
        )
    return event
