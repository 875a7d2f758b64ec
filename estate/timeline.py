"""The household page's one timeline (一户一档): every app contributes the entries it owns.

An app puts a module `timeline_items.py` beside its models and registers one function per source:

    from estate.timeline import TimelineEntry, timeline_source

    @timeline_source("renovation", _("装修"), order=40)
    def renovation_entries(*, room, user, limit):
        return [TimelineEntry(at=..., source="renovation", title=..., detail=..., url=..., state=...) ...]

Each function answers with ONE query (prefetch in the same call if needed, never one query per
entry), returns at most `limit` entries for that room, newest first, and shows only what `user`
may see. The household page merges them newest first and filters by source.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    source: str  # the registering source's code
    title: str
    detail: str = ""
    url: str = ""
    state: str = ""  # a short state label, e.g. "已完成"
    actor: str = ""
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TimelineSource:
    code: str
    label: str
    order: int
    collect: Callable[..., list[TimelineEntry]]


_SOURCES: dict[str, TimelineSource] = {}
_discovered = False


def timeline_source(code: str, label, *, order: int = 100):
    """Register `fn(*, room, user, limit) -> list[TimelineEntry]` (newest first) as one source."""

    def decorator(fn):
        _SOURCES[code] = TimelineSource(code=code, label=label, order=order, collect=fn)
        return fn

    return decorator


def sources() -> list[TimelineSource]:
    global _discovered
    if not _discovered:
        autodiscover_modules("timeline_items")
        _discovered = True
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.code))


def room_timeline(*, room, user, only: set[str] | None = None, limit: int = 500) -> list[TimelineEntry]:
    """The room's entries from every source (or the `only` ones), merged newest first."""
    lists = [s.collect(room=room, user=user, limit=limit) for s in sources() if not only or s.code in only]
    merged = heapq.merge(*lists, key=lambda e: e.at, reverse=True)
    return [entry for _, entry in zip(range(limit), merged, strict=False)]
