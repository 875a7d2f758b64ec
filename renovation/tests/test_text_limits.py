"""A renovation's free text has the model's limit on the page: an over-long text is a 400 naming it."""

import pytest
from django.urls import reverse

from renovation.models import Renovation
from renovation.tests.test_views import form_data

pytestmark = pytest.mark.django_db


def test_an_over_long_scope_is_refused_naming_the_limit(client, world):
    client.force_login(world.cs)
    response = client.post(reverse("renovation:apply"), form_data(world, scope="改" * 2001))
    assert response.status_code == 400
    assert "2000" in response.context["form"].errors["scope"][0]
    assert not Renovation.objects.exists()
