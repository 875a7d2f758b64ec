"""A handover's notes have the model's limit on the page: longer is a 400 naming it, nothing saved."""

import pytest
from django.urls import reverse

from duty.choices import HandoverState
from duty.models import Handover

pytestmark = pytest.mark.django_db


def test_over_long_handover_notes_are_refused_naming_the_limit(client, world):
    client.force_login(world.cs)
    client.post(reverse("duty:handovers", args=[world.project.pk]), {"incoming": world.cs2.pk})
    h = Handover.objects.get()
    response = client.post(reverse("duty:handover-act", args=[h.pk, "sign-out"]), {"notes": "交" * 2001})
    assert response.status_code == 400 and "2000" in response.content.decode()
    h.refresh_from_db()
    assert h.state == HandoverState.DRAFT and h.notes == ""


def test_an_over_long_sign_in_comment_is_refused_not_dropped(client, world):
    client.force_login(world.cs)
    client.post(reverse("duty:handovers", args=[world.project.pk]), {"incoming": world.cs2.pk})
    h = Handover.objects.get()
    assert client.post(reverse("duty:handover-act", args=[h.pk, "sign-out"]), {"notes": "交班"}).status_code == 302
    client.force_login(world.cs2)
    client.post(reverse("duty:handover-act", args=[h.pk, "ack-all"]))
    response = client.post(reverse("duty:handover-act", args=[h.pk, "sign-in"]), {"comment": "收" * 501})
    assert response.status_code == 400 and "500" in response.content.decode()
    h.refresh_from_db()
    assert h.state == HandoverState.OUTGOING_SIGNED and h.incoming_comment == ""
