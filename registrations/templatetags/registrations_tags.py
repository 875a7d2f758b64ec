from django import template

register = template.Library()


@register.filter
def state_colour(state) -> str:
    from registrations.choices import STATE_COLOUR

    return STATE_COLOUR.get(state, "secondary")


@register.filter
def masked_as(value, kind: str) -> str:
    """A number masked for print: PDFs never carry full phone or ID numbers."""
    from core.privacy import mask

    return mask(str(value or ""), kind)
