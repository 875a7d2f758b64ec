"""My household in the residents' app, with the cast (owner, family member, tenant, another
building's resident, staff): the owner keeps the people; a tenant registers their own vehicles and
pets; a family member only looks; every change is on the household file's timeline; another
household's records by id are 404."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from estate.choices import Relation
from estate.models import Occupancy, Pet, Vehicle
from estate.timeline import room_timeline
from frontdesk.choices import PassState
from frontdesk.models import GoodsPass
from frontdesk.tests.conftest import ID_CARD
from registrations import services as reg
from registrations.choices import ConfirmMethod, LeaseState

NEW_PAGES = ["portal:passes", "portal:renovations"]
POSTS = ["portal:person-add", "portal:vehicle-add", "portal:pet-add"]


def people(room):
    return {o.resident.name: o for o in Occupancy.objects.current().filter(room=room).select_related("resident")}


@pytest.mark.parametrize("name", NEW_PAGES + ["portal:household"])
def test_pages_for_the_cast(client, cast, name):
    url = reverse(name)
    assert client.get(url).status_code == 302
    for who in (cast.owner, cast.family, cast.tenant, cast.other):
        client.force_login(who)
        assert client.get(url).status_code == 200, who
    client.force_login(cast.staff)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("name", POSTS)
def test_posts_for_anonymous_and_staff(client, cast, name):
    url = reverse(name)
    assert client.post(url, {}).status_code == 302
    client.force_login(cast.staff)
    assert client.post(url, {}).status_code == 403


def test_the_owner_adds_a_family_member_and_it_is_on_the_timeline(client, cast, world):
    client.force_login(cast.owner)
    response = client.post(
        reverse("portal:person-add"), {"p-name": "张小妹", "p-phone": "13855556666", "p-relation": Relation.FAMILY}
    )
    assert response.status_code == 302
    added = people(world.room)["张小妹"]
    assert added.relation == Relation.FAMILY and added.start == timezone.localdate()
    assert added.resident.phone == "13855556666" and added.resident.project == world.project
    assert "张小妹" in client.get(reverse("portal:household")).content.decode()
    # the household file's timeline (staff) says who added whom
    entries = room_timeline(room=world.room, user=world.cs, only={"household"})
    assert any("张小妹" in e.title and e.actor == cast.owner.name for e in entries)
    assert room_timeline(room=world.room, user=cast.owner, only={"household"}) == []


def test_bad_input_changes_nothing(client, cast, world):
    client.force_login(cast.owner)
    before = Occupancy.objects.count()
    page = client.post(reverse("portal:person-add"), {"p-name": "张", "p-phone": "123", "p-relation": "family"})
    assert page.status_code == 400 and Occupancy.objects.count() == before
    # an owner cannot add an owner or a tenant from the app (the desk's transfer and lease do)
    page = client.post(reverse("portal:person-add"), {"p-name": "钱", "p-relation": Relation.OWNER})
    assert page.status_code == 400 and Occupancy.objects.count() == before
    page = client.post(reverse("portal:vehicle-add"), {"v-plate": "not a plate"})
    assert page.status_code == 400 and not Vehicle.objects.exists()
    page = client.post(reverse("portal:pet-add"), {"a-kind": "dragon"})
    assert page.status_code == 400 and not Pet.objects.exists()


def test_a_phone_on_file_links_the_same_person_and_refuses_another_name(client, cast, world):
    client.force_login(cast.owner)
    # 李四 (3-2-1501) is on file with this phone: added as 1502's emergency contact, not copied
    client.post(
        reverse("portal:person-add"), {"p-name": "李四", "p-phone": "13900001111", "p-relation": Relation.EMERGENCY}
    )
    link = people(world.room)["李四"]
    assert link.resident == world.neighbour and link.relation == Relation.EMERGENCY
    before = Occupancy.objects.count()
    page = client.post(
        reverse("portal:person-add"), {"p-name": "冒名", "p-phone": "13900001111", "p-relation": Relation.FAMILY}
    )
    assert page.status_code == 400 and "另一位住户" in page.content.decode()
    assert Occupancy.objects.count() == before


def test_family_member_and_tenant_see_the_people_but_cannot_change_them(client, cast, world):
    for who in (cast.family, cast.tenant):
        client.force_login(who)
        page = client.get(reverse("portal:household")).content.decode()
        assert "张三" in page and reverse("portal:person-add") not in page
        client.post(reverse("portal:person-add"), {"p-name": "外人", "p-relation": Relation.FAMILY})
        assert "外人" not in people(world.room)
        owner_link = people(world.room)["张三"]
        client.post(reverse("portal:person-end", args=[owner_link.pk]))
        assert people(world.room)["张三"].end is None


def test_the_owner_ends_a_family_member_but_not_themselves_as_the_last_owner(client, cast, world):
    client.force_login(cast.owner)
    family = people(world.room)["张小三"]
    assert client.post(reverse("portal:person-end", args=[family.pk])).status_code == 302
    family.refresh_from_db()
    assert family.end == timezone.localdate()
    me = people(world.room)["张三"]
    response = client.post(reverse("portal:person-end", args=[me.pk]), follow=True)
    me.refresh_from_db()
    assert me.end is None
    assert "最后一位业主" in response.content.decode()
    # with a co-owner, the owner may leave
    from tests.factories import make_resident

    make_resident(world.room, "共有人", "13899990000", relation=Relation.CO_OWNER)
    client.post(reverse("portal:person-end", args=[me.pk]))
    me.refresh_from_db()
    assert me.end == timezone.localdate()


def test_another_households_people_vehicles_and_pets_are_404(client, cast, world):
    theirs = Occupancy.objects.get(resident=world.other_resident)
    car = Vehicle.objects.create(room=world.other_room, plate="浙A99999")
    dog = Pet.objects.create(room=world.other_room, name="阿黄")
    client.force_login(cast.owner)
    assert client.post(reverse("portal:person-end", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("portal:vehicle-end", args=[car.pk])).status_code == 404
    assert client.post(reverse("portal:pet-end", args=[dog.pk])).status_code == 404
    theirs.refresh_from_db()
    car.refresh_from_db()
    dog.refresh_from_db()
    assert theirs.end is None and car.ended_on is None and dog.gone_on is None


def test_vehicles_and_pets_owner_and_tenant_add_family_only_looks(client, cast, world):
    client.force_login(cast.tenant)
    assert client.post(reverse("portal:vehicle-add"), {"v-plate": "浙a 12345", "v-colour": "白"}).status_code == 302
    tenant_car = Vehicle.objects.get(plate="浙A12345")
    assert tenant_car.room == world.room and tenant_car.resident.name == "租客王"
    client.post(reverse("portal:pet-add"), {"a-kind": "cat", "a-name": "咪咪"})
    cat = Pet.objects.get(name="咪咪")
    client.force_login(cast.owner)
    client.post(reverse("portal:vehicle-add"), {"v-plate": "浙B54321"})
    owner_car = Vehicle.objects.get(plate="浙B54321")
    # the family member sees them, changes nothing
    client.force_login(cast.family)
    page = client.get(reverse("portal:household")).content.decode()
    assert "浙A12345" in page and "咪咪" in page and reverse("portal:vehicle-add") not in page
    client.post(reverse("portal:vehicle-add"), {"v-plate": "浙C11111"})
    client.post(reverse("portal:vehicle-end", args=[owner_car.pk]))
    owner_car.refresh_from_db()
    assert owner_car.ended_on is None and not Vehicle.objects.filter(plate="浙C11111").exists()
    # the tenant may not end the owner's car, only their own
    client.force_login(cast.tenant)
    client.post(reverse("portal:vehicle-end", args=[owner_car.pk]))
    owner_car.refresh_from_db()
    assert owner_car.ended_on is None
    client.post(reverse("portal:vehicle-end", args=[tenant_car.pk]))
    client.post(reverse("portal:pet-end", args=[cat.pk]))
    tenant_car.refresh_from_db()
    cat.refresh_from_db()
    assert tenant_car.ended_on == timezone.localdate() and cat.gone_on == timezone.localdate()
    # the owner ends any of the room's
    client.force_login(cast.owner)
    client.post(reverse("portal:vehicle-end", args=[owner_car.pk]))
    owner_car.refresh_from_db()
    assert owner_car.ended_on == timezone.localdate()
    titles = [e.title for e in room_timeline(room=world.room, user=world.cs, only={"household"})]
    assert any("浙A12345" in t for t in titles) and any("咪咪" in t for t in titles)
    assert AuditEntry.objects.filter(object_type="estate.Vehicle", action="end", actor=cast.tenant).exists()


def test_a_tenant_does_not_end_pets_from_before_their_tenancy(client, cast, world):
    link = people(world.room)["租客王"]
    link.start = timezone.localdate() - timedelta(days=10)
    link.save()
    old = Pet.objects.create(room=world.room, name="老狗", registered_on=timezone.localdate() - timedelta(days=100))
    client.force_login(cast.owner)  # the owner sees it
    assert "老狗" in client.get(reverse("portal:household")).content.decode()
    client.force_login(cast.tenant)
    assert client.post(reverse("portal:pet-end", args=[old.pk])).status_code == 404  # not theirs to see
    old.refresh_from_db()
    assert old.gone_on is None


def _lease(world, **kw):
    today = timezone.localdate()
    return reg.lease_register(
        actor=world.cs,
        room=world.room,
        tenant_name="新租客",
        id_type="id_card",
        id_number=ID_CARD,
        tenant_phone="13766667777",
        start=today,
        end=today + timedelta(days=365),
    )


def test_the_owner_confirms_a_lease_in_the_app(client, cast, world):
    lease = _lease(world)
    url = reverse("portal:lease-confirm", args=[lease.pk])
    for who in (cast.tenant, cast.family):
        client.force_login(who)
        assert "新租客" not in client.get(reverse("portal:household")).content.decode()
        client.post(url)
    client.force_login(cast.other)
    assert client.post(url).status_code == 404
    lease.refresh_from_db()
    assert lease.confirmed_at is None
    client.force_login(cast.owner)
    assert "新租客" in client.get(reverse("portal:household")).content.decode()
    assert client.post(url).status_code == 302
    lease.refresh_from_db()
    assert lease.confirm_method == ConfirmMethod.APP and lease.owner_name == "张三" and lease.confirmed_at
    assert lease.confirm_recorded_by == cast.owner
    # the desk then activates it as usual
    reg.lease_activate(actor=world.cs, lease=lease)
    lease.refresh_from_db()
    assert lease.state == LeaseState.ACTIVE


def test_the_desk_cannot_record_an_app_confirmation(world):
    from django.core.exceptions import ValidationError

    lease = _lease(world)
    with pytest.raises(ValidationError):
        reg.lease_confirm_owner(actor=world.cs, lease=lease, owner_name="张三", method=ConfirmMethod.APP)


def test_the_owner_ends_a_tenancy_through_its_lease(client, cast, world):
    lease = _lease(world)
    reg.owner_confirm_in_app(actor=cast.owner, lease=lease)
    reg.lease_activate(actor=world.cs, lease=lease)
    lease.refresh_from_db()
    client.force_login(cast.owner)
    client.post(reverse("portal:person-end", args=[lease.occupancy_id]))
    lease.refresh_from_db()
    assert lease.state == LeaseState.ENDED and lease.moved_out_on == timezone.localdate()
    assert Occupancy.objects.get(pk=lease.occupancy_id).end == timezone.localdate()


def test_a_tenants_goods_pass_request_goes_to_the_owner(client, cast, world):
    client.force_login(cast.tenant)
    data = {
        "g-room": world.room.pk,
        "g-valid_on": timezone.localdate().isoformat(),
        "g-carrier_name": "老李",
        "g-carrier_id_number": ID_CARD,
        "g-items": "钢琴 1\n纸箱 5",
    }
    assert client.post(reverse("portal:passes"), {**data, "g-items": "???"}).status_code == 400
    assert not GoodsPass.objects.exists()
    assert client.post(reverse("portal:passes"), data).status_code == 302
    gp = GoodsPass.objects.get()
    assert gp.state == PassState.AWAITING_OWNER and gp.room == world.room
    # the code is not shown to the tenant before the owner agrees
    assert gp.code not in client.get(reverse("portal:passes")).content.decode()
    client.force_login(cast.other)
    assert "钢琴" not in client.get(reverse("portal:passes")).content.decode()
    client.force_login(cast.owner)
    assert "钢琴" in client.get(reverse("portal:household")).content.decode()
    client.post(reverse("portal:confirm-pass", args=[gp.pk]))
    gp.refresh_from_db()
    assert gp.state == PassState.AUTHORISED
    client.force_login(cast.tenant)
    page = client.get(reverse("portal:passes")).content.decode()
    assert gp.code in page
    # the code as a QR image too, for the gate's scanner
    from html import unescape

    from core.qr import qr_data_uri

    assert qr_data_uri(gp.code) in unescape(page)


def test_a_pass_for_another_room_is_refused(client, cast, world):
    client.force_login(cast.tenant)
    data = {
        "g-room": world.other_room.pk,
        "g-valid_on": timezone.localdate().isoformat(),
        "g-carrier_name": "老李",
        "g-carrier_id_number": ID_CARD,
        "g-items": "沙发 1",
    }
    assert client.post(reverse("portal:passes"), data).status_code == 400
    assert not GoodsPass.objects.exists()


def test_the_home_tells_the_owner_what_waits_for_their_word_and_no_one_else(client, cast, world):
    """A tenant's lease and goods pass wait for the owner: the owner's home says so and leads to
    the household page; the tenant, the family member and another building's resident are not asked."""
    _lease(world)
    client.force_login(cast.tenant)
    client.post(
        reverse("portal:passes"),
        {
            "g-room": world.room.pk,
            "g-valid_on": timezone.localdate().isoformat(),
            "g-carrier_name": "老李",
            "g-carrier_id_number": ID_CARD,
            "g-items": "钢琴 1",
        },
    )
    client.force_login(cast.owner)
    home = client.get(reverse("portal:home")).content.decode()
    assert 'id="to-confirm"' in home and "新租客" in home and "ten 申请" in home
    assert reverse("portal:household") in home
    for who in (cast.tenant, cast.family, cast.other):
        client.force_login(who)
        assert 'id="to-confirm"' not in client.get(reverse("portal:home")).content.decode()
