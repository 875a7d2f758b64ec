"""API authentication (kept apart from core.api: DRF imports it while its views module loads)."""

from functools import cache, wraps

from django.db import connection
from django.http import JsonResponse
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from core import sql
from core.models import User, assigned_projects_sql
from core.sql import build, quote, select_list


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token check, read in one hand-written statement (core/sql.py): it runs on every call of
    an integration. Same answers; an unknown token or an inactive user is left to DRF's own check,
    which raises its usual error."""

    def authenticate_credentials(self, key):
        with sql.cursor() as cursor:
            cursor.execute(_token_sql(connection.vendor), [key])
            row = cursor.fetchone()
        user, at = build(User, row) if row else (None, 0)
        if user is None or not user.is_active:
            return super().authenticate_credentials(key)
        # The projects the user is assigned to, read in the same statement (User.project_ids).
        assigned = row[at]
        if isinstance(assigned, str) or assigned is None:  # SQLite: group_concat
            assigned = [int(pk) for pk in (assigned or "").split(",") if pk]
        user._assigned_project_ids = frozenset(assigned)
        return user, Token(key=key, user=user)


@cache
def _token_sql(vendor: str) -> str:
    user = f"u.{quote('id')}"
    if vendor == "postgresql":
        projects = f"ARRAY({assigned_projects_sql(user)})"
    else:  # SQLite: '3,5,8'
        projects = f"({assigned_projects_sql(user, 'group_concat({})')})"
    return (
        f"SELECT {select_list(User, 'u')}, {projects} FROM {quote(User._meta.db_table)} u"
        f" JOIN {quote(Token._meta.db_table)} t ON t.{quote('user_id')} = u.{quote('id')}"
        f" WHERE t.{quote('key')} = %s"
    )


def accepts_api_token(view):
    """A page that also answers an API client: a file whose address the API gives (a request's
    attachment, a patrol or activity photo, a renovation drawing). `Authorization: Token <key>`
    signs the call in with the API's own check; the page's permission rules then decide as for a
    signed-in person (404 for what they may not see). A wrong or switched-off token is 401 with the
    API's answer; without the header the session decides, as before."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            found = TokenAuthentication().authenticate(request)  # None without a Token header
        except exceptions.AuthenticationFailed as exc:
            response = JsonResponse({"detail": str(exc.detail), "code": exc.get_codes()}, status=401)
            response["WWW-Authenticate"] = TokenAuthentication.keyword
            return response
        if found is not None:
            request.user = found[0]
        return view(request, *args, **kwargs)

    return wrapper
