"""Every write to a service request. Each function is keyword-only, runs in one transaction,
checks the rules (desk/rules.py), changes the request with a compare-and-swap on its version
(so two people acting at once cannot both succeed), and writes one timeline entry per action.

One module per workflow: `intake` (registering), `dispatch` (dispatch, accept, return, transfer),
`work` (on site, pause, resume, resolve, reply, attach), `closing` (return visit, close, cancel,
reopen), `classify` (severity and category, complaint validity), `numbers` (request numbers and
the one counter every numbered record uses); `_common` holds the transition engine they share.
This package re-exports every public name, so `from desk import services` keeps working.
"""

from desk.choices import Action
from desk.services.classify import request_reclassify, request_validity
from desk.services.closing import request_cancel, request_close, request_reopen, request_visit
from desk.services.dispatch import request_accept, request_dispatch, request_return, request_transfer
from desk.services.intake import Intake, request_register
from desk.services.numbers import next_number, number_key, take_number
from desk.services.work import (
    request_arrive,
    request_attach,
    request_message,
    request_pause,
    request_reply,
    request_resolve,
    request_resume,
)

__all__ = [
    "ACTION_SERVICES",
    "Intake",
    "next_number",
    "number_key",
    "request_accept",
    "request_arrive",
    "request_attach",
    "request_message",
    "request_cancel",
    "request_close",
    "request_dispatch",
    "request_reclassify",
    "request_register",
    "request_reopen",
    "request_reply",
    "request_resolve",
    "request_resume",
    "request_return",
    "request_transfer",
    "request_validity",
    "request_visit",
    "take_number",
]

# One table that pages and the API share: action -> (service, the fields it takes).
ACTION_SERVICES = {
    Action.DISPATCH: (request_dispatch, ("department", "assignee", "note")),
    Action.ACCEPT: (request_accept, ("note",)),
    Action.RETURN: (request_return, ("note",)),
    Action.TRANSFER: (request_transfer, ("department", "assignee", "note")),
    Action.ARRIVE: (request_arrive, ("note",)),
    Action.PAUSE: (request_pause, ("note",)),
    Action.RESUME: (request_resume, ("note",)),
    Action.RESOLVE: (request_resolve, ("result", "files", "paid")),
    Action.REPLY: (request_reply, ("reply",)),
    Action.VISIT: (request_visit, ("rating", "comment")),
    Action.CLOSE: (request_close, ("note",)),
    Action.CANCEL: (request_cancel, ("note",)),
    Action.REOPEN: (request_reopen, ("note",)),
    Action.ATTACH: (request_attach, ("files", "note")),
    Action.RECLASSIFY: (request_reclassify, ("severity", "category", "note")),
    Action.VALIDITY: (request_validity, ("validity", "note")),
}
