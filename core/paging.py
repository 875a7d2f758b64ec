"""Keyset pagination over (created_at DESC, id DESC): constant cost at any depth, no COUNT(*)."""

import base64
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    is_first: bool


def _encode(row) -> str:
    raw = f"{row.created_at.isoformat()}|{row.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, int] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        return datetime.fromisoformat(at), int(pk)
    except (ValueError, UnicodeDecodeError):
        return None


def keyset_page(qs: QuerySet, cursor: str | None, size: int = 25) -> Page:
    position = _decode(cursor) if cursor else None
    if position:
        at, pk = position
        qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk))
    rows = list(qs.order_by("-created_at", "-id")[: size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    return Page(rows=rows, next_cursor=_encode(rows[-1]) if has_next else None, is_first=position is None)
