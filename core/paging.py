"""Keyset pagination, the one mechanism: list pages (`keyset_page`), the API (`KeysetPagination`)
and exports (`keyset_rows`) all read rows this way. Constant cost at any depth, no COUNT(*), no
OFFSET.

An order is a tuple of fields, all descending or all ascending, ending in a unique tie-breaker
(the primary key, or another unique field): newest first ("-created_at", "-id"), soonest deadline
first ("due_at", "id"), natural room order ("sort_key", "id"), newest id first ("-pk",). A page
after a position is `WHERE (k1, k2) < (v1, v2) ORDER BY k1 DESC, k2 DESC LIMIT n + 1` (`>` and
ASC when ascending; PostgreSQL compares the row values on the index, SQLite gets the equivalent
`k1 < v1 OR (k1 = v1 AND k2 < v2)`); the extra row says whether there is a next page. Rows
whose sort fields are NULL are left out (a list sorted by deadline shows requests that have one).

A cursor is opaque: the position's values, the order they belong to and the direction (after the
position, or before it for "previous"), base64 of a little JSON. A cursor that does not decode, or
was made for another order, is no position: the list pages show the first page, the API answers
404 as DRF's cursor pagination does."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from uuid import UUID

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, QuerySet

# Django's row-value comparison (the lookups behind composite primary keys): `(a, b) < (x, y)` on
# PostgreSQL, the equivalent AND/OR on backends without row values.
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.utils.urls import replace_query_param

NEWEST_FIRST = ("-created_at", "-id")


class InvalidCursor(ValueError):
    """A cursor that does not decode, or was made for another order."""


@dataclass(frozen=True)
class _Key:
    """An order made ready: the fields (no '-'), the direction, and per field the model field or
    annotation's output field (to read values back from a cursor) and the attribute a row holds
    its value in."""

    order: tuple[str, ...]
    names: tuple[str, ...]
    descending: bool
    attrs: tuple[str, ...]
    nullable: tuple[str, ...]
    fields: tuple

    def order_by(self, backwards: bool = False) -> list[str]:
        down = self.descending != backwards
        return [f"-{name}" if down else name for name in self.names]


def _key(qs: QuerySet, order: Sequence[str]) -> _Key:
    annotations = qs.query.annotations
    if any(name.lstrip("-") in annotations for name in order):
        return _make_key(qs.model, tuple(order), {n: annotations[n].output_field for n in annotations})
    return _model_key(qs.model, tuple(order))


@cache
def _model_key(model, order: tuple[str, ...]) -> _Key:
    return _make_key(model, order, {})


def _make_key(model, order: tuple[str, ...], annotated: dict) -> _Key:
    if not order or len({name.startswith("-") for name in order}) != 1:
        raise ValueError(f"keyset order {order!r}: one or more fields, all ascending or all descending")
    names = tuple(name.lstrip("-") for name in order)
    fields, attrs, nullable = [], [], []
    for name in names:
        if name in annotated:
            fields.append(annotated[name])
            attrs.append(name)
            continue
        try:
            field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        except FieldDoesNotExist:
            raise ValueError(f"keyset order {order!r}: {model.__name__} has no field {name!r}") from None
        fields.append(field)
        attrs.append("pk" if name == "pk" else field.attname)
        if field.null:
            nullable.append(name)
    last = fields[-1]
    if names[-1] not in annotated and not (last.primary_key or last.unique):
        raise ValueError(f"keyset order {order!r} must end in a unique field (the primary key)")
    return _Key(order, names, order[0].startswith("-"), tuple(attrs), tuple(nullable), tuple(fields))


# ---------------------------------------------------------------- cursors


def _plain(value):
    if hasattr(value, "isoformat"):  # datetime, date, time: every digit, with the offset
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    return value


def _encode(key: _Key, values: Sequence, backwards: bool = False) -> str:
    payload = [",".join(key.order), [_plain(v) for v in values], int(backwards)]
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(key: _Key, cursor: str) -> tuple[list, bool]:
    """The position's values and whether the cursor asks for the rows before it."""
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode())
        order, values, backwards = json.loads(raw.decode())
        if order != ",".join(key.order) or len(values) != len(key.names) or None in values:
            raise InvalidCursor(cursor)
        return [field.to_python(value) for field, value in zip(key.fields, values, strict=True)], bool(backwards)
    except (ValueError, TypeError, UnicodeError, ValidationError) as exc:
        raise InvalidCursor(cursor) from exc


# ---------------------------------------------------------------- reading


def _beyond(qs: QuerySet, key: _Key, values: Sequence, backwards: bool) -> QuerySet:
    """The rows after `values` in the order (before them when `backwards`)."""
    greater = key.descending == backwards
    if len(key.names) == 1:
        return qs.filter(**{f"{key.names[0]}__{'gt' if greater else 'lt'}": values[0]})
    lookup = TupleGreaterThan if greater else TupleLessThan
    return qs.filter(lookup(Tuple(*(F(name) for name in key.names)), tuple(values)))


