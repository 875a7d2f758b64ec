"""The technician's phone page (`desk.views.my_jobs`): his jobs as cards, nearest deadline first.

One query fetches the jobs with everything a card shows: the request's row as the lists fetch it
(`selectors.list_queryset`: room, project, department… joined), its stored nearest deadline
(`due_at`, kept by desk/sla.py) and plan (`sla`, to name the step that deadline belongs to), and the
first characters of the description (not the whole text). Nothing on a card queries again: the
actions offered come from `rules.allowed_actions` on the row, the call button from
`rules.may_call_caller` on the row. bench/bench_jobs.py measures it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from desk import rules, selectors, sla
from desk.choices import Action, State
from desk.forms import ActionForm
from desk.models import ServiceRequest
from desk.templatetags.desk_tags import span

SHOWN = 50  # cards on the page; more than that is a supervisor's problem, not a scroll
DONE_SHOWN = 10
HEAD_CHARS = 120  # of the description, enough for its first line on a phone
JOB_ACTIONS = (Action.ACCEPT, Action.ARRIVE, Action.RESOLVE, Action.PAUSE, Action.RESUME, Action.RETURN)
# The next step of the work comes first on a card, then the call button, then pausing and returning.
MAIN_ACTIONS = frozenset({Action.ACCEPT, Action.ARRIVE, Action.RESOLVE, Action.RESUME})


@dataclass
class JobCard:
    sr: ServiceRequest
    due_state: str  # desk.sla.status: overdue, soon, ok, paused or '' (no limit)
    step: str  # the step whose deadline is the nearest ('' when the plan does not say)
    left: str  # "剩2小时5分", "超时35分", "" — the time left on the current step
    due_local: datetime | None
    head: str  # the description's first line
    place: str  # the room, or the public place
    may_call: bool
    back: str  # where an action returns to: this card on the page (`next`, checked by core.redirects)
    actions: list[tuple[str, str, ActionForm]] = field(default_factory=list)

    @property
    def main_actions(self):
        return [a for a in self.actions if a[0] in MAIN_ACTIONS]

    @property
    def other_actions(self):
        return [a for a in self.actions if a[0] not in MAIN_ACTIONS]


def job_queryset(user):
    """This user's jobs (selectors.my_jobs), nearest deadline first; those without one (paused, no
    policy) after them, oldest first."""
    return (
        selectors.my_jobs(user)
        .annotate(description_head=Substr("description", 1, HEAD_CHARS))
        .order_by(F("due_at").asc(nulls_last=True), "created_at", "id")
    )


def first_line(text: str) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def current_step(sr: ServiceRequest) -> str:
    """The label of the open step whose deadline is the request's nearest one (its `due_at`)."""
    nearest, label = None, ""
    for step, entry in sla.pending_steps(sr):
        due = parse_datetime(entry.get("due") or "")
        if due is not None and (nearest is None or due < nearest):
            nearest, label = due, str(sla.step_label(step))
    return label


def time_left(sr: ServiceRequest, status: str, now: datetime) -> str:
    if status == "paused":
        return _("计时已暂停")
    if not status:
        return ""
    if status == "overdue":
        return _("超时%(s)s") % {"s": span(now - sr.due_at)}
    return _("剩%(s)s") % {"s": span(sr.due_at - now)}


def job_card(user, sr: ServiceRequest, now: datetime) -> JobCard:
    status = sla.status(sr, now)
    return JobCard(
        sr=sr,
        due_state=status,
        step=current_step(sr) if status in ("overdue", "soon", "ok") else "",
        left=time_left(sr, status, now),
        due_local=timezone.localtime(sr.due_at) if sr.due_at and status != "paused" else None,
        head=first_line(getattr(sr, "description_head", "")),
        place=sr.room.code if sr.room_id else sr.location,
        may_call=rules.may_call_caller(user, sr),
        back=f"{reverse('desk:jobs')}#job-{sr.pk}",
        actions=[
            (a, Action(a).label, ActionForm(action=a, request_obj=sr))
            for a in rules.allowed_actions(user, sr)
            if a in JOB_ACTIONS
        ],
    )


def job_cards(user, now: datetime | None = None) -> list[JobCard]:
    now = now or timezone.now()
    return [job_card(user, sr, now) for sr in job_queryset(user)[:SHOWN]]


def recently_done(user) -> list[ServiceRequest]:
    """What this user finished lately (the cards that left the list after 'resolve')."""
    return list(
        selectors.list_queryset(selectors.visible_requests(user))
        .filter(implementer=user, state__gte=State.RESOLVED)
        .order_by("-resolved_at")[:DONE_SHOWN]
    )
