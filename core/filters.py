"""One answer to an invalid filter, on the list page, the API and the export alike.

A list's filter set (an app's `filters.py`) is bound to the query string by `bind_filters`; a value
it cannot read (`?state=abc`, an id no row can have, `?created_from=notadate`, a project not the
user's) refuses the whole list with the filter's field errors instead of quietly showing everything:

- the page answers 400 and shows the errors where the rows would be
  (`{% include "core/_filter_errors.html" with form=filter.form %}`);
- the API answers 400 `{"detail", "code": "invalid", "errors": {field: [messages]}}` (core/api.py),
  through `FilterBackend`, the project's default filter backend;
- the export answers 400 with the same errors and writes no file.
"""

from django.core.exceptions import ValidationError
from django_filters.rest_framework import DjangoFilterBackend


class Filtered:
    """A filter set bound to a request's query string. `rows` is the filtered queryset (the whole
    queryset when nothing is asked); `valid` is False when a value cannot be read, and then `rows`
    is None and `errors` holds the filter form's field errors."""

    def __init__(self, filterset):
        self.filterset = filterset
        self.valid = not filterset.is_bound or filterset.is_valid()
        self.rows = filterset.qs if self.valid else None

    @property
    def errors(self):
        return self.filterset.errors

    @property
    def form(self):
        return self.filterset.form

    def refuse(self) -> None:
        """Raise the filter's field errors as a ValidationError (what the API answers 400 with)."""
        if not self.valid:
            raise ValidationError(self.filterset.form.errors.as_data())


def bind_filters(filterset_class, request, queryset, data=None, **kwargs) -> Filtered:
    """Bind `filterset_class` over `queryset` to the query string (or `data`); an empty query string
    leaves it unbound: everything."""
    data = request.GET if data is None else data
    return Filtered(filterset_class(data or None, queryset=queryset, request=request, **kwargs))


class FilterBackend(DjangoFilterBackend):
    """DRF's django-filter backend answering an invalid filter through `bind_filters`: 400 with the
    field errors, in the API's one error shape."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        filtered = bind_filters(filterset_class, request, queryset, data=request.query_params)
        filtered.refuse()
        return filtered.rows
