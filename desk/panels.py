"""Panels other apps add to a request's page. The desk is below them (billing, for one, puts the
paid-repair panel here), so they register and the desk never imports them.

An app puts a module `request_panels.py` beside its models and registers one function per panel:

    from desk.panels import request_panel

    @request_panel("charges", order=10)
    def charges_panel(request, sr):
        return render_to_string("billing/_repair_panel.html", {...}, request=request)  # or ""

Each function returns the panel's HTML (already escaped: a rendered template), or "" when it has
nothing to show to this user for this request. It must not run a query per anything: one or two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Panel:
    code: str
    order: int
    render: Callable[..., str]


_PANELS: dict[str, Panel] = {}
_discovered = False


def request_panel(code: str, *, order: int = 100):
    """Register `fn(request, sr) -> str` (HTML, or "") as a panel of the request page."""

    def decorator(fn):
        _PANELS[code] = Panel(code=code, order=order, render=fn)
        return fn

    return decorator


def panels() -> list[Panel]:
    global _discovered
    if not _discovered:
        autodiscover_modules("request_panels")
        _discovered = True
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.code))


def render_panels(request, sr) -> list[SafeString]:
    """The HTML of every panel with something to show, in order."""
    out = []
    for panel in panels():
        html = panel.render(request, sr)
        if html:
            out.append(mark_safe(html))  # noqa: S308 -- a rendered template, escaped by it
    return out