def _read(qs: QuerySet, key: _Key, position, backwards: bool, size: int, load=None) -> tuple[list, list, bool]:
    """Up to `size` rows beyond `position` (None: from the start), in the order; their keys; and
    whether more rows lie beyond them. Backwards reads the rows before `position`, nearest first,
    and gives them back in the order."""
    if key.nullable:
        qs = qs.filter(**{f"{name}__isnull": False for name in key.nullable})
    if position is not None:
        qs = _beyond(qs, key, position, backwards)
    qs = qs.order_by(*key.order_by(backwards))
    if load is None:
        rows = list(qs[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        keys = [tuple(getattr(row, attr) for attr in key.attrs) for row in rows]
    else:
        found = list(qs.values_list("pk", *key.names)[: size + 1])
        more = len(found) > size
        found = found[:size]
        by_pk = {row.pk: row for row in load([pk for pk, *_values in found])}
        rows = [by_pk[pk] for pk, *_values in found if pk in by_pk]
        keys = [tuple(values) for pk, *values in found if pk in by_pk]
    if backwards:
        rows.reverse()
        keys.reverse()
    return rows, keys, more


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    is_first: bool
    previous_cursor: str | None = None


def keyset_page(
    qs: QuerySet,
    cursor: str | None,
    size: int = 25,
    order: Sequence[str] = NEWEST_FIRST,
    load: Callable[[list], QuerySet] | None = None,
    *,
    strict: bool = False,
) -> Page:
    """One page of `qs` in `order`, after (or, for a "previous" cursor, before) the cursor's
    position. With `load` (a function from a list of ids to a queryset), the page's ids are found
    first by a query without joins, then `load` fetches those rows with whatever they need: the
    planner then walks the ordering index instead of joining every candidate row. A bad cursor is
    the first page, or InvalidCursor when `strict`."""
    key = _key(qs, order)
    position, backwards = None, False
    if cursor:
        try:
            position, backwards = _decode(key, cursor)
        except InvalidCursor:
            if strict:
                raise
    rows, keys, more = _read(qs, key, position, backwards, size, load)
    if backwards:
        # Before the position: the position itself is a next page; more rows before is a previous one.
        next_cursor = _encode(key, keys[-1] if keys else position)
        previous_cursor = _encode(key, keys[0], backwards=True) if more and keys else None
        return Page(rows=rows, next_cursor=next_cursor, is_first=not more, previous_cursor=previous_cursor)
    next_cursor = _encode(key, keys[-1]) if more else None
    previous_cursor = None
    if position is not None:
        previous_cursor = _encode(key, keys[0] if keys else position, backwards=True)
    return Page(rows=rows, next_cursor=next_cursor, is_first=position is None, previous_cursor=previous_cursor)


def keyset_rows(qs: QuerySet, order: Sequence[str] = ("-pk",), chunk: int = 2000) -> Iterator:
    """Every row of `qs` in `order`, read `chunk` rows at a time by the same keyset (no OFFSET, no
    server-side cursor): exports of 100k rows in constant memory."""
    key = _key(qs, order)
    position = None
    while True:
        rows, keys, more = _read(qs, key, position, False, chunk)
        yield from rows
        if not more:
            return
        position = keys[-1]


# ---------------------------------------------------------------- the API


class KeysetPagination(CursorPagination):
    """DRF's cursor pagination on `keyset_page`: the same response (`next`, `previous`, `results`,
    no count), schema, `page_size` parameter and 404 for a bad cursor as DRF's class, with the
    position the whole sort key (no offset over ties). `ordering` is the order; a view may choose
    one per request by overriding `get_ordering`."""

    page_size = 25
    max_page_size = 100
    page_size_query_param = "page_size"
    ordering = NEWEST_FIRST

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return None
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        try:
            page = keyset_page(
                queryset,
                request.query_params.get(self.cursor_query_param),
                size=self.page_size,
                order=self.ordering,
                strict=True,
            )
        except InvalidCursor:
            raise NotFound(self.invalid_cursor_message) from None
        self.keyset = page
        self.has_next = page.next_cursor is not None
        self.has_previous = page.previous_cursor is not None
        if (self.has_previous or self.has_next) and self.template is not None:
            self.display_page_controls = True
        return page.rows

    def _link(self, cursor: str | None) -> str | None:
        return None if cursor is None else replace_query_param(self.base_url, self.cursor_query_param, cursor)

    def get_next_link(self):
        return self._link(self.keyset.next_cursor)

    def get_previous_link(self):
        return self._link(self.keyset.previous_cursor)


class NewestIdFirst(KeysetPagination):
    """Newest first by id alone, for records whose id follows their creation (a log, a sign-up)."""

    ordering = ("-pk",)
