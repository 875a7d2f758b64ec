"""A refused handover to oneself is refused with a message and recorded (the issue's bad input)."""

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditEntry
from duty import services
from duty.models import Handover


def test_a_handover_to_oneself_is_refused_and_recorded(world):
    with pytest.raises(ValidationError) as exc:
        services.handover_start(actor=world.cs, project=world.project, incoming=world.cs)
    assert "同一个人" in str(exc.value)
    assert not Handover.objects.exists()
    entry = AuditEntry.objects.get(action="refused", object_type="duty.Handover")
    assert entry.actor == world.cs and entry.changes["incoming"] == world.cs.pk


def test_the_page_shows_the_products_message_for_a_handover_to_oneself(client, world):
    """Posting oneself as the incoming person (a stale form, a crafted post) answers the product's
    message, not the generic "select a valid choice", and the refusal is recorded like the service's."""
    from django.urls import reverse

    client.force_login(world.cs)
    url = reverse("duty:handovers", args=[world.project.pk])
    r = client.post(url, {"incoming": world.cs.pk})
    text = r.content.decode()
    assert r.status_code == 400 and not Handover.objects.exists()
    assert "交班人和接班人不能是同一个人" in text
    assert "有效选项" not in text and "valid choice" not in text
    assert AuditEntry.objects.filter(action="refused", object_type="duty.Handover").exists()
    # the dropdown still does not offer oneself
    page = client.get(url).content.decode()
    assert f'value="{world.cs2.pk}"' in page and f'value="{world.cs.pk}"' not in page
