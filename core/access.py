"""One access guard for the pages and the API: `@requires("importer.import", _("只有……可以导入数据。"))`
on a page, `permission_classes = [Requires("frontdesk.front", _("只有……"))]` on an API view.

The rule is a named question of core/questions.py (registered by its app from its rules), so a
menu entry (`{% if user|may:"importer.import" %}`) and the page it links to ask the same question by
the same name. The guard signs the visitor in first (it includes `login_required`: a view needs no
second decorator), then refuses with a 403 carrying the message the user reads. An app names its
guards once at the top of its views (`front_only = requires(...)`) and decorates each view with one.

The API's `Requires` asks the same question by the same name: a refusal is DRF's 403 with the message
(core/api.py's shape: {"detail": message, "code": "permission_denied"}); an anonymous caller gets DRF's
401/403 "not signed in" as before.

Only plain user-level rules belong here; a check that needs the record (is this room in my project?)
stays in the view or service that loads it.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from core.questions import ask


class requires:  # noqa: N801 -- used as a decorator: @requires("app.question", message)
    """A view decorator: sign in, then `question` must answer yes, else PermissionDenied(message).
    Pass the message lazily translated (gettext_lazy): it is read when the request comes, in the
    user's language. `guard.check(user)` asks the same inside a view, where the check cannot come
    first (a page that sends residents elsewhere before refusing everyone else)."""

    def __init__(self, question: str, message):
        self.question = question
        self.message = message

    def check(self, user) -> None:
        if not ask(self.question, user):
            raise PermissionDenied(self.message)

    def __call__(self, view: Callable) -> Callable:
        @wraps(view)
        def guarded(request, *args, **kwargs):
            self.check(request.user)
            return view(request, *args, **kwargs)

        return login_required(guarded)


def forbid(reason) -> None:
    """A rule that answers with its reason (None: allowed), asked inside a view once the record is
    loaded (a 404 comes first): a 403 carrying the reason. For rules of the shape
    `rules.role_refusal(user, action) -> str | None`."""
    if reason:
        raise PermissionDenied(reason)


class Requires(BasePermission):
    """A DRF permission: `question` must answer yes, else 403 with `message`. Listed as an instance
    (`permission_classes = [Requires("frontdesk.front", message)]`): DRF calls each entry to make the
    permission, and calling this one gives itself. It replaces DRF's default IsAuthenticated (an
    anonymous caller is never allowed: DRF then answers "not signed in")."""

    def __init__(self, question: str | tuple[str, ...], message=None):
        self.question = question  # one name, or several: any of them answering yes lets the user in
        if message is not None:
            self.message = message

    def __call__(self) -> "Requires":
        return self

    def allows(self, user) -> bool:
        questions = (self.question,) if isinstance(self.question, str) else self.question
        return any(ask(question, user) for question in questions)

    def has_permission(self, request, view) -> bool:
        return self.allows(request.user)

    def check(self, user) -> None:
        """The same question inside an action, once its record is found (a 404 comes first), as
        `requires.check` on a page: a 403 carrying the message (DRF answers Django's refusal so)."""
        if not self.allows(user):
            raise PermissionDenied(getattr(self, "message", None))
