"""The registry: normal forms (initials, plates, name substrings) and the services that keep the
household file, with the refusals they must make."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import idcard
from core.errors import ActionRefused, ServiceError
from core.models import AuditEntry
from estate import services
from estate.choices import IdType, ParkingKind, PetKind, Relation
from estate.models import CareTag, HouseholdNote, Occupancy, Resident, ResidentNameGram, Vehicle
from estate.normalize import name_grams, name_initials, normalize_plate, plate_body

D = datetime.date
VALID_ID = "11010519491231002X"


@pytest.mark.parametrize(
    "name, initials",
    [("张三", "zs"), ("欧阳娜娜", "oynn"), ("单雄信", "sxx"), ("曾小贤", "zxx"), ("Tom 李", "toml"), ("", "")],
)
def test_name_initials(name, initials):
    assert name_initials(name) == initials


@pytest.mark.parametrize(
    "raw", ["浙a 12345", "浙A12345", "浙Ａ１２３４５", " 浙A·12345 ", "浙a-12345", "浙　A 1 2 3 4 5"]
)
def test_plates_have_one_normal_form(raw):
    assert normalize_plate(raw) == "浙A12345"
    assert plate_body("浙A12345") == "A12345"


@given(st.text(alphabet="张王李赵钱孙一二三丰", min_size=1, max_size=8))
def test_every_part_of_a_name_up_to_six_characters_is_indexed(name):
    grams = name_grams(name)
    for i in range(len(name)):
        for j in range(i + 1, min(len(name), i + 6) + 1):
            assert name[i:j] in grams
    assert all(1 <= len(g) <= 6 for g in grams)


def test_saving_a_resident_keeps_initials_and_name_index(world):
    r = world.resident
    assert r.name_initials == "zs"
    assert set(ResidentNameGram.objects.filter(resident=r).values_list("gram", flat=True)) == {"张", "三", "张三"}
    r.name = "张三丰"
    r.save()
    assert r.name_initials == "zsf"
    assert "三丰" in set(r.name_grams.values_list("gram", flat=True))


def test_id_card_checksum():
    assert idcard.valid_id_card(VALID_ID)
    assert not idcard.valid_id_card("110105194912310021")
    assert not idcard.valid_id_card("12345")


# ---------------------------------------------------------------- people


def test_desk_adds_a_person_with_normalised_phone_and_id_and_audit(world):
    tag = CareTag.objects.create(company=world.company, name="独居老人")
    r = services.resident_create(
        actor=world.cs,
        room=world.room,
        data={
            "name": "王五",
            "phone": "+86 139-0000 2222",
            "id_type": IdType.ID_CARD,
            "id_number": "11010519491231002x",
            "care_tags": [tag],
        },
        relation=Relation.FAMILY,
        start=D(2024, 1, 1),
    )
    assert r.phone == "13900002222" and r.id_number == VALID_ID and r.project_id == world.project.pk
    assert list(r.care_tags.all()) == [tag]
    assert Occupancy.objects.get(resident=r).room == world.room
    entry = AuditEntry.objects.get(object_type="estate.Resident", object_id=str(r.pk))
    # the audit trail keeps the change, not the full numbers
    assert VALID_ID not in str(entry.changes) and "13900002222" not in str(entry.changes)
    assert entry.changes["id_number"][1] == "1101**********002X"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": ""}, "姓名"),
        ({"name": "王五", "phone": "12345"}, "电话"),
        ({"name": "王五", "id_type": IdType.ID_CARD, "id_number": "110105194912310021"}, "身份证"),
        ({"name": "王五", "id_number": "E12345678"}, "证件类型"),
    ],
)
def test_bad_person_data_is_refused_and_nothing_changes(world, data, message):
    before = Resident.objects.count()
    with pytest.raises(ServiceError, match=message):
        services.resident_create(actor=world.cs, room=world.room, data=data, relation=Relation.FAMILY)
    assert Resident.objects.count() == before


def test_another_companys_tag_is_refused(world):
    from core.models import Company

    other = CareTag.objects.create(company=Company.objects.create(name="别家", code="x"), name="敏感")
    with pytest.raises(ServiceError):
        services.resident_create(
            actor=world.cs, room=world.room, data={"name": "王五", "care_tags": [other]}, relation=Relation.FAMILY
        )


@pytest.mark.parametrize("who", ["tech", "guard", "finance", "lead", "resident_user", "outsider"])
def test_only_the_projects_desk_may_change_the_file(world, who):
    actor = getattr(world, who)
    with pytest.raises(ActionRefused):
        services.note_add(actor=actor, room=world.room, text="x")
    # the owner adds family members from the residents' app (portal/tests/test_household.py), never an owner
    relation = Relation.OWNER if who == "resident_user" else Relation.FAMILY
    with pytest.raises(ActionRefused):
        services.resident_create(actor=actor, room=world.room, data={"name": "王五"}, relation=relation)
    assert not HouseholdNote.objects.exists()


@pytest.mark.parametrize("who", ["cs", "supervisor", "manager", "pm"])
def test_desk_and_supervisors_may_change_the_file(world, who):
    services.note_add(actor=getattr(world, who), room=world.room, text="业主要求来电前先发短信")
    assert HouseholdNote.objects.filter(room=world.room).count() == 1


def test_update_changes_only_what_changed_and_audits(world):
    r = world.resident
    services.resident_update(
        actor=world.cs, room=world.room, resident=r, data={"name": "张三", "phone": "13812345678", "gender": "M"}
    )
    r.refresh_from_db()
    assert r.gender == "M"
    entry = AuditEntry.objects.filter(object_type="estate.Resident", action="update").get()
    assert set(entry.changes) == {"gender"}


def test_update_refuses_a_person_of_another_household(world):
    with pytest.raises(ActionRefused):
        services.resident_update(actor=world.cs, room=world.room, resident=world.neighbour, data={"name": "李四"})


# ---------------------------------------------------------------- ownership


def test_a_second_owner_over_the_same_period_is_refused(world):
    Occupancy.objects.filter(resident=world.resident).update(start=D(2020, 1, 1))
    with pytest.raises(ServiceError, match="已有业主"):
        services.resident_create(
            actor=world.cs, room=world.room, data={"name": "钱七"}, relation=Relation.OWNER, start=D(2025, 6, 1)
        )
    assert Occupancy.objects.filter(room=world.room, relation=Relation.OWNER).count() == 1


def test_transfer_ends_previous_owners_the_day_before_and_keeps_history(world):
    Occupancy.objects.filter(resident=world.resident).update(start=D(2020, 1, 1))
    co = Resident.objects.create(project=world.project, name="张太太")
    Occupancy.objects.create(room=world.room, resident=co, relation=Relation.CO_OWNER, start=D(2020, 1, 1))
    new = services.resident_create(
        actor=world.cs,
        room=world.room,
        data={"name": "钱七"},
        relation=Relation.OWNER,
        start=D(2025, 6, 1),
        end_current_owners=True,
    )
    old = Occupancy.objects.get(resident=world.resident, room=world.room)
    assert old.end == D(2025, 5, 31)
    assert Occupancy.objects.get(resident=co).end == D(2025, 5, 31)
    assert Occupancy.objects.get(resident=new).start == D(2025, 6, 1)
    assert Occupancy.objects.filter(room=world.room).count() == 3  # nothing deleted
    assert AuditEntry.objects.filter(object_type="estate.Occupancy", action="end").count() == 2


def test_transfer_needs_a_start_date(world):
    with pytest.raises(ServiceError, match="起始日期"):
        services.resident_create(
            actor=world.cs, room=world.room, data={"name": "钱七"}, relation=Relation.OWNER, end_current_owners=True
        )


def test_transfer_before_the_previous_owner_started_is_refused(world):
    Occupancy.objects.filter(resident=world.resident).update(start=D(2024, 1, 1))
    with pytest.raises(ServiceError):
        services.resident_create(
            actor=world.cs,
            room=world.room,
            data={"name": "钱七"},
            relation=Relation.OWNER,
            start=D(2023, 1, 1),
            end_current_owners=True,
        )
    assert Occupancy.objects.get(resident=world.resident).end is None


def test_owners_in_sequence_are_fine(world):
    Occupancy.objects.filter(resident=world.resident).update(start=D(2020, 1, 1), end=D(2022, 12, 31))
    services.resident_create(
        actor=world.cs, room=world.room, data={"name": "钱七"}, relation=Relation.OWNER, start=D(2023, 1, 1)
    )


@given(
    a=st.tuples(st.integers(0, 30), st.integers(0, 30)),
    b=st.tuples(st.integers(0, 30), st.integers(0, 30)),
)
def test_overlap_rule_matches_interval_arithmetic(a, b):
    """_overlaps(start, end) selects exactly the periods that share a day with [start, end]."""
    base = D(2025, 1, 1)
    s1, e1 = sorted(a)
    s2, e2 = sorted(b)
    expected = s1 <= e2 and s2 <= e1
    q = services._overlaps(base + datetime.timedelta(s2), base + datetime.timedelta(e2))

    class Row:  # evaluate the Q by hand over one row
        start, end = base + datetime.timedelta(s1), base + datetime.timedelta(e1)

    def holds(node):
        if hasattr(node, "children") and not isinstance(node, tuple):
            results = [holds(c) for c in node.children]
            value = all(results) if node.connector == "AND" else any(results)
            return not value if node.negated else value
        key, value = node
        field, _, lookup = key.partition("__")
        have = getattr(Row, field)
        if lookup == "isnull":
            return (have is None) == value
        if lookup == "lte":
            return have is not None and have <= value
        return have is not None and have >= value

    assert holds(q) == expected


def test_ending_a_relation(world):
    occ = Occupancy.objects.get(resident=world.neighbour)
    with pytest.raises(ServiceError):
        services.occupancy_end(actor=world.cs, occupancy=Occupancy.objects.get(resident=world.neighbour), end=None)
    occ.start = D(2024, 1, 1)
    occ.save()
    with pytest.raises(ServiceError, match="早于"):
        services.occupancy_end(actor=world.cs, occupancy=occ, end=D(2023, 1, 1))
    services.occupancy_end(actor=world.cs, occupancy=occ, end=D(2025, 1, 1))
    with pytest.raises(ServiceError, match="已于"):
        services.occupancy_end(actor=world.cs, occupancy=occ, end=D(2025, 2, 1))


def test_same_relation_twice_is_refused(world):
    with pytest.raises(ServiceError):
        services.occupancy_add(actor=world.cs, room=world.room, resident=world.resident, relation=Relation.OWNER)


def test_a_person_of_another_project_cannot_be_linked(world):
    with pytest.raises(ActionRefused):
        services.occupancy_add(actor=world.cs, room=world.room, resident=world.other_resident, relation=Relation.FAMILY)


# ---------------------------------------------------------------- vehicles, parking, pets


def test_vehicle_plate_is_normalised_and_unique_while_active(world):
    v = services.vehicle_add(actor=world.cs, room=world.room, plate="浙a 12345", resident=world.resident)
    assert v.plate == "浙A12345" and v.plate_body == "A12345" and v.project_id == world.project.pk
    with pytest.raises(ServiceError, match="已在本项目登记"):
        services.vehicle_add(actor=world.cs, room=world.room2, plate="浙Ａ１２３４５")
    services.vehicle_end(actor=world.cs, vehicle=v)
    with pytest.raises(ServiceError):
        services.vehicle_end(actor=world.cs, vehicle=v)
    again = services.vehicle_add(actor=world.cs, room=world.room2, plate="浙A12345")
    assert Vehicle.objects.filter(plate="浙A12345").count() == 2 and again.ended_on is None


@pytest.mark.parametrize("plate", ["12345", "浙", "浙A1", "not a plate!"])
def test_bad_plates_are_refused(world, plate):
    with pytest.raises(ServiceError):
        services.vehicle_add(actor=world.cs, room=world.room, plate=plate)
    assert not Vehicle.objects.exists()


def test_parking_space_of_another_household_is_refused(world):
    v = services.vehicle_add(actor=world.cs, room=world.room, plate="浙A12345")
    space = services.parking_save(actor=world.cs, room=world.room, number="b1-023", kind=ParkingKind.OWNED, vehicle=v)
    assert space.number == "B1-023" and space.vehicle == v
    with pytest.raises(ServiceError, match="其他房屋"):
        services.parking_save(actor=world.cs, room=world.room2, number="B1-023", kind=ParkingKind.RENTED)
    with pytest.raises(ServiceError, match="不属于该户"):
        services.parking_save(actor=world.cs, room=world.room2, number="B1-024", kind=ParkingKind.RENTED, vehicle=v)
    # a rented space whose lease ended can go to another household, the change is audited
    services.parking_save(actor=world.cs, room=world.room, number="B1-023", kind=ParkingKind.RENTED, end=D(2020, 1, 1))
    moved = services.parking_save(actor=world.cs, room=world.room2, number="B1-023", kind=ParkingKind.RENTED)
    assert moved.room == world.room2
    assert AuditEntry.objects.filter(object_type="estate.ParkingSpace").count() == 3


def test_pets(world):
    from django.utils import timezone

    pet = services.pet_add(actor=world.cs, room=world.room, kind=PetKind.DOG, name="旺财", vaccinated_on=D(2025, 3, 1))
    with pytest.raises(ServiceError):
        services.pet_add(
            actor=world.cs,
            room=world.room,
            kind=PetKind.CAT,
            vaccinated_on=timezone.localdate() + datetime.timedelta(1),
        )
    services.pet_vaccinated(actor=world.cs, pet=pet, on=D(2026, 3, 1))
    services.pet_gone(actor=world.cs, pet=pet)
    pet.refresh_from_db()
    assert pet.vaccinated_on == D(2026, 3, 1) and pet.gone_on
    with pytest.raises(ServiceError):
        services.pet_gone(actor=world.cs, pet=pet)


def test_empty_note_is_refused(world):
    with pytest.raises(ServiceError):
        services.note_add(actor=world.cs, room=world.room, text="   ")
    assert not HouseholdNote.objects.exists()
