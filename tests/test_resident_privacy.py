"""A resident sees the people linked to their rooms today (and themselves), and the records of their
own occupancy period or their own: never a room's former owners or what happened before they came
(PIPL). One rule (estate.selectors.resident_scope), checked here on every page and API a resident
reaches: people, requests, parcels, visitors, goods passes, renovations, registrations."""

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from desk.models import ServiceRequest
from estate.choices import Relation
from estate.models import Occupancy, Resident
from frontdesk import services as front
from frontdesk.models import GoodsPass, Parcel, Visit
from registrations import services as registrations
from registrations.models import Lease
from renovation.choices import State as RenovationState
from renovation.models import Renovation
from renovation.tests.helpers import apply as renovation_apply
from tests.factories import make_resident, make_room

ID = "11010519491231002X"
OLD_ID = "110105196001010011"


def ago(days: int):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def history(world):
    """张三 has owned 3-2-1502 for about two years; 王五 owned it for years before him and left his
    traces: requests, a parcel, a visitor, a goods pass, a renovation and a tenant's lease."""
    today = timezone.localdate()
    since = today - timedelta(days=700)
    Occupancy.objects.filter(resident=world.resident).update(start=since)
    former = Resident.objects.create(
        project=world.project, name="王五", phone="13911112222", id_number=OLD_ID, note="老业主欠费未结"
    )
    Occupancy.objects.create(
        room=world.room, resident=former, relation=Relation.OWNER, start=date(2012, 3, 1), end=since - timedelta(1)
    )
    old_tenant = Resident.objects.create(project=world.project, name="吴租", phone="13600001234")
    Occupancy.objects.create(
        room=world.room, resident=old_tenant, relation=Relation.TENANT, start=date(2018, 1, 1), end=date(2019, 1, 1)
    )
    then = ago(900)

    old_request = world.register(title="王五的漏水投诉", resident_id=former.pk, caller_phone="13911112222")
    ServiceRequest.objects.filter(pk=old_request.pk).update(created_at=then)
    anon_old = world.register(title="旧住户的报修", resident_id=None)
    ServiceRequest.objects.filter(pk=anon_old.pk).update(created_at=then)
    # on the resident's first day (the start of their day, local time): theirs
    first_day = world.register(title="入住当天的报修", resident_id=None)
    ServiceRequest.objects.filter(pk=first_day.pk).update(
        created_at=timezone.make_aware(datetime.combine(since, time.min))
    )
    mine = world.register(title="张三的投诉")

    old_parcel = front.parcel_log(actor=world.cs, room_id=world.room.pk, tracking_number="SFOLD0001")
    Parcel.objects.filter(pk=old_parcel.pk).update(arrived_at=then)
    new_parcel = front.parcel_log(actor=world.cs, room_id=world.room.pk, tracking_number="SFNEW0002")

    walk_in = dict(purpose="探亲", agreed_by="王五", agreed_via="phone", id_type="id_card", id_number=ID)
    old_visit = front.visit_register(
        actor=world.cs, data=front.WalkIn(room_id=world.room.pk, name="王五的客人", **walk_in)
    )
    Visit.objects.filter(pk=old_visit.pk).update(created_at=then)
    new_visit = front.visit_register(
        actor=world.cs, data=front.WalkIn(room_id=world.room.pk, name="张三的客人", **walk_in)
    )

    def goods():
        return front.goods_pass_apply(
            actor=world.cs,
            data=front.PassApplication(
                room_id=world.room.pk,
                valid_on=today,
                carrier_name="搬家师傅",
                carrier_id_number=ID,
                items=[("沙发", 1)],
                applicant_id=world.resident.pk,
                authorised_via="phone",
            ),
        )

    # 王五's link is gone today: his pass is made as 张三's, then moved into the past and renamed
    old_pass = goods()
    GoodsPass.objects.filter(pk=old_pass.pk).update(created_at=then, applicant_name="王五", applicant_user=None)
    new_pass = goods()

    old_renovation = renovation_apply(world)
    Renovation.objects.filter(pk=old_renovation.pk).update(
        created_at=then, owner=former, owner_name="王五", owner_phone="13911112222", state=RenovationState.REFUNDED
    )
    old_lease = registrations.lease_register(
        actor=world.cs,
        room=world.room,
        tenant_name="吴租",
        id_type="id_card",
        id_number=ID,
        tenant_phone="13600001234",
        start=date(2018, 1, 1),
        end=date(2019, 1, 1),
    )
    Lease.objects.filter(pk=old_lease.pk).update(created_at=then)
    return {
        "since": since,
        "former": former,
        "old_tenant": old_tenant,
        "old_requests": [old_request, anon_old],
        "first_day": first_day,
        "mine": mine,
        "old_parcel": old_parcel,
        "new_parcel": new_parcel,
        "old_visit": old_visit,
        "new_visit": new_visit,
        "old_pass": old_pass,
        "new_pass": new_pass,
        "old_renovation": old_renovation,
        "old_lease": old_lease,
    }


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(r["name"] for r in response.json()["results"])


