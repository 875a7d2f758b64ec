"""The access matrix's base: who gets what from every page and API view.

Every named URL of the project's apps has at least one `Row` in `tests/test_access_matrix.py`
(`test_every_url_pattern_has_a_row` fails otherwise). A row names the pattern, how to fill its
arguments from the scene (`tests/access_scene.py`: records of project A, in the household of
3-2-1502), the method, and who gets through (`allow`); every member of the cast then gets a test:

- anonymous: sent to sign in (pages), 401/403 (API);
- a role in `allow`: 200 on GET; on POST the action is done (no 403/404/500, no error message), or,
  for a POST row without a valid body (`data`), only let in past the permission checks;
- a role not in `allow`: `refuse` (403 unless the row says otherwise), or what `expect` says for it
  (a 404 where the record is not theirs to see, a redirect to their own page, REFUSED where a
  button answers with a redirect and the reason as an error message, …);
- `other`: the same role (`other_as`) in project B asking for project A's record: 404 by default
  when the URL names a record; a page without a record answers as it does for that role, and must
  not show project A's text;
- `neighbour`: a resident of the same project but another household; a page answered to them must
  not show 3-2-1502's text.

The idea is NetBox's view-test cases (anonymous / without permission / with permission / outside
the permitted objects), written as a table so a new view cannot ship without its cases.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.messages import constants as message_levels
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver

ANON = "anon"
STAFF = ("cs", "supervisor", "manager", "pm", "lead", "tech", "guard", "finance", "admin")
RESIDENTS = ("resident", "neighbour")
OTHER = "other"
CAST = (ANON, *STAFF, *RESIDENTS, OTHER)

# The scene's attribute for each member of the cast (`other` is `other_<row.other_as>`).
USERS = {role: role for role in STAFF} | {"resident": "resident_user", "neighbour": "neighbour_user"}

# Groups the rows speak of (core/choices.py has the roles behind them).
DESK = frozenset({"cs", "supervisor", "manager"})  # DESK_ROLES
SUPERVISING = frozenset({"supervisor", "manager", "pm", "admin"})  # SUPERVISING_ROLES
ALL_STAFF = frozenset(STAFF)
EVERYONE = frozenset(STAFF + RESIDENTS)

# Named URLs the matrix leaves out on purpose (the admin site is left out whole: it has its own
# permission system, staff accounts only). Everything else needs a row.
SKIP = {
    "login": "the sign-in page itself: open to all",
    "logout": "signing out: open to all",
    "set_language": "Django's language switch (i18n/): no data",
    "desk:healthz": "the health check: open by design, no data",
    "api:token": "the API's sign-in: open to all (core/tests/test_signin.py)",
    "schema": "the OpenAPI description: the same for everyone, no data (desk/tests/test_api.py reads it)",
    "api-docs": "the Swagger page over the schema: no data",
    "portal:signin": "the residents' sign-in page (a code by SMS): open to all (portal/tests)",
    "portal:signout": "signing out of the residents' app: open to all",
    "billing:gateway-notify": "the payment gateway's callback: no session, the signature is the authentication "
    "(billing/tests/test_gateway.py)",
}


# ---------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Outcome:
    """What a response must look like; `problem(response, method)` says what is wrong, or None."""

    kind: str
    status: int = 0
    target: object = ""  # a redirect's: a URL name, a path prefix ("/x/"), or a function of the scene

    def problem(self, response, method: str, scene=None) -> str | None:
        code = response.status_code
        where = response.get("Location", "")
        if self.kind == "ok":
            if method == "GET":
                return None if code == 200 else f"expected 200, got {code} {where}"
            errors = [str(m) for m in _messages(response) if m.level >= message_levels.ERROR]
            if code in (403, 404) or code >= 500 or _to_login(where) or (code == 302 and errors):
                return (
                    f"expected the action to go through (not 403/404/500/sign-in/refused), got {code} {where} {errors}"
                )
            return None
        if self.kind == "let-in":
            if code in (403, 404) or code >= 500 or _to_login(where):
                return f"expected to be let in (no 403/404/500/sign-in), got {code} {where}"
            return None
        if self.kind == "login":
            return None if code == 302 and _to_login(where) else f"expected a redirect to sign in, got {code} {where}"
        if self.kind == "api-anon":
            return None if code in (401, 403) else f"expected 401/403, got {code}"
        if self.kind == "refused":
            errors = [m for m in _messages(response) if m.level >= message_levels.ERROR]
            if code == 302 and not _to_login(where) and errors:
                return None
            return f"expected a redirect with an error message (refused), got {code} {where} {errors}"
        if self.kind == "redirect":
            path, ok = where.split("?")[0].split("#")[0], None
            if callable(self.target):
                target = self.target(scene)
            elif self.target.startswith("/"):
                target, ok = self.target + "…", path.startswith(self.target)
            else:
                target = resolve_url(self.target)
            if code == 302 and (ok if ok is not None else path == target):
                return None
            return f"expected a redirect to {target}, got {code} {where}"
        return None if code == self.status else f"expected {self.status}, got {code} {where}"


OK = Outcome("ok")  # GET: 200; POST: done (no 403/404/500/sign-in, no error message)
LET_IN = Outcome("let-in")  # POST without a valid body: past the permission checks, whatever the form says
LOGIN = Outcome("login")
API_ANON = Outcome("api-anon")
REFUSED = Outcome("refused")  # a POST button's refusal: back to the page with the reason as an error message
DENIED = Outcome("status", 403)
HIDDEN = Outcome("status", 404)
BAD = Outcome("status", 400)


def status(code: int) -> Outcome:
    return Outcome("status", code)


def to(target) -> Outcome:
    """A redirect: to the URL named `target` (no arguments), to any path under `target` when it
    starts with "/", or to `target(scene)`."""
    return Outcome("redirect", target=target)


def _to_login(location: str) -> bool:
    return location.startswith(resolve_url(settings.LOGIN_URL))


def _messages(response):
    from django.contrib.messages import get_messages

    request = getattr(response, "wsgi_request", None)
    return list(get_messages(request)) if request is not None else []


# ---------------------------------------------------------------- rows


@dataclass(frozen=True)
class Row:
    """One URL of the matrix. `kwargs(scene)` fills the pattern's arguments, `query(scene)` adds a
    query string, `data(scene)` a POST body; `variant` names a second row of the same pattern."""

    name: str
    allow: frozenset = frozenset()
    kwargs: Callable[[object], dict] | None = None
    method: str = "GET"
    refuse: Outcome = DENIED
    ok: Outcome | None = None  # what `allow` gets: OK, or LET_IN for a POST row without `data`
    expect: dict = field(default_factory=dict)
    other: Outcome | None = None
    other_as: str = ""
    query: Callable[[object], dict] | None = None
    data: Callable[[object], dict] | None = None
    variant: str = ""
    why: str = ""

    @property
    def id(self) -> str:
        return self.name + (f"[{self.variant}]" if self.variant else "")

    @property
    def api(self) -> bool:
        return self.name.startswith("api:") or ":api-" in self.name

    def other_role(self) -> str:
        """The role whose twin in project B asks: a role that gets through in project A."""
        if self.other_as:
            return self.other_as
        for role in (*STAFF, *RESIDENTS):
            if role in self.allow and self.expect.get(role, self.allowed_outcome) == self.allowed_outcome:
                return "resident" if role == "neighbour" else role
        return "cs"

    def expected(self, role: str, kwargs: dict) -> Outcome:
        """What `role` gets from this row's URL (`kwargs` filled in from the scene)."""
        if role in self.expect:
            return _outcome(self.expect[role])
        if role == ANON:
            return API_ANON if self.api else LOGIN
        if role == OTHER:
            if self.other is not None:
                return _outcome(self.other)
            if any(isinstance(v, int) for v in kwargs.values()):  # a record (or project) of project A
                return HIDDEN
            return self.expected(self.other_role(), kwargs)
        return self.allowed_outcome if role in self.allow else self.refuse

    @property
    def allowed_outcome(self) -> Outcome:
        if self.ok is not None:
            return self.ok
        return LET_IN if self.method == "POST" and self.data is None else OK


def _outcome(value) -> Outcome:
    return value if isinstance(value, Outcome) else status(value)


def other_user_attr(role: str) -> str:
    return "other_resident_user" if role in RESIDENTS else f"other_{role}"


# ---------------------------------------------------------------- the project's named URLs


def named_patterns(*, skip: bool = True) -> dict[str, str]:
    """Every named URL of the project, `namespace:name` (or the bare name), with its route; the
    admin site left out, and the SKIP list unless `skip=False`."""
    found: dict[str, str] = {}

    def walk(resolver, prefix, namespace):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(filter(None, [namespace, p.namespace]))
                if ns != "admin":
                    walk(p, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name:
                name = f"{namespace}:{p.name}" if namespace else p.name
                if not (skip and name in SKIP):
                    found.setdefault(name, prefix + str(p.pattern))

    walk(get_resolver(), "", "")
    return found
