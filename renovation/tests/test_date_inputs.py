"""Regression (found by the household browser journey): in Chinese the date inputs were rendered with
the localised value "2026/11/27", which a browser's <input type=date> drops. The phone inspection
page and the final-acceptance form then had an empty required date and could not be submitted
without picking the date by hand."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from renovation.choices import State
from renovation.tests.helpers import drive

pytestmark = pytest.mark.django_db


def date_value(page: str, name: str) -> str:
    tag = re.search(rf'<input type="date" name="{name}"[^>]*>', page)
    assert tag, name
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_date_inputs_carry_iso_values(client, world, language):
    r = drive(world, State.IN_PROGRESS)
    today = timezone.localdate().isoformat()
    client.force_login(world.tech)
    with translation.override(language):
        headers = {"Accept-Language": language}
        inspect_page = client.get(reverse("renovation:inspect", args=[r.pk]), headers=headers).content.decode()
        detail_page = client.get(reverse("renovation:detail", args=[r.pk]), headers=headers).content.decode()
    assert date_value(inspect_page, "inspected_on") == today
    assert date_value(detail_page, "inspected_on") == today  # the 竣工验收 form


def test_resubmit_form_keeps_the_planned_dates(client, world):
    r = drive(world, State.RETURNED)
    client.force_login(world.cs)
    page = client.get(reverse("renovation:resubmit", args=[r.pk]), headers={"Accept-Language": "zh-hans"})
    page = page.content.decode()
    assert date_value(page, "planned_start") == r.planned_start.isoformat()
    assert date_value(page, "planned_end") == r.planned_end.isoformat()
