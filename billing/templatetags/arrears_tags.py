"""Template filters of the arrears side: money in yuan, rates as percentages."""

from django import template

from billing.money import yuan as to_yuan

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Integer fen as yuan with two decimals and thousands separators: 12,345.60."""
    if fen in (None, ""):
        return "—"
    return f"{to_yuan(fen):,}"


@register.filter
def rate(value) -> str:
    return "—" if value is None else f"{value:.1f}%"
