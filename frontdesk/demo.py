"""Demo data of the front desk: a shelf of parcels (some overdue, an important letter past its two
hours), visitors on site and expected, a contractor's pass, goods passes for today and last week.
Made through the services, then back-dated, so every history is real."""

from datetime import timedelta

from django.utils import timezone

from estate.models import Occupancy, Room
from frontdesk import services
from frontdesk.choices import CARRIERS
from frontdesk.models import GoodsCheck, GoodsPass, Parcel, ParcelEvent, Visit
from frontdesk.services import PassApplication, WalkIn

VISITORS = ["周杰", "吴敏", "郑浩", "冯雪", "陈晨", "褚亮", "卫青", "蒋欣"]
PURPOSES = ["探亲", "送餐", "家政保洁", "朋友聚会", "上门维修", "看房"]
ID_SAMPLE = "11010519491231002X"


def _shift(model, pk, **fields):
    model.objects.filter(pk=pk).update(**fields)


def _applicant(desk, room, relation: str, today):
    """One of the room's people with that relation (an owner, or a tenant); a tenant moves in
    through the household service when the room has none, and an empty room gets an owner."""
    from estate.services import resident_create
    from frontdesk.selectors import pass_applicants

    owners = relation == "owner"
    for occ in pass_applicants(room.pk):
        if (occ.relation in ("owner", "co_owner")) == owners and (owners or occ.relation == "tenant"):
            return occ.resident
    name, phone = ("王先生", "13800007001") if owners else ("租客小刘", "13800007002")
    return resident_create(
        actor=desk,
        room=room,
        data={"name": name, "phone": phone},
        relation="owner" if owners else "tenant",
        start=today - timedelta(days=400 if owners else 60),
    )


def seed(*, company, projects, users, rng):
    project = projects["cuihu"]
    desk, guard, owner = users["kefu"], users["baoan"], users["yezhu"]
    rooms = list(Room.objects.filter(project=project).order_by("code")[:200])
    if not rooms:
        return
    own_room_ids = list(Occupancy.objects.current().filter(resident__user=owner).values_list("room_id", flat=True))
    own_room = (
        next((r for r in rooms if r.pk in own_room_ids), None) or Room.objects.filter(pk__in=own_room_ids).first()
    )
    now = timezone.now()

    # parcels: today's shelf, a few collected, some waiting too long, one important letter overdue
    for i in range(30):
        room = own_room if (i < 2 and own_room) else rng.choice(rooms)
        kind = "important" if i in (5, 17) else ("letter" if i % 9 == 0 else "parcel")
        parcel = services.parcel_log(
            actor=rng.choice([desk, guard]),
            room_id=room.pk,
            kind=kind,
            tracking_number=""
            if kind == "letter"
            else f"{rng.choice(['SF', 'YT', 'ZT', 'JD'])}{rng.randrange(10**11, 10**12)}",
            carrier="" if kind == "letter" else rng.choice(CARRIERS),
            shelf=f"{rng.choice('ABCD')}-{rng.randint(1, 6)}",
        )
        age = timedelta(days=rng.choice([0, 0, 0, 1, 2, 5, 12, 33, 40])) if i >= 5 else timedelta(hours=i)
        if i == 5:
            age = timedelta(hours=3)  # the important letter is an hour past its two
        arrived = now - age - timedelta(minutes=rng.randint(0, 300))
        due = arrived + timedelta(hours=2) if kind == "important" else None
        _shift(Parcel, parcel.pk, arrived_at=arrived, due_at=due)
        ParcelEvent.objects.filter(parcel=parcel).update(at=arrived)
        if 20 <= i < 29:
            services.parcel_hand_over(actor=desk, parcel=parcel, collector_name=rng.choice(VISITORS))
        elif i == 29:
            services.parcel_return(actor=desk, parcel=parcel, note="超过30天未领，退回快递员")

    # visitors: on site now, left earlier, expected by the owner's code
    for i in range(6):
        room = rng.choice(rooms)
        visit = services.visit_register(
            actor=rng.choice([desk, guard]),
            data=WalkIn(
                room_id=room.pk,
                name=VISITORS[i],
                purpose=rng.choice(PURPOSES),
                agreed_by="业主",
                agreed_via=rng.choice(["phone", "in_person"]),
                id_number=ID_SAMPLE,
                phone=f"136{rng.randrange(10**7, 10**8)}",
            ),
        )
        came = now - timedelta(hours=rng.randint(1, 6))
        _shift(Visit, visit.pk, time_in=came, created_at=came, agreed_at=came)
        if i >= 3:
            services.visit_checkout(actor=guard, visit=visit)
    if own_room:
        services.visit_preregister(actor=owner, room_id=own_room.pk, name="李表哥", purpose="周末聚餐", people=3)

    services.contractor_pass_issue(
        actor=desk,
        project_id=project.pk,
        company_name="美家装饰工程有限公司",
        people="王建国\n李卫东\n张强",
        purpose="室内装修",
        valid_from=now - timedelta(days=3),
        valid_to=now + timedelta(days=27),
        contact_phone="13912345678",
        room_ids=[rooms[3].pk],
    )

    # goods passes: today's (one authorised, one awaiting the owner), last week's released
    today = timezone.localdate()
    for day_offset, relation in [(0, "owner"), (0, "tenant"), (-7, "owner"), (-6, "owner"), (-5, "tenant")]:
        room = own_room if (relation == "tenant" and day_offset == 0 and own_room) else rng.choice(rooms)
        applicant = _applicant(desk, room, relation, today)
        gp = services.goods_pass_apply(
            actor=desk,
            data=PassApplication(
                room_id=room.pk,
                valid_on=today,
                carrier_name=rng.choice(["搬家公司老刘", "货拉拉司机", "快运师傅"]),
                carrier_id_number=ID_SAMPLE,
                items=[("旧沙发", 1), ("纸箱", rng.randint(2, 9)), ("电视机", 1)][: rng.randint(1, 3)],
                applicant_id=applicant.pk,
                authorised_via="phone",
            ),
        )
        if day_offset:
            if relation == "tenant":
                services.goods_pass_confirm(actor=desk, goods_pass=gp, via="phone", owner_name="业主")
                gp.refresh_from_db()
            services.goods_pass_verify(actor=guard, goods_pass=gp, released={i.pk: i.quantity for i in gp.items.all()})
            day = now + timedelta(days=day_offset)
            _shift(GoodsPass, gp.pk, valid_on=today + timedelta(days=day_offset), created_at=day, released_at=day)
            GoodsCheck.objects.filter(goods_pass=gp).update(at=day)
