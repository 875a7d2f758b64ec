"""Named yes/no questions about a user, for the menus and buttons of the templates.

Each question is answered by the rule function its view (or service) checks, registered once by
its app in `AppConfig.ready()`: `register("importer.import", services.may_import)`. Templates ask
`{% if user|may:"importer.import" %}` (core/templatetags/propdesk.py) instead of comparing role
strings, so a menu entry shows exactly when the page it links to opens. Core imports no app: the
apps register themselves. An unknown name raises (a typo must not silently hide a menu entry).
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_QUESTIONS: dict[str, Callable[[object], bool]] = {}


def register(name: str, rule: Callable[[object], bool]) -> None:
    known = _QUESTIONS.get(name)
    if known is not None and known is not rule:
        raise ImproperlyConfigured(f"Question {name!r} is already answered by {known.__qualname__}.")
    _QUESTIONS[name] = rule


def ask(name: str, user) -> bool:
    """Whether `user` may: False for anonymous visitors, else the registered rule's answer."""
    try:
        rule = _QUESTIONS[name]
    except KeyError:
        raise ImproperlyConfigured(f"No question {name!r}; known: {', '.join(sorted(_QUESTIONS))}.") from None
    return bool(getattr(user, "is_authenticated", False)) and bool(rule(user))
