from django import template

register = template.Library()


@register.filter
def pct(value, digits: int = 1) -> str:
    """A percentage for a table cell: 93.4%, or — when there is nothing to divide."""
    return "—" if value is None else f"{value:.{int(digits)}f}%"
