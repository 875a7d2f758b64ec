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


@register.simple_tag
def fast_select(bound_field, css: str = "form-select form-select-sm", size: int | None = None):
    """A <select> for a form field, written directly: Django's widget templates render an include
    per option, which made the request list's filter form cost more than its rows."""
    from django.utils.html import format_html_join

    field = bound_field.field
    widget = field.widget
    value = bound_field.value()
    choices = _cached_choices(bound_field)
    if value is True or value is False or (value is None and not hasattr(field, "choices")):
        value = {True: "true", False: "false", None: "unknown"}[value]  # a yes/no/unknown select
    chosen = {str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v not in (None, "")}
    multiple = getattr(widget, "allow_multiple_selected", False)
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((key, " selected" if str(key) in chosen else "", label) for key, label in choices),
    )
    return format_html(
        '<select name="{}" id="{}" class="{}"{}{}>{}</select>',
        bound_field.html_name,
        bound_field.auto_id,
        css,
        format_html(" multiple") if multiple else "",
        format_html(' size="{}"', size) if size else "",
        options,
    )


def _cached_choices(bound_field) -> list[tuple[str, str]]:
    """A model field's choices (buildings, staff, categories of the user's projects) change
    rarely: kept for a minute per field, project set and language instead of queried per page."""
    from django.core.cache import cache
    from django.forms import ModelChoiceField
    from django.utils.translation import get_language

    field = bound_field.field
    if not isinstance(field, ModelChoiceField):
        return [(str(k), str(v)) for k, v in getattr(field, "choices", None) or bound_field.field.widget.choices]
    sql, params = field.queryset.query.sql_with_params()
    form = type(bound_field.form)
    key = "choices:" + str(
        hash((form.__module__, form.__name__, bound_field.html_name, sql, tuple(map(str, params)), get_language()))
    )
    choices = cache.get(key)
    if choices is None:
        choices = [(str(getattr(k, "value", k)), str(v)) for k, v in field.choices]
        cache.set(key, choices, 60)
    return choices
