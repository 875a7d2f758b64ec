"""The handover's open items and the household timeline's entries from the front desk."""

from datetime import timedelta

import pytest
from django.utils import timezone

from duty.registry import gather, kinds
from estate.timeline import room_timeline
from frontdesk import services
from frontdesk.handover_items import goods_passes_open, parcels_waiting, visitors_on_site
from frontdesk.tests.conftest import ID_CARD

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk_day(world, walk_in, application, room_tenant):
    p1 = services.parcel_log(actor=world.cs, room_id=world.room.pk, tracking_number="SF1")
    p2 = services.parcel_log(actor=world.cs, room_id=world.room2.pk, kind="letter")
    collected = services.parcel_log(actor=world.cs, room_id=world.room.pk, tracking_number="SF3")
    services.parcel_hand_over(actor=world.cs, parcel=collected, collector_name="张三")
    services.parcel_log(actor=world.outsider, room_id=world.other_room.pk, tracking_number="X")
    here = services.visit_register(actor=world.cs, data=walk_in())
    gone = services.visit_register(actor=world.cs, data=walk_in(name="走了的"))
    services.visit_checkout(actor=world.cs, visit=gone)
    services.visit_preregister(actor=world.resident_user, room_id=world.room.pk, name="预约的", purpose="做客")
    today = services.goods_pass_apply(actor=world.cs, data=application())
    used = services.goods_pass_apply(actor=world.cs, data=application())
    services.goods_pass_verify(
        actor=world.guard, goods_pass=used, released={i.pk: i.quantity for i in used.items.all()}
    )
    services.goods_pass_apply(actor=world.cs, data=application(valid_on=timezone.localdate() + timedelta(days=1)))
    tenant = services.goods_pass_apply(actor=world.cs, data=application(applicant_id=room_tenant.pk))
    return {"parcels": [p1, p2], "here": here, "passes": [today, tenant]}


def test_the_three_kinds_are_registered(world):
    codes = [k.code for k in kinds()]
    assert {"parcels", "visitors", "goods_passes"} <= set(codes)


def test_handover_items_are_the_open_ones_of_the_project(world, desk_day, django_assert_num_queries):
    """One query per kind is the handover registry's documented contract (duty/registry.py: each
    function answers with ONE bounded query)."""
    at = timezone.now()
    with django_assert_num_queries(1):
        parcels = parcels_waiting(project=world.project, user=world.cs, at=at)
    assert [i.key for i in parcels] == [f"parcel:{p.pk}" for p in desk_day["parcels"]]
    with django_assert_num_queries(1):
        visitors = visitors_on_site(project=world.project, user=world.cs, at=at)
    assert [i.key for i in visitors] == [f"visit:{desk_day['here'].pk}"]
    with django_assert_num_queries(1):
        passes = goods_passes_open(project=world.project, user=world.cs, at=at)
    assert [i.key for i in passes] == [f"goods_pass:{g.pk}" for g in desk_day["passes"]]
    gathered = gather(project=world.project, user=world.cs, at=at)
    assert len(gathered["parcels"]) == 2 and len(gathered["visitors"]) == 1
    # the other project's handover sees only its own parcel
    assert len(parcels_waiting(project=world.other_project, user=world.outsider, at=at)) == 1


def test_room_timeline_has_front_desk_entries_for_those_who_may_see(world, desk_day, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        entries = room_timeline(room=world.room, user=world.cs, only={"parcels", "visitors", "goods_passes"})
    sources = [e.source for e in entries]
    assert sources.count("parcels") == 2 and sources.count("visitors") == 3 and sources.count("goods_passes") == 4
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    own = room_timeline(room=world.room, user=world.resident_user, only={"parcels"})
    assert len(own) == 2
    assert room_timeline(room=world.room, user=world.outsider, only={"parcels", "visitors", "goods_passes"}) == []
    assert room_timeline(room=world.room2, user=world.resident_user, only={"parcels"}) == []
    assert ID_CARD not in " ".join(e.detail + e.title for e in entries)
