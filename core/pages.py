"""One way to run a service from a page.

A page's write is one service call whose refusals the user must read, in the same way on every page:

- a Django `ValidationError` (field errors): on the bound form's fields (core/forms.py
  `ServiceErrorsMixin.add_service_errors`), or, for a button without a form, flashed as one message;
- a `core.errors.ServiceError` (refused, conflict): the form's non-field error, or a flashed message;
- success: the success text flashed.

A form page (the view re-renders the form with status 400 when it comes back refused):

    if request.method == "POST" and form.is_valid():
        if done := run_service(request, lambda: services.x_create(actor=user, ...), form=form, success=_("已保存。")):
            return redirect("x:detail", pk=done.result.pk)
    status = 400 if request.method == "POST" else 200

A button's POST (a state change from a list or a record page):

    return act(request, lambda: services.x_cancel(actor=user, x=x), success=_("已取消。"), to=url)

`act` goes back to the POSTed `next` when it is a path on this site (core/redirects.safe_next), else to
`to`, whatever the outcome. A page that does something else with a refusal (draws another page,
another text) checks `outcome.refused` / `outcome.error` itself, or keeps its own try/except.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect

from core.errors import ServiceError
from core.forms import ServiceErrorsMixin
from core.redirects import safe_next


@dataclass(frozen=True)
class Outcome:
    """What a service call came to. True when it went through; `result` is what the service returned,
    `error` what it raised (a ValidationError or a ServiceError), `refused` whether that was a
    ServiceError (a rule said no) rather than field errors."""

    result: Any = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def refused(self) -> bool:
        return isinstance(self.error, ServiceError)

    def __bool__(self) -> bool:
        return self.ok


def refusal_text(exc: ValidationError | ServiceError) -> str:
    """What the user reads of a refusal shown as one message: a ServiceError's message, or a
    ValidationError's messages joined (for a page that puts it somewhere of its own: an htmx row)."""
    return exc.message if isinstance(exc, ServiceError) else " ".join(exc.messages)


def run_service(
    request,
    call: Callable[[], Any],
    *,
    form=None,
    success=None,
    flash_refusal: bool = False,
) -> Outcome:
    """Call `call()` and show its outcome to the user (see the module's text).

    `success`: the text flashed when it goes through, or a function of the service's result giving
    it (`lambda sr: _("已登记工单 %(number)s。") % {"number": sr.number}`); None flashes nothing.
    `flash_refusal`: a ServiceError is also flashed when there is a form (a page that goes back to its
    record instead of showing the form again, or whose form sits in a folded pane)."""
    try:
        result = call()
    except ValidationError as exc:
        if form is not None:
            ServiceErrorsMixin.add_service_errors(form, exc)
        else:
            messages.error(request, refusal_text(exc))
        return Outcome(error=exc)
    except ServiceError as exc:
        if form is not None:
            form.add_error(None, exc.message)
        if form is None or flash_refusal:
            messages.error(request, exc.message)
        return Outcome(error=exc)
    if success is not None:
        messages.success(request, success(result) if callable(success) else success)
    return Outcome(result=result)


def act(request, call: Callable[[], Any], *, success=None, to: str) -> HttpResponseRedirect:
    """A button's POST: run the service (a refusal is flashed), then go back to the POSTed `next` when
    it is a path on this site, else to `to`."""
    run_service(request, call, success=success)
    return redirect(safe_next(request, to))
