"""A contractor pass's list of people has the model's limit on the page: longer is a 400 naming it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from frontdesk.models import ContractorPass

pytestmark = pytest.mark.django_db


def test_an_over_long_list_of_people_is_refused_naming_the_limit(client, world):
    now = timezone.localtime().replace(second=0, microsecond=0)
    client.force_login(world.cs)
    response = client.post(
        reverse("frontdesk:contractors"),
        {
            "project": world.project.pk,
            "company_name": "好家装饰",
            "people": "王师傅\n" * 600,
            "rooms": "3-2-1502",
            "purpose": "装修",
            "valid_from": f"{now:%Y-%m-%dT%H:%M}",
            "valid_to": f"{now + timedelta(days=7):%Y-%m-%dT%H:%M}",
        },
    )
    assert response.status_code == 400
    assert "2000" in response.context["form"].errors["people"][0]
    assert not ContractorPass.objects.exists()
