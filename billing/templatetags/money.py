"""`{{ amount_fen|fen }}`: integer fen shown as yuan with two places and thousands separators."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def fen(value) -> str:
    if value in (None, ""):
        return ""
    amount = Decimal(int(value)) / 100
    return f"{amount:,.2f}"
