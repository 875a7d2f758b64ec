"""Where a page may send the user back to after a POST."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str) -> str:
    """The POSTed `next` when it is a path on this site (Django's own check: it refuses
    `//evil.com`, `/\\evil.com`, `https://evil.com`, `javascript:`...), else `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
