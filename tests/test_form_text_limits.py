"""Every hand-written text field of the project's forms has a limit (core/text.py: the model's
number, read with text_limit), so an over-long text is refused on the page, never saved longer than
the model says nor cut short by a service."""

import importlib
import inspect

from django import forms
from django.apps import apps
from django.conf import settings

# Text fields that are not free text kept as typed: lists the form or the service parses into rows,
# each row checked on its own (a room's code, a worker's name and ID, an item and its count).
NOT_FREE_TEXT = {
    ("community", "AnnouncementForm", "room_codes"),  # room codes, each looked up (estate.selectors.rooms_from_list)
    ("renovation", "ApplicationForm", "workers"),  # one worker a line: name, ID number, phone, trade
    ("renovation", "ActionForm", "deductions"),  # one deduction a line: amount and reason
    ("safety", "RouteForm", "point_codes"),  # point codes, each looked up
    ("frontdesk", "GoodsPassForm", "items"),  # one item a line with its count (frontdesk.forms.parse_items)
    ("frontdesk", "VerifyForm", "extra"),  # the same, for items seen at the gate
    ("quality", "MonthPickForm", "month"),  # a RegexField taking only YYYY-MM
}


def project_forms():
    for config in apps.get_app_configs():
        if not config.path.startswith(str(settings.BASE_DIR)) or "site-packages" in config.path:
            continue
        try:
            module = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield config.label, name, cls


def test_the_walk_finds_the_forms_of_every_app_with_forms():
    labels = {label for label, _name, _cls in project_forms()}
    assert {"community", "desk", "duty", "frontdesk", "registrations", "renovation", "safety"} <= labels


def test_no_text_field_of_a_form_is_without_a_limit():
    unlimited = [
        (label, name, field_name)
        for label, name, cls in project_forms()
        for field_name, field in cls.base_fields.items()
        if isinstance(field, forms.CharField) and field.max_length is None
    ]
    assert sorted(set(unlimited) - NOT_FREE_TEXT) == []
    assert NOT_FREE_TEXT <= set(unlimited), "an allowed field now has a limit or is gone: drop it from the list"
