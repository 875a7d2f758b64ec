from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

_CHOICE_LISTS = {"checkboxselectmultiple", "radioselect"}


@register.simple_tag
def bs_field(bound, inline: bool = False):
    """A form field in Bootstrap 5: label, control, help text and errors."""
    widget_type = bound.widget_type
    errors = format_html_join("", '<div class="invalid-feedback d-block">{}</div>', ((e,) for e in bound.errors))
    help_text = format_html('<div class="form-text">{}</div>', bound.help_text) if bound.help_text else ""
    invalid = " is-invalid" if bound.errors else ""
    if widget_type in _CHOICE_LISTS:
        kind = "checkbox" if widget_type == "checkboxselectmultiple" else "radio"
        options = format_html_join(
            "",
            '<div class="form-check{}"><input class="form-check-input" type="{}" name="{}" value="{}" id="{}"{}>'
            '<label class="form-check-label" for="{}">{}</label></div>',
            (
                (
                    " form-check-inline" if inline else "",
                    kind,
                    bound.html_name,
                    opt.data["value"],
                    opt.id_for_label,
                    " checked" if opt.data["selected"] else "",
                    opt.id_for_label,
                    opt.choice_label,
                )
                for opt in bound
            ),
        )
        return format_html(
            '<div class="mb-2"><div class="form-label mb-1">{}</div>{}{}{}</div>',
            bound.label,
            options,
            help_text,
            errors,
        )
    if widget_type == "checkbox":
        control = bound.as_widget(attrs={"class": "form-check-input" + invalid})
        return format_html(
            '<div class="form-check mb-2">{}<label class="form-check-label" for="{}">{}</label>{}{}</div>',
            control,
            bound.id_for_label,
            bound.label,
            help_text,
            errors,
        )
    css = "form-select" if widget_type in ("select", "selectmultiple") else "form-control"
    control = bound.as_widget(attrs={"class": css + invalid})
    return format_html(
        '<div class="mb-2"><label class="form-label mb-1" for="{}">{}</label>{}{}{}</div>',
        bound.id_for_label,
        bound.label,
        control,
        help_text,
        errors,
    )


@register.filter
def stars(value) -> str:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return ""
    return "★" * n + "☆" * (5 - n)


@register.filter
def percent(part, whole) -> str:
    if not whole:
        return "—"
    return f"{min(100, round(100 * part / whole))}%"


@register.inclusion_tag("community/_phrase_panel.html")
def phrase_panel(situation: str, phrases=None, lazy: bool = False):
    """The phrase panel (situation filter, search, copy) beside the intake and return-visit forms."""
    from desk.models import Phrase

    return {
        "situation": situation,
        "phrases": phrases or [],
        "lazy": lazy or phrases is None,
        "phrase_situations": Phrase.Situation.choices,
        "q": "",
    }
