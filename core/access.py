"""One access guard for the pages: `@requires("importer.import", _("只有……可以导入数据。"))`.

The rule is a named question of core/questions.py (registered by its app from its rules), so a
menu entry (`{% if user|may:"importer.import" %}`) and the page it links to ask the same question by
the same name. The guard signs the visitor in first (it includes `login_required`: a view needs no
second decorator), then refuses with a 403 carrying the message the user reads. An app names its
guards once at the top of its views (`front_only = requires(...)`) and decorates each view with one.

Only plain user-level rules belong here; a check that needs the record (is this room in my project?)
stays in the view or service that loads it.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

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
