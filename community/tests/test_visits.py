from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from community import services
from community.models import VisitGroup
from core.errors import ActionRefused
from core.models import AuditEntry

pytestmark = pytest.mark.django_db


def data(world, **kw):
    values = dict(
        project_id=world.project.pk,
        organisation="市物业协会",
        size=12,
        visit_at=timezone.now() + timedelta(days=1),
        contact_name="黄主任",
        contact_phone="138-1111-2222",
        route="大门 → 中心花园 → 监控室",
        receiver_ids=[world.supervisor.pk, world.pm.pk],
    )
    values.update(kw)
    return services.VisitData(**values)


def test_create_normalises_phone_and_sets_receivers(world):
    visit = services.visit_create(actor=world.cs, data=data(world))
    assert visit.contact_phone == "13811112222"
    assert set(visit.receivers.all()) == {world.supervisor, world.pm}


def test_bad_input_changes_nothing(world):
    with pytest.raises(ValidationError) as exc:
        services.visit_create(
            actor=world.cs,
            data=data(world, organisation="", size=0, contact_phone="123", receiver_ids=[world.outsider.pk]),
        )
    assert {"organisation", "size", "contact_phone", "receivers"} <= set(exc.value.message_dict)
    assert not VisitGroup.objects.exists()


def test_other_project_staff_refused(world):
    with pytest.raises(ActionRefused):
        services.visit_create(actor=world.outsider, data=data(world))


def test_correction_is_audited_with_phone_masked(world):
    visit = services.visit_create(actor=world.cs, data=data(world))
    services.visit_update(actor=world.cs2, visit=visit, data=data(world, size=15, contact_phone="13900000000"))
    visit.refresh_from_db()
    assert visit.size == 15
    entry = AuditEntry.objects.get(object_type="community.VisitGroup", object_id=str(visit.pk), action="edit")
    assert entry.changes["size"] == ["12", "15"]
    assert "13900000000" not in str(entry.changes)


def test_feedback_rating_range(world):
    visit = services.visit_create(actor=world.cs, data=data(world))
    with pytest.raises(ValidationError):
        services.visit_feedback(actor=world.cs, visit=visit, feedback="", rating=None)
    with pytest.raises(ValidationError):
        services.visit_feedback(actor=world.cs, visit=visit, feedback="好", rating=9)
    services.visit_feedback(actor=world.cs, visit=visit, feedback="物业管理规范", rating=5)
    visit.refresh_from_db()
    assert (visit.feedback, visit.rating) == ("物业管理规范", 5)


def test_retention_purges_old_contacts_of_that_company_only(world):
    old = services.visit_create(actor=world.cs, data=data(world, visit_at=timezone.now() - timedelta(days=400)))
    recent = services.visit_create(actor=world.cs, data=data(world))
    touched = services.visit_purge_personal(company=world.company, before=timezone.now() - timedelta(days=180))
    assert touched == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.contact_name, old.contact_phone) == ("", "") and old.organisation == "市物业协会"
    assert recent.contact_phone == "13811112222"
    assert services.visit_purge_personal(company=world.company, before=timezone.now() + timedelta(days=2)) == 1
    assert services.visit_purge_personal(company=world.company, before=timezone.now() + timedelta(days=2)) == 0


def test_registered_with_privacy(world):
    from core import privacy

    assert privacy.sensitive_field("community.visitgroup", "contact_phone").kind == "phone"
    assert "visit_group" in {r.code for r in privacy.retentions()}
