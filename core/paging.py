"""Keyset pagination: constant cost at any depth, no COUNT(*).

The order is a pair (field, id), both descending or both ascending, e.g. newest first
("-created_at", "-id") or soonest deadline first ("due_at", "id"); rows whose field is NULL are
left out of the second kind (a list sorted by deadline shows requests that have one)."""

import base64
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    is_first: bool


def _encode(value: datetime, pk: int) -> str:
    raw = f"{value.isoformat()}|{pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, int] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        return datetime.fromisoformat(at), int(pk)
    except (ValueError, UnicodeDecodeError):
        return None


def keyset_page(
    qs: QuerySet, cursor: str | None, size: int = 25, order: tuple[str, str] = ("-created_at", "-id"), load=None
) -> Page:
    """One page of `qs`. With `load` (a function from a list of ids to a queryset), the page's ids
    are found first by a query without joins, then `load` fetches those rows with whatever they
    need: the planner then walks the ordering index instead of joining every candidate row."""
    field = order[0].lstrip("-")
    descending = order[0].startswith("-")
    if not descending:
        qs = qs.filter(**{f"{field}__isnull": False})
    position = _decode(cursor) if cursor else None
    if position:
        value, pk = position
        if descending:
            qs = qs.filter(Q(**{f"{field}__lt": value}) | Q(**{field: value, "pk__lt": pk}))
        else:
            qs = qs.filter(Q(**{f"{field}__gt": value}) | Q(**{field: value, "pk__gt": pk}))
    if load is None:
        rows = list(qs.order_by(*order)[: size + 1])
        keys = [(getattr(row, field), row.pk) for row in rows]
    else:
        keys = [(value, pk) for pk, value in qs.order_by(*order).values_list("pk", field)[: size + 1]]
        by_pk = {row.pk: row for row in load([pk for _value, pk in keys[:size]])}
        rows = [by_pk[pk] for _value, pk in keys[:size] if pk in by_pk]
    has_next = len(keys) > size
    rows = rows[:size]
    next_cursor = _encode(*keys[size - 1]) if has_next else None
    return Page(rows=rows, next_cursor=next_cursor, is_first=position is None)
