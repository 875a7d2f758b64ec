from django import template
from django.utils.html import format_html

from core.phone import mask_phone

register = template.Library()


@register.filter
def phone_for(value: str, user) -> str:
    """A phone number as this user may see it: full for the desk and supervisors, masked otherwise."""
    if not value:
        return ""
    return value if getattr(user, "sees_full_phone", False) else mask_phone(value)


@register.simple_tag
def badge(label, colour: str):
    text = "text-dark" if colour in {"light", "warning", "info"} else ""
    return format_html('<span class="badge text-bg-{} {}">{}</span>', colour, text, label)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (pagination links keep the filters)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
