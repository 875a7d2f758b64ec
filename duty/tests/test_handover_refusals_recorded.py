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
