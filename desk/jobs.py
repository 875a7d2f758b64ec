"""The technician's phone page (`desk.views.my_jobs`): his jobs as cards, nearest deadline first.

Fast at any size (bench/bench_jobs.py; target ≤ 50 ms at 10,000,000 requests):
- one query fetches the jobs with everything a card shows: the row without its long texts, its
  room and department joined (nothing else: each join is one more table the planner may choose
  to read whole), its stored nearest deadline
  (`due_at`, kept by desk/sla.py) and plan (`sla`, to name the step that deadline belongs to), and
  the first characters of the description (not the whole text). Nothing on a card queries again:
  the actions offered come from `rules.allowed_actions` on the row, the call button from
  `rules.may_call_caller` on the row;
- the forms behind "完成…", "暂停…", "退单…" are fetched when tapped (desk/job_views.py
  `action_form`, htmx), not built and rendered fifty times with the page;
- "finished, still open at the desk" is read through the (assignee, state) index, not through a
  technician's whole history;
- the cards are written by `cards_html`, not by the template engine (a card cost 0.3 ms of
  template rendering, fifty of them half the page; written here, 0.05 ms). It is the only copy of
  the card's markup: change it here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.calls import button_html
from core.templatetags.propdesk import badge, choice_labels, phone_for
from desk import rules, selectors, sla
from desk.choices import Action, State
from desk.models import ServiceRequest
from desk.templatetags.desk_tags import span

SHOWN = 50  # cards on the page; more than that is a supervisor's problem, not a scroll
DONE_SHOWN = 10
DONE_STATES = (State.RESOLVED, State.REPLIED, State.VISITED)  # finished, still open at the desk
HEAD_CHARS = 120  # of the description, enough for its first line on a phone
LONG_TEXT = ("search_grams", "description", "result", "reply", "visit_comment")  # not on a card
JOB_ACTIONS = (Action.ACCEPT, Action.ARRIVE, Action.RESOLVE, Action.PAUSE, Action.RESUME, Action.RETURN)
ONE_TAP = frozenset({Action.ACCEPT, Action.ARRIVE, Action.RESUME})  # no form: the button does it
MAIN_ACTIONS = frozenset({Action.ACCEPT, Action.ARRIVE, Action.RESOLVE, Action.RESUME})


@dataclass
class Button:
    """One button of a card, in the order shown: `tap` (a one-tap form), `form` (opens the
    action's form, fetched when first tapped), `call` (the call button)."""

    kind: str
    action: str
    label: str
    url: str  # the form's action (tap), the form to fetch (form), the call endpoint (call)
    css: str = ""


@dataclass
class JobCard:
    sr: ServiceRequest
    due_state: str  # desk.sla.status: overdue, soon, ok, paused or '' (no limit)
    left: str  # "响应/到场：剩25分", "超时35分", "" — the time left on the current step (named when known)
    due_when: str  # "（12-07 14:30 到期）"
    head: str  # the description's first line
    place: str  # the room, or the public place
    back: str  # where an action returns to: this card on the page (`next`, checked by core.redirects)
    detail: str  # the request's page
    buttons: list[Button] = field(default_factory=list)


class _Urls:
    """The page's URLs made by filling in a pattern reversed once (reverse() for each button of
    fifty cards was a tenth of the page's time)."""

    def __init__(self):
        self.page = reverse("desk:jobs")
        self._act = reverse("desk:act", args=[1234567890, "ACTION"])
        self._form = reverse("desk:job-form", args=[1234567890, "ACTION"])
        self._call = reverse("desk:call", args=[1234567890])
        self._detail = reverse("desk:detail", args=[1234567890])

    def detail(self, pk) -> str:
        return self._detail.replace("1234567890", str(pk))

    def act(self, pk, action) -> str:
        return self._act.replace("1234567890", str(pk)).replace("ACTION", action)

    def form(self, pk, action) -> str:
        return self._form.replace("1234567890", str(pk)).replace("ACTION", action)

    def call(self, pk) -> str:
        return self._call.replace("1234567890", str(pk))


TAP_CSS = {Action.ACCEPT: "btn-primary", Action.ARRIVE: "btn-success", Action.RESUME: "btn-success"}


def buttons(user, sr: ServiceRequest, urls: _Urls) -> list[Button]:
    """The next step of the work first, then the call button, then pausing and returning."""
    main, other = [], []
    for action in rules.allowed_actions(user, sr):
        if action not in JOB_ACTIONS:
            continue
        label = Action(action).label
        if action in ONE_TAP:
            button = Button("tap", action, label, urls.act(sr.pk, action), TAP_CSS[action])
        else:
            css = "btn-outline-success" if action == Action.RESOLVE else "btn-outline-secondary"
            button = Button("form", action, label, urls.form(sr.pk, action), css)
        (main if action in MAIN_ACTIONS else other).append(button)
    if rules.may_call_caller(user, sr):
        main.append(Button("call", "call", _("致电业户"), urls.call(sr.pk), "btn-outline-success"))
    return main + other


def job_queryset(user):
    """This user's jobs, nearest deadline first; those without one (paused, no policy) after them,
    oldest first. The same rows as `selectors.my_jobs`, scoped by project only: whoever may open
    the page sees every request `my_jobs_filter` picks in their projects (`visible_requests` adds,
    for technicians, the requests they once finished, which would only make the database read
    their whole history to throw it away)."""
    return (
        ServiceRequest.objects.filter(project_id__in=user.project_ids())
        .filter(selectors.my_jobs_filter(user), state__in=selectors.WORK_STATES)
        .select_related("room", "department")  # what a card and the rules read (rules.is_worker_on)
        .defer(*LONG_TEXT)
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
        left = _("超时%(s)s") % {"s": span(now - sr.due_at)}
    else:
        left = _("剩%(s)s") % {"s": span(sr.due_at - now)}
    step = current_step(sr)
    return _("%(step)s：%(left)s") % {"step": step, "left": left} if step else left


def due_when(sr: ServiceRequest, status: str) -> str:
    if not sr.due_at or status in ("", "paused"):
        return ""
    return _("（%(when)s 到期）") % {"when": timezone.localtime(sr.due_at).strftime("%m-%d %H:%M")}


def job_card(user, sr: ServiceRequest, now: datetime, urls: _Urls) -> JobCard:
    status = sla.status(sr, now)
    return JobCard(
        sr=sr,
        due_state=status,
        left=time_left(sr, status, now),
        due_when=due_when(sr, status),
        head=first_line(getattr(sr, "description_head", "")),
        place=sr.room.code if sr.room_id else sr.location,
        back=f"{urls.page}#job-{sr.pk}",
        detail=urls.detail(sr.pk),
        buttons=buttons(user, sr, urls),
    )


def job_cards(user, now: datetime | None = None) -> list[JobCard]:
    now = now or timezone.now()
    urls = _Urls()
    return [job_card(user, sr, now, urls) for sr in job_queryset(user)[:SHOWN]]


def recently_done(user) -> list[ServiceRequest]:
    """What this user finished that the desk has not closed yet (reply, return visit), latest
    first: where a card goes after 'resolve'. The project scope is checked on the rows fetched:
    written into the query, it makes PostgreSQL 15 AND three bitmaps (the technician's whole
    history among them) instead of reading the (assignee, state) index alone — 36 ms against
    0.4 ms for a technician with 11,000 finished requests (bench/bench_jobs.py)."""
    projects = user.project_ids()
    rows = (
        ServiceRequest.objects.filter(assignee=user, state__in=DONE_STATES)
        .only("id", "project_id", "number", "title", "state", "resolved_at")
        .order_by(F("resolved_at").desc(nulls_last=True), "-id")[: DONE_SHOWN * 2]
    )
    return [sr for sr in rows if sr.project_id in projects][:DONE_SHOWN]


DUE_COLOUR = {
    "overdue": "text-danger",
    "soon": "text-warning-emphasis",
    "paused": "text-secondary",
    "ok": "text-success",
}


def cards_html(cards: list[JobCard], user, csrf_token: str) -> str:
    """The cards as the page shows them, one string (every value escaped)."""
    states = choice_labels(ServiceRequest, "state")
    severities = choice_labels(ServiceRequest, "severity")
    opening = escape(_("正在打开……"))
    csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
    out = []
    for card in cards:
        sr, pk = card.sr, card.sr.pk
        if card.due_state == "overdue":
            border = " border-danger border-2"
        elif sr.severity == "urgent":
            border = " border-danger"
        else:
            border = ""
        severity = (
            "" if sr.severity == "general" else badge(severities.get(sr.severity, sr.severity), sr.severity_colour)
        )
        due = ""
        if card.left:
            when = f' <span class="small text-muted fw-normal">{escape(card.due_when)}</span>' if card.due_when else ""
            due = (
                f'    <div class="job-due fw-semibold mb-1 {DUE_COLOUR.get(card.due_state, "")}" '
                f'data-due-state="{card.due_state}">{escape(card.left)}{when}</div>\n'
            )
        head = f'    <div class="job-head text-muted mb-1">{escape(card.head)}</div>\n' if card.head else ""
        caller = f" · {escape(sr.caller_name)}" if sr.caller_name else ""
        if sr.caller_phone:
            caller += f' <span class="text-muted">{escape(phone_for(sr.caller_phone, user))}</span>'
        back = escape(card.back)
        buttons = []
        for b in card.buttons:
            label = escape(b.label)
            if b.kind == "tap":
                buttons.append(
                    f'      <form method="post" action="{escape(b.url)}">{csrf}'
                    f'<input type="hidden" name="version" value="{sr.version}">'
                    f'<input type="hidden" name="next" value="{back}">'
                    f'<button class="btn {b.css} w-100" name="submit-{b.action}">{label}</button></form>\n'
                )
            elif b.kind == "form":
                box = f"job-{pk}-{b.action}"
                buttons.append(
                    f'      <button class="btn {b.css} w-100" type="button" data-bs-toggle="collapse" '
                    f'data-bs-target="#{box}" hx-get="{escape(b.url)}" hx-target="#{box}-form" '
                    f'hx-trigger="click once">{label}…</button>\n'
                    f'      <div class="collapse" id="{box}"><div class="border rounded p-2 bg-light" id="{box}-form">'
                    f'<span class="small text-muted">{opening}</span></div></div>\n'
                )
            else:
                buttons.append(f"      {button_html(b.url, b.label, csrf_token=csrf_token, css=b.css)}\n")
        out.append(
            f'<div class="card job-card mb-3{border}" id="job-{pk}" style="scroll-margin-top: .5rem">\n'
            '  <div class="card-body">\n'
            '    <div class="d-flex flex-wrap gap-2 align-items-center mb-1">'
            f"{badge(states.get(sr.state, sr.state), sr.state_colour)} {severity}"
            f'<a class="small ms-auto" href="{escape(card.detail)}">{escape(sr.number)}</a></div>\n'
            f"{due}"
            f'    <h2 class="h5 mb-1">{escape(sr.title)}</h2>\n'
            f"{head}"
            f'    <div class="job-place mb-2"><strong>{escape(card.place) or "—"}</strong>{caller}</div>\n'
            '    <div class="d-grid gap-2 pd-actions">\n'
            f"{''.join(buttons)}"
            "    </div>\n"
            "  </div>\n"
            "</div>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
