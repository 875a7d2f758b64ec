from django import template

from core.calls import call_through

register = template.Library()


@register.inclusion_tag("core/_call_button.html", takes_context=True)
def call_button(context, url: str, label: str, css: str = "btn-success"):
    """A full-width call button: a tel: link to the switchboard when the deployment has one, else a
    POST to `url`, the record's call endpoint, which logs the reveal and answers tel:<number>
    (core/calls.py)."""
    return {
        "url": url,
        "label": label,
        "css": css,
        "through": call_through(),
        "csrf_token": context.get("csrf_token"),
    }
