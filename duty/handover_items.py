"""Open items the desk itself owns, carried over at every handover (see duty/registry.py).

"requests": the service requests still open in the project whose first receiver (首问责任人, who
registered them) is the outgoing person — first-receiver ownership means the next shift must know
what its colleague is following — plus every request still waiting for dispatch (已登记) that was
registered since the outgoing person's shift began, whoever took it: undispatched intake belongs to
the desk as a whole and must be handed to a department within 20 minutes, so it cannot wait for
its receiver's next shift. Requests already dispatched by someone else belong to their departments
and to their own receivers, and are left out so the list stays readable.

"keys": every key of the project lent out and not returned, whoever lent it: the board is counted
by the shift, not by person.

"duty_log": entries of the duty log flagged 需交接 written since the outgoing person's shift began,
unless a later entry corrected them.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.phone import mask_phone
from duty.registry import OpenItem, open_item_kind, url_for_pk

MAX_ITEMS = 20000  # a bound, far above any real desk, so one broken project cannot exhaust memory


@open_item_kind("requests", gettext_lazy("未结工单"), order=10)
def open_requests(*, project, user, at):
    from django.db.models import Q

    from desk.choices import OPEN_STATES, Kind, Severity, State
    from desk.models import ServiceRequest
    from duty.selectors import period_start

    since, _shift = period_start(project, user, at)
    rows = (
        ServiceRequest.objects.filter(project=project, state__in=OPEN_STATES, created_at__lte=at)
        .filter(Q(receiver=user) | Q(state=State.REGISTERED, created_at__gte=since))
        .order_by("created_at", "id")
        .values_list(
            "id", "number", "title", "state", "kind", "severity", "created_at", "due_at", "room__code", "location"
        )[:MAX_ITEMS]
    )
    url = url_for_pk("desk:detail")
    # Labels translated once, not per row: 10,000 rows must build in a few milliseconds.
    states = {k: str(v) for k, v in State.choices}
    kinds = {k: str(v) for k, v in Kind.choices}
    severities = {k: str(v) for k, v in Severity.choices if k != Severity.GENERAL}
    overdue = str(_("已超时"))
    items = []
    for pk, number, title, state, kind, severity, created_at, due_at, room, location in rows:
        parts = [states.get(state, str(state)), kinds.get(kind, kind)]
        if severity in severities:
            parts.append(severities[severity])
        if room or location:
            parts.append(room or location)
        if due_at and due_at < at:
            parts.append(overdue)
        items.append(
            OpenItem(
                key=f"request:{pk}",
                title=f"{number} {title}",
                detail=" · ".join(parts),
                url=url(pk),
                since=created_at,
            )
        )
    return items


@open_item_kind("keys", gettext_lazy("借出钥匙"), order=20)
def keys_lent(*, project, user, at):
    from duty.models import KeyLoan

    rows = (
        KeyLoan.objects.filter(project=project, returned_at__isnull=True, lent_at__lte=at)
        .order_by("due_back", "id")
        .values_list(
            "id",
            "key__code",
            "key__name",
            "borrower_name",
            "borrower_unit",
            "borrower_phone",
            "purpose",
            "lent_at",
            "due_back",
        )[:MAX_ITEMS]
    )
    url = reverse("duty:keys", args=[project.pk])
    template = str(_("%(who)s 借用：%(purpose)s；应还 %(due)s"))
    late = " · " + str(_("已逾期"))
    tz = timezone.get_current_timezone()
    items = []
    for pk, code, name, borrower, unit, phone, purpose, lent_at, due_back in rows:
        who = " ".join(p for p in (unit, borrower, mask_phone(phone) if phone else "") if p)
        detail = template % {"who": who, "purpose": purpose, "due": f"{due_back.astimezone(tz):%m-%d %H:%M}"}
        if due_back < at:
            detail += late
        items.append(OpenItem(key=f"keyloan:{pk}", title=f"{code} {name}", detail=detail, url=url, since=lent_at))
    return items


@open_item_kind("duty_log", gettext_lazy("值班记录待跟进"), order=90)
def log_to_follow(*, project, user, at):
    from duty.models import LogEntry
    from duty.selectors import period_start

    since, _shift = period_start(project, user, at)
    rows = (
        LogEntry.objects.filter(project=project, hand_over=True, at__gte=since, at__lte=at)
        .exclude(corrections__created_at__lte=at)
        .order_by("at", "id")
        .values_list("id", "at", "category", "text")[:MAX_ITEMS]
    )
    from duty.choices import LogCategory

    labels = {k: str(v) for k, v in LogCategory.choices}
    url = reverse("duty:log", args=[project.pk])
    tz = timezone.get_current_timezone()
    return [
        OpenItem(
            key=f"log:{pk}",
            title=text[:100],
            detail=f"{when.astimezone(tz):%m-%d %H:%M} {labels.get(category, category)}",
            url=f"{url}#log-{pk}",
            since=when,
        )
        for pk, when, category, text in rows
    ]
