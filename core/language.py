"""Which language the interface speaks to a signed-in person: their own choice (`User.language`,
set on the preferences page or with the navbar's switch), else their company's default
(`Company.language`, Chinese unless an administrator changes it), and only then what the browser
asks for (Django's LocaleMiddleware: the language cookie, then Accept-Language), which is all an
anonymous visitor (the sign-in page) or a user without a company gets.

`UserLanguageMiddleware` (after AuthenticationMiddleware) applies it to every page; notifications
use `language_for` to speak to their recipient in the recipient's language, not the sender's.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from core.models import Company

_CACHE_SECONDS = 300
LANGUAGE_CODES = frozenset(code for code, _label in settings.LANGUAGES)


def company_language(company_id: int | None) -> str:
    """A company's default language ('' when there is no company), cached: read on every page."""
    if not company_id:
        return ""
    key = f"company-language:{company_id}"
    language = cache.get(key)
    if language is None:
        language = Company.objects.filter(pk=company_id).values_list("language", flat=True).first() or ""
        cache.set(key, language, _CACHE_SECONDS)
    return language


def forget_company_language(company_id: int) -> None:
    cache.delete(f"company-language:{company_id}")


def language_for(user) -> str:
    """The language `user` reads the product in, or '' when the browser decides."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    chosen = getattr(user, "language", "")
    if chosen in LANGUAGE_CODES:
        return chosen
    company = user._state.fields_cache.get("company") if hasattr(user, "_state") else None
    # Read with the user (core/backends.py) on every page; otherwise from the cache.
    default = company.language if company is not None else company_language(getattr(user, "company_id", None))
    return default if default in LANGUAGE_CODES else ""


def by_language(users) -> dict[str, list]:
    """The users grouped by the language each reads (the site's default for those without one)."""
    groups: dict[str, list] = {}
    for user in users:
        groups.setdefault(language_for(user) or settings.LANGUAGE_CODE, []).append(user)
    return groups


class UserLanguageMiddleware:
    """After LocaleMiddleware and AuthenticationMiddleware: a signed-in user's language replaces
    the one the browser asked for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = language_for(getattr(request, "user", None))
        if language and language != getattr(request, "LANGUAGE_CODE", None):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
