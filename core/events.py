"""Business events for whoever listens outside the app that emits them (outgoing webhooks first).

A service announces what happened: `publish("request.registered", company_id=..., payload=...)`.
Core imports no app: listeners register themselves (`subscribe(listener)` in their AppConfig.ready()),
the way the webhooks app does, so the desk, the front desk and billing publish without knowing who
listens.

- Cheap when nobody listens: each listener answers `wants(event, company_id)` first (the webhooks
  app keeps a per-process map of which companies take which events), and nothing else happens when
  none does: no payload is built, no callback registered. `payload` may be a function, called only
  then, so a hot path (the desk's registration) pays one dictionary lookup.
- Only committed facts: the payload is taken inside the caller's transaction (the record as the
  service left it), and handed to the listeners by `transaction.on_commit`. A rolled-back service
  publishes nothing; a listener that fails is logged and never undoes the service's work.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from django.db import transaction
from django.utils import timezone

log = logging.getLogger("propdesk.events")


@dataclass(frozen=True)
class Event:
    name: str
    company_id: int
    payload: dict
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime = field(default_factory=timezone.now)


class Listener(Protocol):
    def wants(self, event: str, company_id: int) -> bool: ...

    def receive(self, events: list[Event]) -> None: ...


_LISTENERS: list[Listener] = []


def subscribe(listener: Listener) -> None:
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def unsubscribe(listener: Listener) -> None:
    if listener in _LISTENERS:
        _LISTENERS.remove(listener)


def wanted(event: str, company_id: int | None) -> bool:
    """Whether any listener takes `event` of `company_id` (a caller may skip work when none does)."""
    return company_id is not None and any(lis.wants(event, company_id) for lis in _LISTENERS)


def publish(event: str, *, company_id: int | None, payload: dict | Callable[[], dict]) -> Event | None:
    """Announce `event` of `company_id`; the listeners hear of it once the caller's transaction
    commits (at once outside one). Returns the event, or None when nobody listens."""
    takers = [lis for lis in _LISTENERS if company_id is not None and lis.wants(event, company_id)]
    if not takers:
        return None
    made = Event(name=event, company_id=company_id, payload=payload() if callable(payload) else payload)
    transaction.on_commit(lambda: _hand_over(takers, made), robust=True)
    return made


def _hand_over(takers: list[Listener], event: Event) -> None:
    for listener in takers:
        try:
            listener.receive([event])
        except Exception:  # a listener's failure must not reach the service that published
            log.exception("listener %r failed on %s %s", listener, event.name, event.id)


# ---------------------------------------------------------------- helpers for the publishers

_PROJECT_COMPANY: dict[int, int] = {}


def company_of_project(project_id: int | None) -> int | None:
    """The company of a project, remembered per process (a project never changes company)."""
    if project_id is None:
        return None
    company_id = _PROJECT_COMPANY.get(project_id)
    if company_id is None:
        from core.models import Project

        company_id = Project.objects.filter(pk=project_id).values_list("company_id", flat=True).first()
        if company_id is not None:
            _PROJECT_COMPANY[project_id] = company_id
    return company_id


def iso(value) -> str | None:
    """A date or time as ISO 8601 (aware times with their offset), None as None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()
