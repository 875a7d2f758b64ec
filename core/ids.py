"""The one reader of ids that come from outside (a form, a query string, a JSON body).

An id is a plain ASCII decimal from 1 to 2**63 - 1, the range of the BigAutoField every table
uses (settings.DEFAULT_AUTO_FIELD) and of a SQLite INTEGER. Anything else — a sign, a space, a
superscript '²', '1e3', '0x10', a number past that range — is no row's id: `parse_id` answers
None, and the fields below answer a field error (400), never a query that overflows (500).

- parse_id(value)        -> int | None, for views that read request.GET / request.POST by hand
- IdField                the Django form field (hidden room/resident ids, `?room=` on pages)
- IdChoiceField          Django's ModelChoiceField reading the id through parse_id
- IdFilter               the django-filter filter (`?room=` on lists and the API)
- IdChoiceFilter         django-filter's ModelChoiceFilter reading the id through parse_id
                         (`?project=`, `?category=`: one of the choices offered)
- ApiIdField             the DRF serializer field (`room`, `resident`, `category` in a JSON body)
"""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField as FilterModelChoiceField
from rest_framework import serializers

MAX_ID = 2**63 - 1

ID_MESSAGE = _("编号无效：应为不超过 19 位的正整数。")


def parse_id(value) -> int | None:
    """The id `value` names, or None when no row can have it."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= MAX_ID else None
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def parse_ids(values) -> list[int]:
    """The valid ids among `values` (a getlist of ticked boxes), in order, the rest left out."""
    return [number for number in map(parse_id, values) if number is not None]


class IdField(forms.IntegerField):
    """A form's id: blank is None (when not required), anything `parse_id` refuses is an error."""

    default_error_messages = {"invalid": ID_MESSAGE}

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = parse_id(value)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class _ReadsIdMixin:
    """For a ModelChoiceField: the id is read through `parse_id` before the queryset is asked."""

    def to_python(self, value):
        passes = value in self.empty_values or isinstance(value, self.queryset.model)
        if not passes and not (getattr(self, "null_label", None) is not None and value == self.null_value):
            number = parse_id(value)
            if number is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
                )
            value = number
        return super().to_python(value)


class IdChoiceField(_ReadsIdMixin, forms.ModelChoiceField):
    """One of the queryset's rows by its id."""


class _FilterIdChoiceField(_ReadsIdMixin, FilterModelChoiceField):
    pass


class IdFilter(django_filters.NumberFilter):
    """A list filter by id (`?room=12`), read through `parse_id`."""

    field_class = IdField


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    """A list filter by one of the rows offered (`?project=3`), the id read through `parse_id`."""

    field_class = _FilterIdChoiceField


class ApiIdField(serializers.IntegerField):
    """An id in an API body; in the schema an integer from 1 to MAX_ID."""

    default_error_messages = {"invalid": ID_MESSAGE}

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        number = parse_id(data)
        if number is None:
            self.fail("invalid")
        return number
