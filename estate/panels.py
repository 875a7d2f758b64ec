"""The household page's panels (一户一档): apps above estate add a card to a room's page without estate
importing them (an account with its bills, dunning history, …).

An app puts a module `household_panels.py` beside its models and registers one function per card:

    from estate.panels import household_panel

    @household_panel("billing", order=10)
    def account_panel(*, request, room):
        return render_to_string("billing/_household_panel.html", {...}, request=request)  # or None

Each function returns the card's HTML (a safe string, escaped by its template), or None when the
user may not see it or it has nothing to show. It should cost a few queries, whatever the room's
history. The page shows the cards in `order` in its side column, above the timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Panel:
    code: str
    order: int
    render: Callable[..., str | None]


_PANELS: dict[str, Panel] = {}
_discovered = False


def household_panel(code: str, *, order: int = 100):
    """Register `fn(*, request, room) -> str | None` as the household page's card `code`."""

    def decorator(fn):
        _PANELS[code] = Panel(code=code, order=order, render=fn)
        return fn

    return decorator


def panels() -> list[Panel]:
    global _discovered
    if not _discovered:
        autodiscover_modules("household_panels")
        _discovered = True
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.code))


def room_panels(*, request, room) -> list[str]:
    """The cards of every app for this room and user, in order (those with nothing to show left out)."""
    out = []
    for panel in panels():
        html = panel.render(request=request, room=room)
        if html:
            out.append(html)
    return out
