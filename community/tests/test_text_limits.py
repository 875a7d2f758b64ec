"""An announcement's body has the model's limit on the page: longer is a 400 naming it."""

import pytest
from django.urls import reverse

from community.models import Announcement

pytestmark = pytest.mark.django_db


def test_an_over_long_announcement_body_is_refused_naming_the_limit(client, world):
    client.force_login(world.cs)
    data = {"project": world.project.pk, "title": "电梯维保", "audience": "project", "body": "维" * 5001}
    response = client.post(reverse("community:announcement-new"), data)
    assert response.status_code == 400
    assert "5000" in response.context["form"].errors["body"][0]
    assert not Announcement.objects.exists()
