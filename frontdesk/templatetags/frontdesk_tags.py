from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def overdue(parcel, now=None) -> bool:
    return parcel.due_at is not None and parcel.due_at < (now or timezone.now())


@register.filter
def waited_days(parcel, now=None) -> int:
    return ((now or timezone.now()) - parcel.arrived_at).days


@register.filter
def id_masked(value) -> str:
    """An ID number masked, with no reveal button (printouts)."""
    from core.privacy import mask_id

    return mask_id(value or "")
