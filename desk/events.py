"""What the desk tells listeners outside it (core/events.py; the webhooks app forwards it): a request
registered, its every change of state, resolved, rated at the return visit. The payload is the
request's public fields; the caller's phone is masked as everywhere (core/phone.py)."""

from django.conf import settings
from django.utils import translation

from core.events import company_of_project, iso, publish, wanted
from core.phone import mask_phone
from desk.choices import Action, State


def _request(sr) -> dict:
    with translation.override(settings.LANGUAGE_CODE):
        state_label = str(State(sr.state).label)
    return {
        "id": sr.pk,
        "number": sr.number,
        "project_id": sr.project_id,
        "room_id": sr.room_id,
        "kind": sr.kind,
        "channel": sr.channel,
        "severity": sr.severity,
        "category_id": sr.category_id,
        "state": sr.state,
        "state_label": state_label,
        "title": sr.title,
        "location": sr.location,
        "caller_name": sr.caller_name,
        "caller_phone": mask_phone(sr.caller_phone),
        "department_id": sr.department_id,
        "assignee_id": sr.assignee_id,
        "created_at": iso(sr.created_at),
        "updated_at": iso(sr.updated_at),
    }


def registered(sr) -> None:
    company_id = sr.project.company_id if "project" in sr._state.fields_cache else company_of_project(sr.project_id)
    publish("request.registered", company_id=company_id, payload=lambda: {"request": _request(sr)})


def transitioned(request, event) -> None:
    """After `_transition`: a state change, and resolved / rated when the action was one of those."""
    company_id = company_of_project(request.project_id)
    if wanted("request.state_changed", company_id):
        change = {"action": event.action, "from_state": event.from_state, "to_state": event.to_state}
        publish(
            "request.state_changed",
            company_id=company_id,
            payload={"request": _request(request), "change": change, "at": iso(event.at)},
        )
    if event.action == Action.RESOLVE:
        publish(
            "request.resolved",
            company_id=company_id,
            payload=lambda: {"request": _request(request), "result": request.result, "at": iso(event.at)},
        )
    elif event.action == Action.VISIT:
        publish(
            "request.rated",
            company_id=company_id,
            payload=lambda: {
                "request": _request(request),
                "rating": request.rating,
                "comment": request.visit_comment,
                "at": iso(event.at),
            },
        )
