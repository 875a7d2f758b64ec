"""Demo data of the household file: care tags, room attributes, ID numbers, vehicles, parking,
pets, a transfer of ownership and a few staff notes."""

import datetime

from django.utils import timezone

from core.idcard import make_id_card
from estate.choices import IdType, Orientation, ParkingKind, PetKind, Relation
from estate.indexing import reindex_residents
from estate.models import CareTag, HouseholdNote, Occupancy, ParkingSpace, Pet, Resident, Room, Vehicle

TAGS = [
    ("独居老人", "danger", "来电请放慢语速；报修优先上门，留意安全"),
    ("残障", "warning", "上门前电话确认，必要时协助"),
    ("敏感", "secondary", "多次投诉，沟通措辞谨慎，升级主管"),
    ("孕妇/婴幼儿", "info", "装修噪音、停水停电提前告知"),
    ("行动不便", "warning", "送件上门"),
]
PROVINCES = "浙沪苏皖"
BRANDS = ["大众朗逸", "丰田凯美瑞", "比亚迪汉", "特斯拉Model 3", "本田雅阁", "别克GL8", "宝马3系"]
COLOURS = ["白", "黑", "银", "灰", "蓝", "红"]


def fake_id(rng) -> str:
    """A made-up but well-formed resident ID number (birth date and check character right)."""
    born = datetime.date(rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28))
    return make_id_card(born, rng.randint(100, 999), region=f"3301{rng.randint(0, 9)}{rng.randint(1, 9)}")


def plate(rng) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return f"{rng.choice(PROVINCES)}{rng.choice('ABCDE')}{rng.choice(letters)}{rng.randint(1000, 9999)}"


def seed(*, company, projects, users, rng):
    reindex_residents(Resident.objects.filter(project__company=company))
    tags = [
        CareTag.objects.create(company=company, name=name, colour=colour, hint=hint, order=i * 10)
        for i, (name, colour, hint) in enumerate(TAGS)
    ]
    today = timezone.localdate()
    orientations = [Orientation.SOUTH, Orientation.SOUTH_NORTH, Orientation.SOUTH_EAST, Orientation.EAST]
    layouts = ["两室一厅", "三室两厅", "三室两厅", "四室两厅"]
    for project in projects.values():
        rooms = list(Room.objects.filter(project=project).order_by("id"))
        for room in rooms:
            room.orientation = rng.choice(orientations)
            room.layout = rng.choice(layouts)
            room.delivered_on = datetime.date(2016, 6, 30)
        Room.objects.bulk_update(rooms, ["orientation", "layout", "delivered_on"])
        residents = list(Resident.objects.filter(project=project).order_by("id"))
        for r in residents:
            r.gender = rng.choice("MF")
            if rng.random() < 0.6:
                r.id_type, r.id_number = IdType.ID_CARD, fake_id(rng)
        Resident.objects.bulk_update(residents, ["gender", "id_type", "id_number"])
        through = Resident.care_tags.through
        through.objects.bulk_create(
            [through(resident_id=r.pk, caretag_id=rng.choice(tags).pk) for r in residents if rng.random() < 0.06]
        )
        owners = {
            o.room_id: o.resident_id for o in Occupancy.objects.filter(room__project=project, relation=Relation.OWNER)
        }
        vehicles, pets, seen = [], [], set()
        for room in rooms:
            if room.pk in owners and rng.random() < 0.45:
                p = plate(rng)
                if p not in seen:
                    seen.add(p)
                    vehicles.append(
                        Vehicle(
                            project=project,
                            room=room,
                            resident_id=owners[room.pk],
                            plate=p,
                            plate_body=p[1:],
                            brand=rng.choice(BRANDS),
                            colour=rng.choice(COLOURS),
                            registered_on=today - datetime.timedelta(days=rng.randint(30, 1500)),
                        )
                    )
            if room.pk in owners and rng.random() < 0.15:
                pets.append(
                    Pet(
                        room=room,
                        kind=rng.choice([PetKind.DOG, PetKind.DOG, PetKind.CAT]),
                        name=rng.choice(["豆豆", "旺财", "咪咪", "球球", "可乐"]),
                        vaccinated_on=today - datetime.timedelta(days=rng.randint(10, 500)),
                    )
                )
        Vehicle.objects.bulk_create(vehicles)
        Pet.objects.bulk_create(pets)
        ParkingSpace.objects.bulk_create(
            [
                ParkingSpace(
                    project=project,
                    number=f"B1-{i + 1:03d}",
                    kind=ParkingKind.OWNED if i % 3 else ParkingKind.RENTED,
                    room=v.room,
                    vehicle=v,
                    start=v.registered_on,
                )
                for i, v in enumerate(Vehicle.objects.filter(project=project).order_by("id"))
            ]
        )
    # the demo resident's household: a former owner (ownership history) and notes
    yezhu = users.get("yezhu")
    occ = Occupancy.objects.filter(resident__user=yezhu, relation=Relation.OWNER).select_related("room").first()
    if occ:
        start = occ.start or today - datetime.timedelta(days=900)
        former = Resident(project_id=occ.room.project_id, name="周建国", phone="13905718899")
        former.save()
        Occupancy.objects.create(
            room=occ.room,
            resident=former,
            relation=Relation.OWNER,
            start=datetime.date(2016, 7, 1),
            end=start - datetime.timedelta(days=1),
        )
        author = users.get("kefu") or users.get("admin")
        for days, text in [
            (200, "业主反映楼上夜间噪音，已登记并协调"),
            (40, "业主要求维修前电话预约，工作日白天不在家"),
        ]:
            HouseholdNote.objects.create(
                room=occ.room, author=author, text=text, created_at=timezone.now() - datetime.timedelta(days=days)
            )
        occ.resident.care_tags.add(tags[0])
