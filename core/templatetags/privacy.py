from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from core import privacy

register = template.Library()


@register.simple_tag(takes_context=True)
def masked(context, obj, field: str):
    """A phone or ID number shown masked; to roles that may see it in full, a button that fetches the
    full number (each click is logged, see core.privacy.reveal)."""
    value = str(getattr(obj, field, "") or "")
    if not value:
        return ""
    kind = privacy.kind_of(obj, field)
    shown = privacy.mask(value, kind)
    user = context.get("user") or getattr(context.get("request"), "user", None)
    registered = privacy.sensitive_field(obj._meta.label_lower, field) is not None
    if not (registered and privacy.may_reveal(user, kind)):
        return format_html('<span class="pd-masked">{}</span>', shown)
    url = reverse("privacy-reveal", args=[obj._meta.label_lower, obj.pk, field])
    return format_html(
        '<span class="pd-masked">{} <button type="button" class="btn btn-link btn-sm p-0 align-baseline" '
        'hx-post="{}" hx-target="closest .pd-masked" hx-swap="outerHTML" title="{}">{}</button></span>',
        shown,
        url,
        _("查看完整号码（将被记录）"),
        _("显示"),
    )
