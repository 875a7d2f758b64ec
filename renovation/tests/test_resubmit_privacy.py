"""Regression: the resubmit form prefilled the contractor's and the owner's phones in full, so anyone
who opened it saw them without a logged reveal. They are prefilled masked and kept unless changed."""

import pytest
from django.urls import reverse

from core.models import RevealLog
from renovation.choices import State
from renovation.tests.helpers import drive

pytestmark = pytest.mark.django_db

CONTRACTOR, OWNER = "13912345678", "13812345678"  # helpers.application and the world's owner


@pytest.fixture
def returned(world):
    r = drive(world, State.RETURNED)
    assert (r.contractor_phone, r.owner_phone) == (CONTRACTOR, OWNER)
    return r


def resubmit(client, r, **kw):
    data = {
        "version": r.version,
        "scope": r.scope + "，补充水电图",
        "planned_start": r.planned_start.isoformat(),
        "planned_end": r.planned_end.isoformat(),
        "contractor_name": r.contractor_name,
        "contractor_licence": r.contractor_licence,
        "contractor_person": r.contractor_person,
        "contractor_phone": "139****5678",
        "owner_phone": "138****5678",
    }
    data.update(kw)
    return client.post(reverse("renovation:resubmit", args=[r.pk]), data)


@pytest.mark.parametrize("who", ["cs", "resident_user"])
def test_the_resubmit_page_shows_the_phones_masked(client, world, returned, who):
    client.force_login(getattr(world, who))
    page = client.get(reverse("renovation:resubmit", args=[returned.pk])).content.decode()
    assert CONTRACTOR not in page and OWNER not in page
    assert 'value="139****5678"' in page and 'value="138****5678"' in page
    assert not RevealLog.objects.exists()


def test_resubmitting_unchanged_keeps_the_stored_numbers(client, world, returned):
    client.force_login(world.cs)
    assert resubmit(client, returned).status_code == 302
    returned.refresh_from_db()
    assert returned.state == State.SUBMITTED and returned.scope.endswith("补充水电图")
    assert (returned.contractor_phone, returned.owner_phone) == (CONTRACTOR, OWNER)
    assert "contractor_phone" not in returned.events.latest("id").data["changed"]


def test_a_new_number_is_normalised_and_stored(client, world, returned):
    client.force_login(world.resident_user)
    response = resubmit(client, returned, contractor_phone="+86 137-0000 2222", owner_phone="０５７１-8888 1234")
    assert response.status_code == 302
    returned.refresh_from_db()
    assert (returned.contractor_phone, returned.owner_phone) == ("13700002222", "057188881234")


def test_an_emptied_required_phone_is_an_error_and_the_page_stays_masked(client, world, returned):
    client.force_login(world.cs)
    response = resubmit(client, returned, contractor_phone="")
    assert response.status_code == 400
    page = response.content.decode()
    assert "contractor_phone" in response.context["form"].errors
    assert CONTRACTOR not in page and OWNER not in page and 'value="138****5678"' in page
    returned.refresh_from_db()
    assert returned.state == State.RETURNED and returned.contractor_phone == CONTRACTOR


def test_another_error_shows_the_masked_values_again_not_the_stored_ones(client, world, returned):
    client.force_login(world.cs)
    response = resubmit(client, returned, planned_end=returned.planned_start.replace(year=2000).isoformat())
    assert response.status_code == 400
    page = response.content.decode()
    assert CONTRACTOR not in page and OWNER not in page
    assert 'value="139****5678"' in page and 'value="138****5678"' in page


def test_an_edited_mask_is_not_a_number(client, world, returned):
    client.force_login(world.cs)
    response = resubmit(client, returned, contractor_phone="139****5679")
    assert response.status_code == 400 and "contractor_phone" in response.context["form"].errors
    returned.refresh_from_db()
    assert returned.contractor_phone == CONTRACTOR
