import pytest
from django.core.exceptions import ValidationError

from core.choices import DepartmentKind, Role
from core.errors import ActionRefused
from core.models import AuditEntry, Notification
from desk.choices import Kind, State
from safety import services
from safety.choices import EntryKind, IncidentState
from safety.models import Incident, IncidentCall, IncidentEntry


def start(world, actor=None, **kw):
    data = dict(project=world.project, kind="flood", title="5栋地下室水管爆裂", place="5栋地下室")
    data.update(kw)
    return services.incident_start(actor=actor or world.cs, **data)


@pytest.fixture
def tree(world):
    return services.call_tree_save(
        actor=world.supervisor,
        project=world.project,
        kind="flood",
        entries=[
            {"user": world.lead},
            {"role": Role.CS_SUPERVISOR},
            {"department": world.dept[DepartmentKind.SECURITY]},
            {"user": world.supervisor},  # already listed by role: told once
        ],
    )


def test_start_notifies_call_tree_in_order_and_records_who(world, tree):
    incident = start(world)
    calls = list(IncidentCall.objects.filter(incident=incident).values_list("user__username", flat=True))
    assert calls == ["lead", "sup", "guard"]
    notes = Notification.objects.filter(url=f"/safety/incidents/{incident.pk}/")
    assert sorted(notes.values_list("user__username", flat=True)) == ["guard", "lead", "sup"]
    assert list(incident.entries.values_list("kind", flat=True)) == [EntryKind.REPORT, EntryKind.NOTIFY]
    assert AuditEntry.objects.filter(object_type="safety.CallTree").count() == 1


def test_without_a_tree_the_supervisors_are_told(world):
    incident = start(world)
    assert set(incident.calls.values_list("user__username", flat=True)) == {"sup", "mgr", "pm"}


def test_acknowledge_records_who_and_who_not(world, tree):
    incident = start(world)
    services.incident_ack(actor=world.guard, incident=incident)
    services.incident_ack(actor=world.guard, incident=incident)  # twice: one entry
    acked = dict(IncidentCall.objects.filter(incident=incident).values_list("user__username", "acked_at"))
    assert acked["guard"] is not None and acked["lead"] is None and acked["sup"] is None
    assert incident.entries.filter(kind=EntryKind.ACK).count() == 1
    with pytest.raises(ActionRefused):
        services.incident_ack(actor=world.tech, incident=incident)  # not on the list


def test_start_refusals(world):
    for who in (world.guard, world.tech, world.finance, world.resident_user):
        with pytest.raises(ActionRefused):
            start(world, actor=who)
    with pytest.raises(ActionRefused):
        start(world, actor=world.outsider)
    with pytest.raises(ValidationError):
        start(world, room=world.other_room)
    with pytest.raises(ValidationError):
        start(world, kind="quake")
    with pytest.raises(ValidationError):
        start(world, place=" ")
    assert not Incident.objects.exists()


def test_linking_and_fix_notification_to_every_linked_resident(world, tree):
    from estate.models import Resident

    neighbour_user = __import__("tests.factories", fromlist=["make_user"]).make_user("n", Role.RESIDENT)
    Resident.objects.filter(pk=world.neighbour.pk).update(user=neighbour_user)
    a = world.register(kind=Kind.REPAIR, title="地下室漏水")
    b = world.register(kind=Kind.REPAIR, title="楼下水管爆了", room_id=world.room2.pk, resident_id=world.neighbour.pk)
    c = world.register(
        actor=world.cs2, kind=Kind.REPAIR, title="停车场积水", room_id=None, resident_id=None, location="B1"
    )
    other = world.register_other()
    incident = start(world)
    with pytest.raises(ValidationError):
        services.incident_link(actor=world.cs, incident=incident, requests=[a, other])
    with pytest.raises(ActionRefused):
        services.incident_link(actor=world.guard, incident=incident, requests=[a])
    services.incident_link(actor=world.cs, incident=incident, requests=[a, b, c])
    with pytest.raises(ValidationError):  # already linked
        services.incident_link(actor=world.cs, incident=incident, requests=[a])
    Notification.objects.all().delete()
    services.incident_resolve(actor=world.cs, incident=incident, text="已更换爆裂管段，恢复供水")
    incident.refresh_from_db()
    assert incident.state == IncidentState.RESOLVED
    by_user = {}
    for n in Notification.objects.select_related("user"):
        by_user.setdefault(n.user.username, []).append(n)
    assert {"owner", "n"} <= set(by_user)  # both residents with an account
    assert by_user["owner"][0].url.endswith(f"/requests/{a.pk}/")
    assert "已修复" in by_user["n"][0].title
    assert "cs" in by_user and "cs2" in by_user  # the desk: each request's first receiver
    assert len(by_user["cs"]) == 2 and len(by_user["cs2"]) == 1
    assert {a.pk, b.pk, c.pk} == set(incident.entries.get(kind=EntryKind.RESOLVE).data["requests"])
    a.refresh_from_db()
    assert a.state == State.REGISTERED  # the requests go on through the desk's own lifecycle


def test_closing_requires_a_review(world):
    incident = start(world)
    with pytest.raises(ActionRefused):
        services.incident_close(actor=world.supervisor, incident=incident)  # still open
    with pytest.raises(ActionRefused):
        services.incident_review(actor=world.supervisor, incident=incident, cause="a", went_well="b", to_improve="c")
    services.incident_resolve(actor=world.cs, incident=incident, text="已处置")
    with pytest.raises(ActionRefused) as err:
        services.incident_close(actor=world.supervisor, incident=incident)
    assert "复盘" in err.value.message
    with pytest.raises(ValidationError):
        services.incident_review(
            actor=world.supervisor, incident=incident, cause="管道老化", went_well="", to_improve="x"
        )
    with pytest.raises(ActionRefused):
        services.incident_review(actor=world.cs, incident=incident, cause="a", went_well="b", to_improve="c")
    services.incident_review(
        actor=world.supervisor, incident=incident, cause="管道老化", went_well="10分钟关阀", to_improve="备用管件"
    )
    with pytest.raises(ActionRefused):
        services.incident_close(actor=world.cs, incident=incident)
    services.incident_close(actor=world.supervisor, incident=incident)
    incident.refresh_from_db()
    assert incident.state == IncidentState.CLOSED and incident.reviewer == world.supervisor
    with pytest.raises(ActionRefused):
        services.incident_note(actor=world.cs, incident=incident, text="补充")
    kinds = list(IncidentEntry.objects.filter(incident=incident).values_list("kind", flat=True))
    assert kinds[-3:] == [EntryKind.RESOLVE, EntryKind.REVIEW, EntryKind.CLOSE]


def test_notes_by_handlers_and_people_called(world, tree):
    incident = start(world)
    services.incident_note(actor=world.guard, incident=incident, text="已关闭总阀")
    with pytest.raises(ActionRefused):
        services.incident_note(actor=world.tech, incident=incident, text="x")
    with pytest.raises(ValidationError):
        services.incident_note(actor=world.cs, incident=incident, text=" ")
    assert incident.entries.filter(kind=EntryKind.ACTION).count() == 1


def test_call_tree_refusals(world):
    with pytest.raises(ActionRefused):
        services.call_tree_save(actor=world.cs, project=world.project, kind="fire", entries=[{"user": world.cs}])
    with pytest.raises(ValidationError):
        services.call_tree_save(
            actor=world.supervisor, project=world.project, kind="fire", entries=[{"user": world.outsider}]
        )
    with pytest.raises(ValidationError):
        services.call_tree_save(actor=world.supervisor, project=world.project, kind="fire", entries=[{}])
