"""Visitors: walk-ins with the host's agreement, pre-registration codes, contractors' passes, retention."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.errors import ActionRefused
from core.idcard import valid_id_card
from core.privacy import retentions
from frontdesk import selectors, services
from frontdesk.choices import VisitState
from frontdesk.models import FrontdeskSettings, Visit
from frontdesk.tests.conftest import ID_CARD

pytestmark = pytest.mark.django_db


def test_the_sample_id_card_is_well_formed_and_a_typo_is_not():
    assert valid_id_card(ID_CARD)
    assert not valid_id_card(ID_CARD[:-1] + "1")
    assert not valid_id_card("123")


def test_a_walk_in_is_on_site_with_the_hosts_agreement(world, walk_in):
    visit = services.visit_register(actor=world.cs, data=walk_in())
    assert visit.state == VisitState.ON_SITE and visit.time_in and visit.admitted_by == world.cs
    assert (visit.agreed_by, visit.agreed_via) == ("张三", "phone") and visit.agreed_at
    assert visit.id_number == ID_CARD and visit.phone == "13600001234"
    assert [v.pk for v in selectors.on_site_visits(world.guard, [world.project.pk])] == [visit.pk]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"agreed_by": ""}, "agreed_by"),
        ({"agreed_via": "app"}, None),
        ({"agreed_via": ""}, "agreed_via"),
        ({"id_number": ""}, "id_number"),
        ({"id_number": "110105194912310021"}, "id_number"),
        ({"phone": "12345"}, "phone"),
        ({"name": " "}, "name"),
        ({"purpose": ""}, "purpose"),
        ({"people": 0}, "people"),
    ],
)
def test_a_walk_in_without_what_it_needs_is_refused(world, walk_in, change, field):
    if field is None:  # the app is a valid way for the host to agree
        assert services.visit_register(actor=world.cs, data=walk_in(**change)).pk
        return
    with pytest.raises(ValidationError) as exc:
        services.visit_register(actor=world.cs, data=walk_in(**change))
    assert field in exc.value.message_dict
    assert not Visit.objects.exists()


def test_only_front_staff_of_the_project_register_visitors(world, walk_in):
    assert services.visit_register(actor=world.guard, data=walk_in()).pk
    with pytest.raises(ActionRefused):
        services.visit_register(actor=world.tech, data=walk_in())
    with pytest.raises(ValidationError):
        services.visit_register(actor=world.outsider, data=walk_in())


def test_time_out_is_recorded_once(world, walk_in):
    visit = services.visit_register(actor=world.cs, data=walk_in())
    services.visit_checkout(actor=world.guard, visit=visit)
    visit.refresh_from_db()
    assert visit.state == VisitState.LEFT and visit.time_out and visit.left_recorded_by == world.guard
    with pytest.raises(ActionRefused):
        services.visit_checkout(actor=world.guard, visit=visit)
    assert selectors.on_site_visits(world.cs, [world.project.pk]) == []


def prereg(world, **kw):
    data = dict(room_id=world.room.pk, name="李表哥", purpose="做客", phone="13611112222")
    data.update(kw)
    return services.visit_preregister(actor=world.resident_user, **data)


def test_a_resident_preregisters_and_the_guard_admits_by_code(world):
    visit = prereg(world)
    assert visit.state == VisitState.EXPECTED and len(visit.code) == 6
    assert visit.agreed_via == "app" and visit.agreed_by == world.resident_user.name
    assert visit.code_expires_at == visit.created_at + timedelta(hours=24)
    admitted = services.visit_admit_by_code(
        actor=world.guard, project_id=world.project.pk, code=visit.code, id_type="id_card", id_number=ID_CARD
    )
    assert (
        admitted.state == VisitState.ON_SITE and admitted.admitted_by == world.guard and admitted.id_number == ID_CARD
    )


def test_a_resident_may_preregister_only_for_their_own_room(world):
    with pytest.raises(ActionRefused):
        prereg(world, room_id=world.room2.pk)
    with pytest.raises(ActionRefused):
        services.visit_preregister(actor=world.cs, room_id=world.room.pk, name="x", purpose="y")


def test_a_used_code_is_refused(world):
    visit = prereg(world)
    services.visit_admit_by_code(actor=world.guard, project_id=world.project.pk, code=visit.code)
    with pytest.raises(ActionRefused, match="使用过"):
        services.visit_admit_by_code(actor=world.guard, project_id=world.project.pk, code=visit.code)


def test_an_expired_code_is_refused_and_the_expiry_is_a_project_setting(world):
    FrontdeskSettings.objects.create(project=world.project, preregistration_hours=4)
    visit = prereg(world)
    assert visit.code_expires_at == visit.created_at + timedelta(hours=4)
    with time_machine.travel(timezone.now() + timedelta(hours=5)):
        with pytest.raises(ActionRefused, match="过期"):
            services.visit_admit_by_code(actor=world.guard, project_id=world.project.pk, code=visit.code)
    assert Visit.objects.get(pk=visit.pk).state == VisitState.EXPECTED


def test_a_code_for_a_later_day_is_valid_that_day(world):
    tomorrow = timezone.localdate() + timedelta(days=1)
    visit = prereg(world, expected_on=tomorrow)
    with pytest.raises(ActionRefused, match="还没到"):
        services.visit_admit_by_code(actor=world.guard, project_id=world.project.pk, code=visit.code)
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert services.visit_admit_by_code(actor=world.guard, project_id=world.project.pk, code=visit.code).time_in


def test_a_code_of_another_project_is_refused(world):
    visit = prereg(world)
    other_guard = world.outsider
    with pytest.raises(ActionRefused, match="不是本项目"):
        services.visit_admit_by_code(actor=other_guard, project_id=world.other_project.pk, code=visit.code)
    with pytest.raises(ActionRefused):  # and staff cannot act for a project they do not work in
        services.visit_admit_by_code(actor=other_guard, project_id=world.project.pk, code=visit.code)


def test_a_cancelled_preregistration_cannot_be_used(world):
    visit = prereg(world)
    services.visit_cancel(actor=world.resident_user, visit=visit)
    with pytest.raises(ActionRefused, match="取消"):
        services.visit_admit_by_code(actor=world.guard, project_id=world.project.pk, code=visit.code)


def test_contractor_pass_rules(world):
    now = timezone.now()
    item = services.contractor_pass_issue(
        actor=world.cs,
        project_id=world.project.pk,
        company_name="美家装饰",
        people="王工\n李工\n",
        purpose="装修",
        valid_from=now,
        valid_to=now + timedelta(days=30),
        room_ids=[world.room.pk],
    )
    assert item.people_list == ["王工", "李工"] and list(item.rooms.all()) == [world.room]
    assert selectors.current_contractor_passes(world.guard, [world.project.pk]) == [item]
    with pytest.raises(ValidationError) as exc:
        services.contractor_pass_issue(
            actor=world.cs,
            project_id=world.project.pk,
            company_name="x",
            people="",
            purpose="y",
            valid_from=now,
            valid_to=now - timedelta(hours=1),
            room_ids=[world.other_room.pk],
        )
    assert {"people", "valid_to", "rooms"} <= set(exc.value.message_dict)
    services.contractor_pass_revoke(actor=world.cs, item=item)
    assert selectors.current_contractor_passes(world.guard, [world.project.pk]) == []
    with pytest.raises(ActionRefused):
        services.contractor_pass_revoke(actor=world.cs, item=item)


def test_visitor_data_is_registered_for_retention_and_purged(world, walk_in):
    codes = {r.code for r in retentions()}
    assert {"visitor", "goods_carrier"} <= codes
    purge = next(r for r in retentions() if r.code == "visitor").purge
    with time_machine.travel(timezone.now() - timedelta(days=400)):
        old = services.visit_register(actor=world.cs, data=walk_in())
        services.visit_checkout(actor=world.cs, visit=old)
        still_here = services.visit_register(actor=world.cs, data=walk_in(name="没走的人"))
    recent = services.visit_register(actor=world.cs, data=walk_in(name="新访客"))
    services.visit_checkout(actor=world.cs, visit=recent)
    touched = purge(company=world.company, before=timezone.now() - timedelta(days=180))
    assert touched == 1
    old.refresh_from_db()
    assert (old.name, old.id_number, old.phone) == ("", "", "") and old.purged_at
    assert Visit.objects.get(pk=recent.pk).id_number == ID_CARD
    assert Visit.objects.get(pk=still_here.pk).id_number == ID_CARD  # on site: kept until they leave
    assert purge(company=world.company, before=timezone.now() - timedelta(days=180)) == 0


def test_a_refused_visitor_code_is_recorded(world):
    from core.models import AuditEntry

    with pytest.raises(ActionRefused):
        services.visit_admit_by_code(actor=world.guard, project_id=world.project.pk, code="999999")
    entry = AuditEntry.objects.get(action="refused", object_type="frontdesk.Visit")
    assert entry.object_id == "999999" and entry.actor == world.guard
    assert "999999" in entry.changes["reason"]
