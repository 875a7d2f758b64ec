"""Demo data of the community pages: announcements in every state with some reads, an activity
open for sign-up and one already held (attendance, feedback), two group visits, and a fuller
phrase library. Current records go through the services; past ones (already held) are written
directly, since the services rightly refuse sign-ups after their deadline."""

from datetime import timedelta

from django.utils import timezone

from community import services
from community.choices import Audience, SignupState
from community.models import Activity, Feedback, Signup
from desk.models import Phrase
from estate.models import Building, Occupancy, Resident

PHRASES = [
    (
        "complaint",
        "投诉受理",
        "您反映的情况我已经详细记录，工单号是……，我们会在规定时间内安排处理并回复您。",
        "受理 记录 工单号",
    ),
    (
        "complaint",
        "邻里纠纷",
        "邻里之间的事情我们会先上门了解情况，再约双方一起沟通，尽量帮大家协调解决。",
        "邻里 噪音 调解",
    ),
    (
        "complaint",
        "漏水安抚",
        "非常抱歉给您带来困扰，我马上通知工程部师傅上门查看漏水点，先帮您做临时处理。",
        "漏水 渗水 安抚",
    ),
    (
        "emergency",
        "电梯困人",
        "请您保持冷静，不要扒门，救援人员正在赶来，预计十分钟内到达，请保持电话畅通。",
        "电梯 困人 救援",
    ),
    ("emergency", "突发停水", "因市政管网抢修临时停水，预计……恢复，我们已在各单元大堂放置饮用水。", "停水 抢修"),
    ("emergency", "火警报警", "请立即从最近的安全通道撤离，不要乘坐电梯，秩序部人员已在现场引导。", "火警 疏散 撤离"),
    (
        "fees",
        "物业费说明",
        "物业费按产权面积乘以单价计收，收费标准已在大堂公示，您也可以到客服中心查看明细。",
        "物业费 收费 标准",
    ),
    (
        "fees",
        "催缴提醒",
        "您好，您家……月的物业费尚未缴纳，方便的时候可以到客服中心或在业主端缴纳，谢谢支持。",
        "催缴 欠费",
    ),
    ("etiquette", "来访接待", "业户来访时起身微笑问候，请坐并递上茶水，耐心倾听，不打断，不推诿。", "来访 接待 微笑"),
    ("other", "快递代收", "快递已放在客服中心，凭取件码或本人证件领取，最多保存30天。", "快递 取件"),
]
KEYWORDS = {
    "接听开场": "问候 开场",
    "核实身份": "房号 电话 身份",
    "安抚情绪": "安抚 道歉",
    "无效投诉解释": "无效投诉 解释",
    "结束语": "结束 感谢",
}


