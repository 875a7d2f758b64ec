from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from desk import sla

register = template.Library()


def span(delta: timedelta) -> str:
    """A short human span: 2天3小时, 3小时5分, 12分."""
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)s天%(h)s小时") % {"d": days, "h": hours} if hours else _("%(d)s天") % {"d": days}
    if hours:
        return _("%(h)s小时%(m)s分") % {"h": hours, "m": mins} if mins else _("%(h)s小时") % {"h": hours}
    return _("%(m)s分") % {"m": mins}


@register.simple_tag
def due_badge(sr, now=None):
    """The request's nearest deadline as a coloured badge: overdue, due within the hour, on track, paused."""
    status = sla.status(sr, now)
    if status == "paused":
        return format_html('<span class="badge text-bg-secondary" title="{}">{}</span>', _("计时已暂停"), _("暂停"))
    if not status:
        return ""
    now = now or timezone.now()
    due_local = timezone.localtime(sr.due_at).strftime("%m-%d %H:%M")
    if status == "overdue":
        return format_html(
            '<span class="badge text-bg-danger" title="{}">{}</span>',
            due_local,
            _("超时%(s)s") % {"s": span(now - sr.due_at)},
        )
    colour = "warning" if status == "soon" else "success"
    return format_html(
        '<span class="badge text-bg-{} {}" title="{}">{}</span>',
        colour,
        "text-dark" if colour == "warning" else "",
        due_local,
        _("剩%(s)s") % {"s": span(sr.due_at - now)},
    )


@register.simple_tag
def sla_steps(sr, now=None):
    """The request's steps with their limits, deadlines and how each stands, for its page."""
    from django.utils.dateparse import parse_datetime

    now = now or timezone.now()
    rows = []
    for step in sla.STEPS:
        entry = (sr.sla or {}).get("steps", {}).get(step)
        if not entry:
            continue
        due = parse_datetime(entry["due"])
        met = sla.step_met(sr, step)
        if met:
            state, colour = _("已达成"), "success"
        elif sr.paused_at:
            state, colour = _("暂停中"), "secondary"
        elif sr.state not in sla.OPEN_STATES:
            state, colour = "—", "light"
        elif due <= now:
            state, colour = _("超时%(s)s") % {"s": span(now - due)}, "danger"
        else:
            state, colour = (
                _("剩%(s)s") % {"s": span(due - now)},
                "warning" if due - now <= timedelta(hours=1) else "info",
            )
        rows.append(
            {"label": sla.step_label(step), "limit": entry["limit"], "due": due, "state": state, "colour": colour}
        )
    return rows


@register.simple_tag(takes_context=True)
def board_filters(context, filterset):
    """The supervisor's board's filters in use on the request list (desk/filters.py BOARD_FILTERS):
    name, value, label and the address of the list without it, so the list says what it shows."""
    from desk.filters import active_board_filters

    request = context["request"]
    found = []
    for name, value, label in active_board_filters(filterset):
        query = request.GET.copy()
        query.pop(name, None)
        query.pop("after", None)
        found.append({"name": name, "value": value, "label": label, "remove": f"?{query.urlencode()}"})
    return found
