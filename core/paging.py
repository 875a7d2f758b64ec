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
    qs: QuerySet, cursor: str | None, size: int = 25, order: tuple[str, str] = ("-created_at", "-id")
) -> Page:
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
    rows = list(qs.order_by(*order)[: size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    next_cursor = _encode(getattr(rows[-1], field), rows[-1].pk) if has_next else None
    return Page(rows=rows, next_cursor=next_cursor, is_first=position is None)
