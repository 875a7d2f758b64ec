"""Limits of free text. Every free-text model field has a `max_length` (docs/decisions.md, "Limits
of free text"): forms and DRF ModelSerializers take it from the field, hand-written form and
serializer fields and the services read it with `text_limit`, so the number is written once."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def text_limit(model, field: str) -> int:
    """The most characters `model.field` takes."""
    return model._meta.get_field(field).max_length


def too_long_message(limit: int) -> str:
    return _("最多 %(limit)s 个字。") % {"limit": limit}


def check_text_lengths(values: dict[str, tuple[str, int]]) -> None:
    """ValidationError naming each field whose text is longer than its limit; `values` maps the
    field the user typed into (its name in the form and the API) to (text, limit)."""
    errors = {field: [too_long_message(limit)] for field, (text, limit) in values.items() if text and len(text) > limit}
    if errors:
        raise ValidationError(errors)


def limit_text_field(field, limit: int) -> None:
    """Give a form field built once for several uses the limit of the text it feeds in this use
    (its message, its validator and the widget's maxlength follow)."""
    from django.core.validators import MaxLengthValidator

    field.max_length = limit
    field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    field.validators.append(MaxLengthValidator(limit))
    field.widget.attrs.update(field.widget_attrs(field.widget))
