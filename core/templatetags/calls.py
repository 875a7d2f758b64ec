from django import template

from core.calls import button_html

register = template.Library()


@register.simple_tag(takes_context=True)
def call_button(context, url: str, label: str, css: str = "btn-success"):
    """A full-width call button through the desk's masked-number rule (core/calls.py): a tel: link
    to the switchboard when the deployment has one, else a POST to `url`, the record's call
    endpoint, which logs the reveal and answers tel:<number>."""
    return button_html(url, label, csrf_token=str(context.get("csrf_token") or ""), css=css)
