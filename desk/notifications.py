"""Who is told at once when a request changes hands (首问负责制: nobody has to look to find out).

- dispatched or transferred to a person: that person; to a department with nobody named:
  everyone there who may accept it (`selectors.assignable_people`, the one rule);
- returned by the implementer: the first receiver and whoever sent it out;
- resolved: the first receiver (the clerk who registered it), who replies and follows it up.

An unsatisfied return visit already tells the supervisors (desk/services.py `request_visit`), and
the deadlines tell their own people (desk/sla.py). Nobody is told of what they did themselves.
The text is short, in each recipient's own language (core/language.py), and links to the
request; `core.notify` writes the inbox rows (and the outbox of outside channels) in the
transaction of the change. Called once per timeline entry by `services._transition`.
"""

from django.urls import reverse
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from core.language import by_language
from core.models import User
from core.notify import notify_many
from desk import selectors
from desk.choices import Action, Severity
from desk.models import RequestEvent, ServiceRequest


def after_action(*, actor, request: ServiceRequest, action: str, event: RequestEvent) -> None:
    handler = _HANDLERS.get(action)
    if handler is not None:
        recipients, write = handler(request, event)
        tell(actor=actor, request=request, recipients=recipients, write=write)


def tell(*, actor, request: ServiceRequest, recipients, write) -> None:
    """One inbox message per recipient (the actor left out), written in each one's language:
    `write(request, event)` is called under that language and returns (title, body)."""
    people = [u for u in recipients if u is not None and u.pk != actor.pk]
    if not people:
        return
    url = reverse("desk:detail", args=[request.pk])
    messages = []
    for language, group in by_language(people).items():
        with translation.override(language):
            title, body = write()
            if request.severity == Severity.URGENT:
                title = _("【紧急】") + title
        messages.append((group, title, Truncator(body).chars(300), url))
    notify_many(messages)


def _subject(request) -> dict:
    return {"number": request.number, "title": Truncator(request.title).chars(40)}


def _sent(request, event):
    """Dispatch and transfer: the person named, else whoever in the department may accept it."""
    actor_name = event.actor.name
    if request.assignee_id:
        recipients = [request.assignee]
    elif request.department_id:
        recipients = list(selectors.assignable_people(request.project_id, request.department_id))
    else:
        recipients = []
    transfer = event.action == Action.TRANSFER

    def write():
        if request.assignee_id:
            title = (_("工单转给您：%(number)s %(title)s") if transfer else _("新工单派给您：%(number)s %(title)s")) % (
                _subject(request)
            )
        else:
            title = _("%(department)s有新工单待接单：%(number)s %(title)s") % {
                **_subject(request),
                "department": request.department.name if request.department_id else "",
            }
        if event.note:
            body = _("%(name)s 转单：%(note)s") if transfer else _("%(name)s 派单：%(note)s")
        else:
            body = _("%(name)s 转单") if transfer else _("%(name)s 派单")
        return title, body % {"name": actor_name, "note": event.note}

    return recipients, write


def _returned(request, event):
    """Back at the desk: the first receiver and whoever sent it out last."""
    sender = (
        RequestEvent.objects.filter(request=request, action__in=[Action.DISPATCH, Action.TRANSFER])
        .exclude(pk=event.pk)
        .order_by("-at", "-id")
        .values_list("actor_id", flat=True)
        .first()
    )
    recipients = list(User.objects.filter(pk__in={request.receiver_id, sender} - {None}))
    actor_name = event.actor.name

    def write():
        title = _("工单被退回，请重新派单：%(number)s %(title)s") % _subject(request)
        return title, _("%(name)s 退单：%(reason)s") % {"name": actor_name, "reason": event.note}

    return recipients, write


def _resolved(request, event):
    """Done: the first receiver replies to the resident and sees the return visit through."""
    actor_name = event.actor.name

    def write():
        title = _("工单已完成，请跟进回复和回访：%(number)s %(title)s") % _subject(request)
        return title, _("%(name)s 完成：%(result)s") % {"name": actor_name, "result": event.note}

    return [request.receiver], write


_HANDLERS = {
    Action.DISPATCH: _sent,
    Action.TRANSFER: _sent,
    Action.RETURN: _returned,
    Action.RESOLVE: _resolved,
}
