import functools

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

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
def fast_select(bound_field, css: str = "form-select form-select-sm", size: int | None = None, scope: str = ""):
    """A <select> for a form field, written directly: Django's widget templates render an include
    per option, which made the request list's filter form cost more than its rows.

    `scope`: for a model choice field, a string that by itself determines the field's queryset for
    this form (e.g. the user's project ids): the cached options are found by it instead of by the
    queryset's SQL, which costs a query compilation per field. Only pass it when that holds."""
    field = bound_field.field
    widget = field.widget
    value = bound_field.value()
    choices = _cached_choices(bound_field, scope)
    if value is True or value is False or (value is None and not hasattr(field, "choices")):
        value = {True: "true", False: "false", None: "unknown"}[value]  # a yes/no/unknown select
    chosen = {str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v not in (None, "")}
    multiple = getattr(widget, "allow_multiple_selected", False)
    # What format_html_join would give, without its per-option format_html call.
    options = mark_safe(  # noqa: S308 - key and label are escaped
        "".join(
            f'<option value="{conditional_escape(key)}"{" selected" if str(key) in chosen else ""}>'
            f"{conditional_escape(label)}</option>"
            for key, label in choices
        )
    )
    return format_html(
        '<select name="{}" id="{}" class="{}"{}{}>{}</select>',
        bound_field.html_name,
        bound_field.auto_id,
        css,
        mark_safe(" multiple") if multiple else "",
        format_html(' size="{}"', size) if size else "",
        options,
    )


def _cached_choices(bound_field, scope: str = "") -> list[tuple[str, str]]:
    """A model field's choices (buildings, staff, categories of the user's projects) change
    rarely: kept for a minute per field, project set and language instead of queried per page."""
    from django.core.cache import cache
    from django.forms import ModelChoiceField
    from django.utils.translation import get_language

    field = bound_field.field
    if not isinstance(field, ModelChoiceField):
        return [(str(k), str(v)) for k, v in getattr(field, "choices", None) or bound_field.field.widget.choices]
    if scope:
        sql, params = "scope", (scope,)
    else:
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


_LABELS: dict[tuple, dict] = {}


def choice_labels(model, field_name: str) -> dict:
    """{value: label} of a model field's choices in the active language, as
    `instance.get_<field>_display()` gives them, built once per process and language: that method
    rebuilds and hashes the whole (lazy, so translated) choice list on every call, which was most
    of the cost of a list row. Look up with `.get(value, value)` like Django does."""
    from django.utils.translation import get_language

    key = (model._meta.label, field_name, get_language())
    labels = _LABELS.get(key)
    if labels is None:
        labels = {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}
        _LABELS[key] = labels
    return labels


@register.filter
def may(user, question: str) -> bool:
    """`{% if user|may:"importer.import" %}`: the rule the page's view checks (core.questions)."""
    from core.questions import ask

    return ask(question, user)


@functools.cache
def _state_class(model) -> type:
    """The choices class of a model's `state` field, found among the classes its module uses."""
    import sys

    from django.core.exceptions import ImproperlyConfigured
    from django.db.models import Choices

    pairs = [(value, str(label)) for value, label in model._meta.get_field("state").choices]
    found = {
        obj
        for obj in vars(sys.modules[model.__module__]).values()
        if isinstance(obj, type) and issubclass(obj, Choices) and [(v, str(lab)) for v, lab in obj.choices] == pairs
    }
    if len(found) != 1:
        raise ImproperlyConfigured(f"{model.__name__}.state: no single choices class in {model.__module__}.")
    return found.pop()


def _states(obj, names: str) -> set:
    from django.core.exceptions import ImproperlyConfigured

    cls = _state_class(type(obj))
    try:
        return {cls[name.strip()] for name in names.split(",")}
    except KeyError as exc:
        raise ImproperlyConfigured(f"{cls.__name__} has no member {exc}.") from None


@register.filter
def state_is(obj, name: str) -> bool:
    """`{% if r|state_is:"SUBMITTED" %}`: the record's state by its member name in the model's
    choices class (a mistyped name raises instead of being silently False)."""
    return obj.state in _states(obj, name)


@register.filter
def state_in(obj, names: str) -> bool:
    """`{% if r|state_in:"APPROVED,PAID" %}`: the state is one of these members."""
    return obj.state in _states(obj, names)
