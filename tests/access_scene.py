"""One scene for the access matrix (tests/test_access_matrix.py): the cast of tests/factories.World
(project A = world.project, project B = world.other_project), a few more people, and one record of
every kind the pages and the API open by id, all in project A and in the household of 3-2-1502
(world.room, owned by 张三 = world.resident_user). Built once per test module; each test runs in a
savepoint that is rolled back, so a POST that succeeds changes nothing for the next one."""

import io
from datetime import datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from core.choices import DepartmentKind, Role
from core.models import Company
from tests.factories import World, make_user

ID_CARD = "11010519491231002X"

# Text that only project A's records carry: a page answered to someone outside project A must not
# contain any of it; text only the household of 3-2-1502 carries, for its neighbour.
# (Room codes and 张三 are the templates' own examples, so the people and records are named here.)
PROJECT_A_TEXT = ("翠湖花园", "甲户", "乙户")
HOUSEHOLD_TEXT = ("甲户",)


def png(name="photo.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 128, 255)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


class Scene(World):
    """World, plus: a company administrator, the neighbour's account, a twin of each staff role in
    project B (`other_<role>`) and a resident there, and records in project A (see `_records`)."""

    def __init__(self):
        super().__init__()
        c, ob = self.company, [self.other_project]
        self.admin = make_user("admin", Role.COMPANY_ADMIN, company=c)
        self.neighbour_user = make_user("neighbour", Role.RESIDENT, company=c)
        self.neighbour.user = self.neighbour_user
        self.neighbour.save(update_fields=["user"])
        od = self.other_dept
        self.other_cs = self.outsider
        self.other_supervisor = make_user("o_sup", Role.CS_SUPERVISOR, ob, od[DepartmentKind.CUSTOMER_SERVICE], c)
        self.other_manager = make_user("o_mgr", Role.CS_MANAGER, ob, od[DepartmentKind.CUSTOMER_SERVICE], c)
        self.other_pm = make_user("o_pm", Role.PROJECT_MANAGER, ob, None, c)
        self.other_lead = make_user("o_lead", Role.DEPT_LEAD, ob, od[DepartmentKind.ENGINEERING], c)
        self.other_guard = make_user("o_guard", Role.WORKER, ob, od[DepartmentKind.SECURITY], c)
        self.other_finance = make_user("o_fin", Role.FINANCE, ob, od[DepartmentKind.FINANCE], c)
        # a company administrator sees every project of the company: their twin is another company's
        self.other_company = Company.objects.create(name="别家物业", code="o")
        self.other_admin = make_user("o_admin", Role.COMPANY_ADMIN, company=self.other_company)
        self.other_resident_user = make_user("o_owner", Role.RESIDENT, company=c)
        self.other_resident.user = self.other_resident_user
        self.other_resident.save(update_fields=["user"])
        self.resident.name = "甲户张三"
        self.resident.save(update_fields=["name"])
        self.neighbour.name = "乙户李四"
        self.neighbour.save(update_fields=["name"])
        self._records()

    # ------------------------------------------------------------------ records of project A

    def _records(self):
        self._desk()
        self._estate()
        self._frontdesk()
        self._registrations()
        self._renovation()
        self._duty()
        self._safety()
        self._community()
        self._importer()
        self._billing()
        self._inbox()
        self._webhooks()

    def _desk(self):
        from desk.services import request_attach, request_dispatch

        self.request = self.register(title="甲户漏水")
        request_dispatch(
            actor=self.cs, request=self.request, department=self.dept[DepartmentKind.ENGINEERING], assignee=self.tech
        )
        request_attach(actor=self.cs, request=self.request, files=[png()])
        self.request.refresh_from_db()
        self.attachment = self.request.attachments.get()

    def _estate(self):
        from estate.models import Occupancy, Pet, Vehicle

        self.occupancy = Occupancy.objects.get(room=self.room, resident=self.resident)
        self.vehicle = Vehicle.objects.create(
            project=self.project, room=self.room, resident=self.resident, plate="浙A12345"
        )
        self.pet = Pet.objects.create(room=self.room, name="旺财")

    def _frontdesk(self):
        from frontdesk import services as front

        today = timezone.localdate()
        now = timezone.now()
        self.parcel = front.parcel_log(actor=self.cs, room_id=self.room.pk, tracking_number="SF0001")
        self.visit = front.visit_register(
            actor=self.cs,
            data=front.WalkIn(
                room_id=self.room.pk,
                name="甲户的客人",
                purpose="探亲",
                agreed_by="甲户张三",
                agreed_via="phone",
                id_type="id_card",
                id_number=ID_CARD,
                phone="13600001234",
            ),
        )
        # booked by the resident for a friend: not arrived yet
        self.booking = front.visit_preregister(
            actor=self.resident_user, room_id=self.room.pk, name="甲户的朋友", purpose="聚会"
        )
        self.contractor_pass = front.contractor_pass_issue(
            actor=self.cs,
            project_id=self.project.pk,
            company_name="甲户装修队",
            people="王师傅",
            purpose="维修",
            valid_from=now,
            valid_to=now + timedelta(days=3),
            room_ids=[self.room.pk],
        )
        self.goods_pass = front.goods_pass_apply(
            actor=self.cs,
            data=front.PassApplication(
                room_id=self.room.pk,
                valid_on=today,
                carrier_name="甲户搬家师傅",
                carrier_id_number=ID_CARD,
                items=[("沙发", 1)],
                applicant_id=self.resident.pk,
                authorised_via="phone",
            ),
        )

        # a second pass, waiting for the owner's confirmation (a tenant's): the gate may ring the owner
        from frontdesk.choices import PassState
        from frontdesk.models import GoodsPass

        self.tenant_pass = front.goods_pass_apply(
            actor=self.cs,
            data=front.PassApplication(
                room_id=self.room.pk,
                valid_on=today,
                carrier_name="甲户租客的师傅",
                carrier_id_number=ID_CARD,
                items=[("冰箱", 1)],
                applicant_id=self.resident.pk,
                authorised_via="phone",
            ),
        )
        GoodsPass.objects.filter(pk=self.tenant_pass.pk).update(state=PassState.AWAITING_OWNER)
        self.tenant_pass.refresh_from_db()

    def _registrations(self):
        from registrations import services
        from tests.factories import make_room

        day = timezone.localdate()
        vacant = make_room(self.project, "5", "1", "0801")
        vacant.state = "vacant"
        vacant.save(update_fields=["state"])
        self.movein = services.movein_open(actor=self.cs, room=vacant, person_name="周杰", move_in_on=day)
        self.lease = services.lease_register(
            actor=self.cs,
            room=self.room,
            tenant_name="甲户租客",
            id_type="id_card",
            id_number=ID_CARD,
            tenant_phone="13600001234",
            start=day + timedelta(days=10),
            end=day + timedelta(days=375),
        )
        self.transfer = services.transfer_open(actor=self.cs, room=self.room, new_owner_name="郑新", effective_on=day)
        self.handover_record = services.handover_open(
            actor=self.cs, project=self.project, developer="翠湖置业", accepted_on=day
        )
        self.registration = {
            "moveins": self.movein,
            "leases": self.lease,
            "transfers": self.transfer,
            "handovers": self.handover_record,
        }

    def _renovation(self):
        from renovation import services
        from renovation.choices import State
        from renovation.tests.helpers import apply, drive

        # in progress, a worker with a pass: its permit and passes print
        self.renovation = drive(self, State.IN_PROGRESS, apply(self, scope="甲户厨卫改造"))
        services.renovation_issue_pass(actor=self.cs, renovation=self.renovation, worker=self.renovation.workers.get())
        self.renovation_file = self.renovation.files.first()
        # sent back to the neighbour (owner of 3-2-1501) for changes: the resubmit page opens
        self.returned_renovation = drive(self, State.RETURNED, apply(self, room=self.room2, scope="乙户阳台改造"))

    def _duty(self):
        from duty import services
        from duty.models import Key, Shift

        today = timezone.localdate()
        self.shift = Shift.objects.create(project=self.project, name="早班", start=time(8), end=time(16), order=1)
        self.assignment = services.assignment_add(
            actor=self.supervisor, project=self.project, day=today + timedelta(days=2), shift=self.shift, user=self.cs
        )
        self.swap = services.swap_request(actor=self.cs, assignment=self.assignment, cover=self.cs2, reason="家里有事")
        key = Key.objects.create(project=self.project, code="K01", name="3号楼水泵房", location="前台钥匙柜")
        self.key_loan = services.key_lend(
            actor=self.cs, key=key, borrower_name="孙师傅", purpose="检修", due_back=timezone.now() + timedelta(hours=2)
        )
        # signed out by the outgoing cs, waiting for the incoming supervisor to answer the items
        h = services.handover_start(actor=self.cs, project=self.project, incoming=self.supervisor)
        services.handover_save(actor=self.cs, handover=h, notes="无异常", counts={})
        self.duty_handover = services.handover_sign_out(actor=self.cs, handover=h)
        self.handover_item = self.duty_handover.items.first()
        self.log_entry = services.log_add(actor=self.cs, project=self.project, category="keys", text="甲户钥匙已借出")

    def _safety(self):
        from safety import services
        from safety.models import CheckPoint, Route

        fire = services.point_save(
            actor=self.supervisor,
            point=CheckPoint(
                project=self.project, code="F01", name="3栋消防栓", kind="fire", place="3栋大堂", checklist="压力正常"
            ),
        )
        self.point = fire
        self.route = services.route_save(
            actor=self.supervisor,
            route=Route(
                project=self.project,
                name="夜间消防巡查",
                times="09:00,21:00",
                department=self.dept[DepartmentKind.SECURITY],
                created_at=datetime(2026, 1, 1, tzinfo=timezone.get_current_timezone()),
            ),
            points=[fire],
        )
        # a run answered with a problem (a finding with a photo) and finished
        checked = services.run_start(actor=self.guard, route=self.route)
        stop = checked.stops.get()
        services.stop_check(
            actor=self.guard, stop=stop, results=[{"item": "压力正常", "ok": False, "note": "压力不足"}], files=[png()]
        )
        services.run_finish(actor=self.guard, run=checked)
        self.checked_run = checked
        self.finding = stop.findings.get()
        self.stop_photo = stop.photos.get()
        # a run under way, its stop not checked yet
        self.run = services.run_start(actor=self.guard, route=self.route)
        self.stop = self.run.stops.get()
        # a second route of the department, nobody on it now: a run can start
        self.idle_route = services.route_save(
            actor=self.supervisor,
            route=Route(
                project=self.project,
                name="白天巡查",
                times="09:00",
                department=self.dept[DepartmentKind.SECURITY],
                created_at=datetime(2026, 1, 1, tzinfo=timezone.get_current_timezone()),
            ),
            points=[fire],
        )
        self.incident = services.incident_start(
            actor=self.cs, project=self.project, kind="flood", title="甲户水管爆裂", place="3栋2单元"
        )
        # over (resolved), its review still to write; and one reviewed, still to close
        self.resolved_incident = services.incident_start(
            actor=self.cs, project=self.project, kind="power", title="3栋停电", place="3栋配电房"
        )
        services.incident_resolve(actor=self.cs, incident=self.resolved_incident, text="已恢复供电")
        self.reviewed_incident = services.incident_start(
            actor=self.cs, project=self.project, kind="lift", title="2号梯困人", place="3栋2号梯"
        )
        services.incident_resolve(actor=self.cs, incident=self.reviewed_incident, text="已救出")
        services.incident_review(
            actor=self.supervisor,
            incident=self.reviewed_incident,
            cause="门机故障",
            went_well="五分钟到场",
            to_improve="月检",
        )

    def _community(self):
        from community import services
        from community.services import ActivityData, NoticeData, PhraseData, VisitData

        now = timezone.now()
        self.announcement = services.announcement_create(
            actor=self.cs, data=NoticeData(project_id=self.project.pk, title="停水通知", body="明天停水。")
        )
        services.announcement_publish(actor=self.supervisor, announcement=self.announcement)
        # a draft of the desk's and one waiting for its time: the API's edit, publish and schedule rows
        self.draft_notice = services.announcement_create(
            actor=self.cs, data=NoticeData(project_id=self.project.pk, title="停水通知草稿", body="后天停水。")
        )
        self.scheduled_notice = services.announcement_create(
            actor=self.cs, data=NoticeData(project_id=self.project.pk, title="停气通知", body="下月停气。")
        )
        services.announcement_schedule(
            actor=self.supervisor, announcement=self.scheduled_notice, publish_at=now + timedelta(days=30)
        )
        self.activity = services.activity_create(
            actor=self.cs,
            data=ActivityData(
                project_id=self.project.pk,
                title="中秋游园会",
                starts_at=now + timedelta(days=3),
                place="中心花园",
                capacity=20,
                signup_deadline=now + timedelta(days=2),
            ),
        )
        self.signup = services.activity_signup(actor=self.resident_user, activity=self.activity, resident=self.resident)
        self.activity_photo = services.activity_add_photos(actor=self.cs, activity=self.activity, files=[png()])[0]
        self.community_visit = services.visit_create(
            actor=self.cs,
            data=VisitData(project_id=self.project.pk, organisation="市物业协会", size=12, visit_at=now + timedelta(1)),
        )
        self.phrase = services.phrase_create(
            actor=self.supervisor, data=PhraseData(situation="intake", title="开场白", body="您好，物业客服中心。")
        )

    def _importer(self):
        from importer import services
        from importer.choices import ImportKind
        from importer.tests.sheets import dirty_rooms

        session = services.session_upload(
            actor=self.supervisor, project=self.project, kind=ImportKind.ROOMS, upload=dirty_rooms()
        )
        session = services.session_map(actor=self.supervisor, session=session, mapping=session.mapping)
        self.import_session = services.session_stage(session_id=session.pk)
        self.import_row = self.import_session.rows.order_by("number").first()

    def _billing(self):
        """The money side of 3-2-1502: an overdue bill of two lines (total = their sum), a cash
        payment at the desk (cs's cashier day), an online payment waiting for the gateway, a relief
        proposed on a line, a dunning step, a payment plan and a finished billing run."""
        from datetime import date

        from billing import services
        from billing.choices import Basis, Cycle, DunningStepKind, Method, ReliefKind, RunState
        from billing.models import BillingRun, CashierDay
        from billing.tests.arrears_factories import fee_item, make_bill, settings_for

        settings_for(self.company, lobby_notice_rooms=True)
        item = fee_item(self.company)
        water = fee_item(self.company, code="sf", name="水费", basis=Basis.METERED)
        month = (timezone.localdate().replace(day=1) - timedelta(days=70)).replace(day=1)
        self.bill = make_bill(self.room, [(item, 30000), (water, 12000)], period_start=month)
        self.bill_line = self.bill.lines.order_by("id").first()
        self.entry = services.payment_post(actor=self.cs, room=self.room, amount_fen=5000, method=Method.CASH)
        self.cashier_day = CashierDay.objects.get(cashier=self.cs)
        self.online_entry = services.payment_start_online(
            actor=self.cs, room=self.room, amount_fen=1000, method=Method.WECHAT
        )
        # a message in the owner's in-app inbox (portal:inbox-open)
        from core.models import Notification

        self.message = Notification.objects.create(user=self.resident_user, title="甲户的消息", url="/my/")
        # paid online by the owner in the residents' app, waiting for the gateway (portal:sim-pay)
        self.my_online_entry = services.payment_start_online(
            actor=self.resident_user, room=self.room, amount_fen=500, method=Method.WECHAT
        )
        self.relief = services.relief_propose(
            actor=self.cs, line=self.bill_line, kind=ReliefKind.VACANCY, amount_fen=1000, reason="甲户空置"
        )
        self.dunning_step = services.dunning_step_record(
            actor=self.cs, room=self.room, kind=DunningStepKind.PHONE, answer="甲户承诺月底缴清"
        )
        self.payment_plan = services.payment_plan_agree(
            actor=self.cs,
            room=self.room,
            instalments=[
                services.InstalmentInput(due_on=timezone.localdate() + timedelta(days=30), amount_fen=20000),
                services.InstalmentInput(due_on=timezone.localdate() + timedelta(days=60), amount_fen=17000),
            ],
        )
        start = date(2020, 1, 1)
        self.billing_run = BillingRun.objects.create(
            project=self.project,
            period_start=start,
            period_end=date(2020, 1, 31),
            cycle=Cycle.MONTH,
            state=RunState.DONE,
            started_by=self.finance,
            finished_at=timezone.now(),
        )

    def _inbox(self):
        from core.models import Delivery

        # an SMS to 甲户 that never arrived: on the delivery log's dead letters
        self.delivery = Delivery.objects.create(
            user=self.resident_user,
            channel="sms",
            recipient="13800001502",
            subject="甲户缴费提醒",
            text="甲户张三，您有物业费未缴。",
            status=Delivery.Status.DEAD,
            attempts=5,
        )
        self.day = timezone.localdate() - timedelta(days=1)
        self.month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)

    def _webhooks(self):
        from webhooks.models import Delivery, Endpoint

        # the company's endpoint (a loopback address: refused at once, nothing leaves the machine)
        self.webhook_endpoint = Endpoint.objects.create(
            company=self.company, name="甲户对接系统", url="http://127.0.0.1:9/hook", events=["parcel.logged"]
        )
        self.webhook_delivery = Delivery.objects.create(
            endpoint=self.webhook_endpoint,
            event="parcel.logged",
            payload={"event": "parcel.logged", "data": {"room": "甲户"}},
            status="dead",
        )
        # switched off and never sent to: the rows that switch one on and delete one
        self.webhook_unused = Endpoint.objects.create(
            company=self.company,
            name="甲户备用接收端",
            url="https://93.184.216.34/hook",
            events=["parcel.logged"],
            active=False,
        )