def seed(*, company, projects, users, rng) -> None:
    now = timezone.now()
    cuihu = projects["cuihu"]
    cs, sup, manager = users["kefu"], users["zhuguan"], users["kfjingli"]

    # ---- phrase library
    for title, words in KEYWORDS.items():
        Phrase.objects.filter(company=company, title=title).update(keywords=words)
    for order, (situation, title, body, words) in enumerate(PHRASES):
        services.phrase_create(
            actor=sup,
            data=services.PhraseData(situation=situation, title=title, body=body, keywords=words, order=100 + order),
        )

    # ---- announcements
    owner = users.get("yezhu")
    resident = Resident.objects.filter(user=owner).first() if owner else None
    home = Occupancy.objects.current().filter(resident=resident).select_related("room").first() if resident else None
    building = home.room.building if home else Building.objects.filter(project=cuihu).first()

    def notice(title, body, **kw):
        return services.announcement_create(
            actor=cs, data=services.NoticeData(project_id=cuihu.pk, title=title, body=body, **kw)
        )

    water = services.announcement_publish(
        actor=sup,
        announcement=notice(
            "关于小区二次供水水箱清洗的停水通知",
            "尊敬的业户：\n为保障饮用水卫生，管理处定于本周六 9:00—15:00 清洗二次供水水箱，期间全小区停水，"
            "请提前做好储水准备。给您带来不便，敬请谅解。",
        ),
        expire_at=now + timedelta(days=7),
    )
    lift = services.announcement_publish(
        actor=sup,
        announcement=notice(
            f"{building}电梯年度检验公告",
            "本楼电梯将于下周二进行年度检验，检验期间每部电梯停运约两小时，请合理安排出行。",
            audience=Audience.BUILDINGS,
            building_ids=[building.pk],
        ),
    )
    if home:
        services.announcement_publish(
            actor=manager,
            announcement=notice(
                "关于您家门前公共区域堆放物品的提醒",
                "经巡查发现您家门前楼道堆放有杂物，存在消防隐患，请于三日内清理，谢谢配合。",
                audience=Audience.ROOMS,
                room_ids=[home.room_id],
            ),
        )
    services.announcement_schedule(
        actor=sup,
        announcement=notice("中秋节游园活动报名开始", "详见社区活动页面，欢迎业户踊跃报名。"),
        publish_at=now + timedelta(days=1),
        expire_at=now + timedelta(days=10),
    )
    wrong = services.announcement_publish(
        actor=sup, announcement=notice("地下车库照明改造通知", "车库照明改造将于下月进行。")
    )
    services.announcement_withdraw(actor=sup, announcement=wrong, reason="施工日期未定，待定后重新发布")
    notice("垃圾分类投放时间调整（草稿）", "自下月起，厨余垃圾投放时间调整为每日 7:00—9:00、18:00—20:00。")
    if owner:
        services.announcement_mark_read(user=owner, announcement=water)
    readers = list(
        Occupancy.objects.current()
        .filter(room__building=building, resident__user__isnull=False)
        .exclude(resident__user=owner)
        .values_list("resident__user", flat=True)[:5]
    )
    from core.models import User

    for user in User.objects.filter(pk__in=readers):
        services.announcement_mark_read(user=user, announcement=lift)

    # ---- activities
    open_activity = services.activity_create(
        actor=cs,
        data=services.ActivityData(
            project_id=cuihu.pk,
            title="中秋节游园会",
            starts_at=now + timedelta(days=5),
            ends_at=now + timedelta(days=5, hours=3),
            place="中心花园",
            capacity=30,
            signup_deadline=now + timedelta(days=4),
            description="猜灯谜、做月饼、亲子游戏，欢迎全家参加。",
        ),
    )
    residents = list(Resident.objects.filter(project=cuihu).order_by("id")[:12])
    if resident:
        services.activity_signup(actor=owner, activity=open_activity, resident=resident)
    for r in residents[:8]:
        if r != resident:
            try:
                services.activity_signup(actor=cs, activity=open_activity, resident=r)
            except Exception:  # noqa: BLE001 - a demo resident without a current room is skipped
                continue

    held = Activity.objects.create(
        project=cuihu,
        title="老年人健康义诊",
        starts_at=now - timedelta(days=6),
        ends_at=now - timedelta(days=6) + timedelta(hours=3),
        place="会所一楼活动室",
        capacity=20,
        signup_deadline=now - timedelta(days=8),
        description="社区医院医生免费测血压、血糖，提供健康咨询。",
        attendance_taken_at=now - timedelta(days=6, hours=-2),
        created_by=cs,
        created_at=now - timedelta(days=14),
    )
    comments = ["医生很耐心", "希望多办几次", "排队有点久", "", "很实用"]
    for i, r in enumerate(residents[:10]):
        occ = Occupancy.objects.current().filter(resident=r).first()
        signup = Signup.objects.create(
            activity=held,
            resident=r,
            room=occ.room if occ else None,
            state=SignupState.CONFIRMED,
            signed_at=now - timedelta(days=10),
            signed_by=cs,
            attended=i % 4 != 3,
            attendance_by=cs,
        )
        if signup.attended and i % 2 == 0:
            Feedback.objects.create(
                signup=signup, rating=rng.choice([4, 5, 5, 3]), comment=rng.choice(comments), recorded_by=cs
            )

    # ---- visiting groups
    past_visit = services.visit_create(
        actor=cs,
        data=services.VisitData(
            project_id=cuihu.pk,
            organisation="杭州市物业管理协会",
            size=15,
            visit_at=now - timedelta(days=3),
            ends_at=now - timedelta(days=3) + timedelta(hours=2),
            contact_name="黄主任",
            contact_phone="13857112345",
            route="大门岗亭 → 客服中心 → 中心花园 → 监控室 → 地下车库",
            receiver_ids=[sup.pk, users["xmjingli"].pk],
            notes="重点参观智慧停车和垃圾分类。",
        ),
    )
    services.visit_feedback(actor=cs, visit=past_visit, feedback="对客服中心首问负责和垃圾分类管理评价很高。", rating=5)
    services.visit_create(
        actor=cs,
        data=services.VisitData(
            project_id=cuihu.pk,
            organisation="锦绣家园业主委员会",
            size=8,
            visit_at=now + timedelta(days=2),
            contact_name="陈先生",
            contact_phone="13967154321",
            route="客服中心 → 样板楼道 → 健身区",
            receiver_ids=[sup.pk],
        ),
    )
