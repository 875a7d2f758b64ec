"""The request API's rows, built directly from the row objects: the list's rows
(`request_list_rows`) and a request's detail (`request_detail_data`), exactly what
RequestListSerializer and RequestDetailSerializer in desk/api.py give. The serializers stay the
schema and the reference (desk/fragment_check.py compares, desk/tests/test_fragments.py runs it);
these exist for speed: a ModelSerializer with nine nested fields, or sixty field objects per
detail, cost more per call than the queries (docs/performance.md)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from core.templatetags.propdesk import choice_labels
from desk import rules, sla
from desk.models import RequestEvent, ServiceRequest
from estate.api import PhoneField


def open_deadlines(sr: ServiceRequest, now) -> list[dict]:
    """Each step still open with its deadline, as the API gives it (desk/sla.py's plan); while the
    clock is paused none is overdue."""
    when = _DATETIME.to_representation
    rows = []
    for step, entry in sla.pending_steps(sr):
        due = parse_datetime(entry["due"])
        rows.append(
            {
                "step": step,
                "step_display": str(sla.step_label(step)),
                "due": when(due),
                "overdue": not sr.paused_at and due <= now,
            }
        )
    return rows


_DATETIME = serializers.DateTimeField()


def _ref(obj, attr: str = "name") -> dict | None:
    return None if obj is None else {"id": obj.pk, attr: str(getattr(obj, attr))}


def request_list_rows(rows_in, request) -> list[dict]:
    """The API list's rows: exactly what RequestListSerializer gives (it stays, for the schema
    and as the reference; desk/tests/test_fragments.py compares), built directly from the row
    objects: a ModelSerializer with nine nested fields cost more per page than the queries."""
    phone = PhoneField()
    phone._context = {"request": request}  # the field's context without binding it to a serializer
    when = _DATETIME.to_representation
    kinds = choice_labels(ServiceRequest, "kind")
    states = choice_labels(ServiceRequest, "state")
    severities = choice_labels(ServiceRequest, "severity")
    now = timezone.now()
    rows = []
    for sr in rows_in:
        due_state = sla.status(sr, now)
        rows.append(
            {
                "id": sr.pk,
                "number": sr.number,
                "project": _ref(sr.project),
                "kind": sr.kind,
                "kind_display": kinds.get(sr.kind, sr.kind),
                "severity": sr.severity,
                "severity_display": severities.get(sr.severity, sr.severity),
                "state": sr.state,
                "state_display": states.get(sr.state, sr.state),
                "title": sr.title,
                "category": _ref(sr.category),
                "room": _ref(sr.room, "code"),
                "location": sr.location,
                "caller_name": sr.caller_name,
                "caller_phone": phone.to_representation(sr.caller_phone),
                "department": _ref(sr.department),
                "assignee": _ref(sr.assignee),
                "receiver": _ref(sr.receiver),
                "created_at": when(sr.created_at),
                "updated_at": when(sr.updated_at),
                "due_at": when(sr.due_at),
                "due_state": due_state,
                "overdue": due_state == "overdue",
                "deadlines": open_deadlines(sr, now),
            }
        )
    return rows


_DETAIL_TIMES = (
    "dispatched_at",
    "accepted_at",
    "arrived_at",
    "resolved_at",
    "replied_at",
    "visited_at",
    "closed_at",
)


def request_detail_data(sr: ServiceRequest, request, events, attachments) -> dict:
    """What RequestDetailSerializer gives for `sr` with these timeline entries (each with its
    `attachment_ids`) and attachments, built directly (the serializer builds some sixty field
    objects per call, more than half the cost of registering). The serializer stays the schema
    and the reference: desk/tests/test_fragments.py compares the two."""
    data = request_list_rows([sr], request)[0]
    phone = PhoneField()
    phone._context = {"request": request}
    when = _DATETIME.to_representation
    channels = choice_labels(ServiceRequest, "channel")
    validities = choice_labels(ServiceRequest, "validity")
    ratings = choice_labels(ServiceRequest, "rating")
    actions = choice_labels(RequestEvent, "action")
    from_states = choice_labels(RequestEvent, "from_state")
    to_states = choice_labels(RequestEvent, "to_state")
    resident = sr.resident
    data.update(
        {
            "version": sr.version,
            "channel": sr.channel,
            "channel_display": channels.get(sr.channel, sr.channel),
            "validity": sr.validity,
            "validity_display": validities.get(sr.validity, sr.validity),
            "paid": sr.paid,
            "resident": None
            if resident is None
            else {"id": resident.pk, "name": resident.name, "phone": phone.to_representation(resident.phone)},
            "related_room": _ref(sr.related_room, "code"),
            "description": sr.description,
            "implementer": _ref(sr.implementer),
            "needs_return_visit": sr.needs_return_visit,
            "result": sr.result,
            "reply": sr.reply,
            "rating": sr.rating,
            "rating_display": ratings.get(sr.rating, sr.rating),
            "visit_comment": sr.visit_comment,
            "reopen_count": sr.reopen_count,
            "pause_reason": sr.pause_reason,
            **{name: when(getattr(sr, name)) if getattr(sr, name) else None for name in _DETAIL_TIMES},
            "allowed_actions": rules.allowed_actions(request.user, sr),
            "events": [
                {
                    "id": event.pk,
                    "at": when(event.at),
                    "actor": str(event.actor.name),
                    "action": event.action,
                    "action_display": actions.get(event.action, event.action),
                    "from_state": event.from_state,
                    "from_state_display": None
                    if event.from_state is None
                    else from_states.get(event.from_state, event.from_state),
                    "to_state": event.to_state,
                    "to_state_display": to_states.get(event.to_state, event.to_state),
                    "note": event.note,
                    "attachments": list(event.attachment_ids),
                }
                for event in events
            ],
            "attachments": [
                {
                    "id": attachment.pk,
                    "name": attachment.name,
                    "content_type": attachment.content_type,
                    "size": attachment.size,
                    "uploaded_at": when(attachment.uploaded_at),
                    "url": reverse("desk:attachment", args=[attachment.pk]),
                }
                for attachment in attachments
            ],
        }
    )
    return data
