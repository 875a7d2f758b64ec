from django import template

from quality import rules

register = template.Library()


@register.simple_tag
def quality_nav(user) -> dict:
    """Which of the quality pages this user may open (for the navbar)."""
    return {"closeout": rules.may_view_closeout(user), "review": rules.may_view_review(user)}


@register.filter
def pct(value, digits: int = 1) -> str:
    """A percentage for a table cell: 93.4%, or — when there is nothing to divide."""
    return "—" if value is None else f"{value:.{int(digits)}f}%"