def numbers(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {r["number"] for r in response.json()["results"]}


# ---------------------------------------------------------------- people


def test_a_resident_sees_only_the_people_linked_to_their_rooms_today(world, history):
    make_resident(world.room, "张小明", "13600009999", relation=Relation.FAMILY)
    client = api(world.resident_user)

    assert names(client.get("/api/residents/")) == ["张三", "张小明"]
    assert names(client.get("/api/residents/", {"room": world.room.pk})) == ["张三", "张小明"]
    for gone in (history["former"], history["old_tenant"]):
        assert client.get(f"/api/residents/{gone.pk}/").status_code == 404
    body = client.get("/api/residents/").content.decode()
    assert "王五" not in body and "1111" not in body and "老业主" not in body
    occupants = client.get(f"/api/rooms/{world.room.pk}/").json()["occupants"]
    assert {o["name"] for o in occupants} == {"张三", "张小明"}
    # the former owner's full phone or ID number cannot be revealed either
    for field in ("phone", "id_number"):
        url = reverse("privacy-reveal", args=["estate.resident", history["former"].pk, field])
        assert client.post(url).status_code == 404


def test_a_housemates_other_homes_stay_hidden(world, history):
    sister = make_resident(world.room, "张小红", "13600008888", relation=Relation.FAMILY)
    elsewhere = make_room(world.project, "9", "1", "0901")
    Occupancy.objects.create(room=elsewhere, resident=sister, relation=Relation.OWNER)

    body = api(world.resident_user).get(f"/api/residents/{sister.pk}/").json()

    assert [r["code"] for r in body["rooms"]] == ["3-2-1502"]


# ---------------------------------------------------------------- requests


def test_a_resident_sees_the_requests_of_their_own_occupancy_only(client, world, history):
    client.force_login(world.resident_user)
    page = client.get(reverse("desk:list")).content.decode()
    listed = numbers(api(world.resident_user).get("/api/requests/"))

    for old in history["old_requests"]:
        assert old.number not in page and old.number not in listed
        assert client.get(reverse("desk:detail", args=[old.pk])).status_code == 404
        assert api(world.resident_user).get(f"/api/requests/{old.pk}/").status_code == 404
    for theirs in (history["mine"], history["first_day"]):
        assert theirs.number in page and theirs.number in listed
    detail = client.get(reverse("desk:detail", args=[history["mine"].pk])).content.decode()
    assert "王五" not in detail  # the page's recent requests of the room start with theirs


def test_a_request_about_the_resident_stays_theirs_wherever_it_was_made(world, history):
    # registered about 张三 on the neighbour's room (e.g. a complaint he made about the stairs there)
    about_him = world.register(title="楼道灯坏了", room_id=world.room2.pk)

    assert about_him.number in numbers(api(world.resident_user).get("/api/requests/"))


# ---------------------------------------------------------------- parcels, visitors, goods passes


def test_the_residents_phone_page_shows_only_their_own_periods_parcels_visitors_and_passes(client, world, history):
    client.force_login(world.resident_user)
    page = client.get(reverse("frontdesk:mine")).content.decode()

    assert history["new_parcel"].pickup_code in page and history["old_parcel"].pickup_code not in page
    assert "张三的客人" in page and "王五的客人" not in page
    assert reverse("frontdesk:pass", args=[history["new_pass"].pk]) in page
    assert reverse("frontdesk:pass", args=[history["old_pass"].pk]) not in page
    assert client.get(reverse("frontdesk:pass", args=[history["old_pass"].pk])).status_code == 404
    assert client.get(reverse("frontdesk:pass", args=[history["new_pass"].pk])).status_code == 200
    url = reverse("privacy-reveal", args=["frontdesk.visit", history["old_visit"].pk, "phone"])
    assert client.post(url).status_code == 404


# ---------------------------------------------------------------- renovations, registrations


def test_a_resident_does_not_see_the_former_owners_renovation_or_lease(client, world, history):
    client.force_login(world.resident_user)
    old = history["old_renovation"]
    page = client.get(reverse("renovation:list")).content.decode()
    assert old.number not in page
    assert client.get(reverse("renovation:detail", args=[old.pk])).status_code == 404
    lease = history["old_lease"]
    assert client.get(reverse("registrations:detail", args=["leases", lease.pk])).status_code == 404

    mine = renovation_apply(world)
    assert mine.number in client.get(reverse("renovation:list")).content.decode()
    assert client.get(reverse("renovation:detail", args=[mine.pk])).status_code == 200


# ---------------------------------------------------------------- two rooms, a tenant


def test_a_resident_with_two_rooms_sees_both_from_their_own_start(world, history):
    since2 = timezone.localdate() - timedelta(days=100)
    Occupancy.objects.create(room=world.room2, resident=world.resident, relation=Relation.OWNER, start=since2)
    before = world.register(title="1501 前业主的工单", room_id=world.room2.pk, resident_id=world.neighbour.pk)
    ServiceRequest.objects.filter(pk=before.pk).update(created_at=ago(200))
    after = world.register(title="1501 的新工单", room_id=world.room2.pk, resident_id=world.neighbour.pk)

    listed = numbers(api(world.resident_user).get("/api/requests/"))

    assert after.number in listed and history["mine"].number in listed
    assert before.number not in listed
    assert {r["code"] for r in api(world.resident_user).get("/api/rooms/").json()["results"]} == {
        "3-2-1502",
        "3-2-1501",
    }
    people = names(api(world.resident_user).get("/api/residents/"))
    assert people == ["张三", "李四"]


def test_a_tenant_sees_only_their_lease_period(client, world, history):
    from core.choices import Role
    from tests.factories import make_user

    lease_start = timezone.localdate() - timedelta(days=30)
    tenant_user = make_user("tenant", Role.RESIDENT, company=world.company)
    tenant = Resident.objects.create(project=world.project, name="钱租", phone="13500001111", user=tenant_user)
    Occupancy.objects.create(room=world.room, resident=tenant, relation=Relation.TENANT, start=lease_start)
    owners_last_month = world.register(title="业主上月的报修")
    ServiceRequest.objects.filter(pk=owners_last_month.pk).update(created_at=ago(60))
    during = world.register(title="租期内的报修", resident_id=None)

    listed = numbers(api(tenant_user).get("/api/requests/"))
    client.force_login(tenant_user)
    page = client.get(reverse("desk:list")).content.decode()

    assert during.number in listed and during.number in page
    for old in [owners_last_month, *history["old_requests"]]:
        assert old.number not in listed and old.number not in page
    assert names(api(tenant_user).get("/api/residents/")) == ["张三", "钱租"]
    mine = client.get(reverse("frontdesk:mine")).content.decode()
    assert history["old_parcel"].pickup_code not in mine and history["new_parcel"].pickup_code in mine
