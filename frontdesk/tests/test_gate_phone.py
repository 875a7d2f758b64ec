"""The guard's phone pages: the gate (code field focused, scan buttons) and a pass waiting for the
owner (the owner's name and a call button through the masked-number rule)."""

import re

import pytest
from django.urls import reverse

from core.models import RevealLog
from frontdesk import services
from frontdesk.choices import PassState
from tests.factories import make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(world, application, room_tenant):
    """A tenant's pass for 3-2-1502, waiting for the owner (张三, 13812345678)."""
    gp = services.goods_pass_apply(actor=world.cs, data=application(applicant_id=room_tenant.pk))
    assert gp.state == PassState.AWAITING_OWNER
    return gp


def test_the_gate_opens_with_the_code_field_focused_and_offers_the_scanner(client, world):
    client.force_login(world.guard)
    page = client.get(reverse("frontdesk:gate")).content.decode()
    focused = re.findall(r"<input[^>]*autofocus[^>]*>", page)
    assert len(focused) == 1 and 'id="visit-code"' in focused[0]
    assert 'data-scan-for="visit-code"' in page and 'data-scan-for="pass-code"' in page
    assert "/static/vendor/qr-scanner/qr-scanner.umd.min.js" in page
    assert "//cdn" not in page and "https://" not in page.split("</main>")[0].split("<main")[1]


def test_the_pass_page_names_the_owner_and_offers_a_call(client, world, waiting):
    co_owner = make_resident(world.room, "张太太", "13911112222", relation="co_owner")
    client.force_login(world.guard)
    page = client.get(reverse("frontdesk:pass", args=[waiting.pk])).content.decode()
    owners = page[page.index('id="pass-owners"') :]
    assert "张三" in owners and "张太太" in owners
    assert "租客" not in owners[: owners.index("</div></div>")]  # the tenant is not who is called
    assert reverse("frontdesk:pass-call-owner", args=[waiting.pk, world.resident.pk]) in page
    assert reverse("frontdesk:pass-call-owner", args=[waiting.pk, co_owner.pk]) in page
    assert "13812345678" not in page and "13911112222" not in page


def test_the_guard_calls_the_owner_and_the_reveal_is_logged(client, world, waiting):
    client.force_login(world.guard)
    response = client.post(reverse("frontdesk:pass-call-owner", args=[waiting.pk, world.resident.pk]))
    assert response.status_code == 302 and response["Location"] == "tel:13812345678"
    log = RevealLog.objects.get()
    assert (log.user, log.object_type, log.object_id, log.field) == (
        world.guard,
        "estate.Resident",
        str(world.resident.pk),
        "phone",
    )


def test_with_a_switchboard_the_call_reveals_nothing(client, world, waiting, settings):
    settings.PROPDESK_CALL_THROUGH = "400-800-1234"
    client.force_login(world.guard)
    page = client.get(reverse("frontdesk:pass", args=[waiting.pk])).content.decode()
    assert 'href="tel:4008001234"' in page
    response = client.post(reverse("frontdesk:pass-call-owner", args=[waiting.pk, world.resident.pk]))
    assert response["Location"] == "tel:4008001234" and not RevealLog.objects.exists()


def test_only_an_owner_of_the_room_can_be_called(client, world, waiting, room_tenant):
    client.force_login(world.guard)
    for someone in (room_tenant, world.neighbour, world.other_resident):
        response = client.post(reverse("frontdesk:pass-call-owner", args=[waiting.pk, someone.pk]))
        assert response.status_code == 404
    assert not RevealLog.objects.exists()


def test_once_the_owner_confirmed_there_is_no_call(client, world, waiting):
    services.goods_pass_confirm(actor=world.cs, goods_pass=waiting, via="phone", owner_name="张三")
    client.force_login(world.guard)
    assert 'id="pass-owners"' not in client.get(reverse("frontdesk:pass", args=[waiting.pk])).content.decode()
    response = client.post(reverse("frontdesk:pass-call-owner", args=[waiting.pk, world.resident.pk]))
    assert response.status_code == 403 and not RevealLog.objects.exists()


def test_residents_other_projects_and_get_requests_change_nothing(client, world, waiting):
    url = reverse("frontdesk:pass-call-owner", args=[waiting.pk, world.resident.pk])
    client.force_login(world.resident_user)  # the owner himself: a resident, not the gate
    assert client.post(url).status_code == 403
    client.force_login(world.outsider)
    assert client.post(url).status_code == 404
    client.force_login(world.guard)
    assert client.get(url).status_code == 405
    assert not RevealLog.objects.exists()
