"""Each step of a renovation, allowed and refused, through the services."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from core import calendar
from core.audit import AuditEntry
from core.errors import ActionRefused, Conflict
from core.models import Notification
from desk.models import ServiceRequest
from estate.choices import RoomState
from renovation import services
from renovation.choices import Action, FeeKind, InspectionResult, State
from renovation.models import Payment, Renovation, RenovationEvent, RenovationSettings, Violation, WorkerPass
from renovation.services import WorkerInput, normalize_id_number
from renovation.tests.helpers import ID1, ID2, application, apply, drive, pay, png, violate

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def test_id_numbers_are_checked():
    assert normalize_id_number("11010519491231002x") == ID1
    assert normalize_id_number(ID2) == ID2
    with pytest.raises(ValidationError):
        normalize_id_number("110105194912310021")  # wrong check digit
    with pytest.raises(ValidationError):
        normalize_id_number("12345")


# ---------------------------------------------------------------- application


def test_desk_applies_for_the_owner(world):
    r = apply(world)
    assert r.state == State.SUBMITTED
    assert r.project == world.project and r.owner == world.resident and r.owner_name == "张三"
    assert r.number.startswith("ZXSQ")
    assert r.files.count() == 1 and r.workers.get().id_number == ID1
    assert RenovationEvent.objects.get(renovation=r).action == Action.APPLY
    # the reviewers hear of it
    assert Notification.objects.filter(user=world.supervisor, url=f"/renovation/{r.pk}/").exists()


def test_resident_applies_for_own_room_only(world):
    r = apply(world, actor=world.resident_user)
    assert r.by_resident and r.submitted_by == world.resident_user
    with pytest.raises(ActionRefused):
        apply(world, actor=world.resident_user, room=world.room2)


@pytest.mark.parametrize("who", ["tech", "guard", "finance", "lead"])
def test_workers_and_others_cannot_apply_for_an_owner(world, who):
    with pytest.raises(ActionRefused):
        apply(world, actor=getattr(world, who))
    assert not Renovation.objects.exists()


def test_another_projects_room_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        apply(world, room=world.other_room)
    assert "room" in exc.value.message_dict


def test_one_open_renovation_per_room(world):
    apply(world)
    with pytest.raises(ValidationError) as exc:
        apply(world)
    assert "已有一份进行中" in str(exc.value)


def test_bad_application_changes_nothing(world):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        apply(
            world,
            scope=" ",
            contractor_phone="12",
            planned_start=today + timedelta(days=5),
            planned_end=today + timedelta(days=1),
            workers=[WorkerInput(name="王", id_number="110105194912310021", phone="13700001111")],
        )
    errors = exc.value.message_dict
    assert {"scope", "contractor_phone", "planned_end", "workers"} <= set(errors)
    assert not Renovation.objects.exists() and not RenovationEvent.objects.exists()


def test_a_file_that_is_not_a_drawing_is_refused(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("virus.exe", b"MZ\x90\x00 not an image", content_type="image/png")
    with pytest.raises(ValidationError) as exc:
        services.renovation_apply(actor=world.cs, data=application(world), drawings=[bad])
    assert "drawings" in exc.value.message_dict
    assert not Renovation.objects.exists()


# ---------------------------------------------------------------- review deadline


def test_review_deadline_skips_national_day(world):
    """Submitted on 2026-09-30 10:00: 15 working days skip 1-7 October and count Saturday
    10 October (a make-up working day), landing on 27 October at 10:00."""
    calendar.seed_from_package([2026])
    with time_machine.travel(datetime(2026, 9, 30, 10, 0, tzinfo=TZ), tick=False):
        r = apply(world)
    assert timezone.localtime(r.review_due_at) == datetime(2026, 10, 27, 10, 0, tzinfo=TZ)
    # Without the holidays it would have been 21 October.
    assert timezone.localtime(r.review_due_at).date() != datetime(2026, 10, 21).date()


def test_review_deadline_follows_the_project_setting(world):
    calendar.seed_from_package([2026])
    RenovationSettings.objects.create(project=world.project, review_days=5)
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=TZ), tick=False):  # a Monday
        r = apply(world)
    assert timezone.localtime(r.review_due_at) == datetime(2026, 11, 9, 9, 0, tzinfo=TZ)


def test_overdue_reviews_are_reminded_once(world):
    calendar.seed_from_package([2026])
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=TZ), tick=False):
        r = apply(world)
    Notification.objects.all().delete()
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=TZ), tick=False):
        assert services.remind_due() == 0  # 15 working days not yet over
    with time_machine.travel(datetime(2026, 11, 24, 9, 0, tzinfo=TZ), tick=False):
        assert r.pk in Renovation.objects.filter(pk=r.pk).filter(review_due_at__lt=timezone.now()).values_list(
            "pk", flat=True
        )
        assert services.remind_due() == 1
        assert services.remind_due() == 0
    assert Notification.objects.filter(user=world.supervisor, title__contains="审核超时").count() == 1


# ---------------------------------------------------------------- review


def test_approve_sets_the_fees_from_the_project_settings(world):
    RenovationSettings.objects.create(
        project=world.project, deposit_default=Decimal("3000"), management_fee_per_m2=Decimal("4.50")
    )
    r = apply(world)
    services.renovation_approve(actor=world.supervisor, renovation=r)
    r.refresh_from_db()
    assert r.state == State.APPROVED
    assert r.deposit_due == Decimal("3000.00")
    assert r.fee_due == Decimal("450.00")  # 100 m² × 4.50
    assert r.reviewed_by == world.supervisor


def test_approving_without_drawings_is_refused(world):
    r = apply(world, drawings=False)
    with pytest.raises(ActionRefused) as exc:
        services.renovation_approve(actor=world.supervisor, renovation=r)
    assert "图纸" in exc.value.message
    r.refresh_from_db()
    assert r.state == State.SUBMITTED
    services.renovation_add_drawings(actor=world.cs, renovation=r, files=[png()])
    services.renovation_approve(actor=world.supervisor, renovation=r)
    assert r.state == State.APPROVED


@pytest.mark.parametrize("who", ["cs", "tech", "guard", "finance", "resident_user", "outsider"])
def test_only_reviewers_review(world, who):
    r = apply(world)
    with pytest.raises(ActionRefused):
        services.renovation_approve(actor=getattr(world, who), renovation=r)
    r.refresh_from_db()
    assert r.state == State.SUBMITTED


def test_send_back_and_resubmit_restarts_the_review(world):
    r = apply(world)
    first_due = r.review_due_at
    with pytest.raises(ValidationError):
        services.renovation_send_back(actor=world.supervisor, renovation=r, note="")
    services.renovation_send_back(actor=world.supervisor, renovation=r, note="请补充水电图")
    assert r.state == State.RETURNED
    with pytest.raises(ActionRefused):
        services.renovation_approve(actor=world.supervisor, renovation=r)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        data = application(world, scope="厨卫改造（补充水电图）")
        services.renovation_resubmit(actor=world.resident_user, renovation=r, data=data, drawings=[png("water.png")])
    r.refresh_from_db()
    assert r.state == State.SUBMITTED and r.scope == "厨卫改造（补充水电图）"
    assert r.review_due_at > first_due
    assert r.files.count() == 2


def test_a_neighbour_cannot_touch_someone_elses_application(world):
    from tests.factories import make_user

    r = apply(world)
    services.renovation_send_back(actor=world.supervisor, renovation=r, note="补图")
    neighbour_user = make_user("neighbour", "resident", company=world.company)
    world.neighbour.user = neighbour_user
    world.neighbour.save()
    with pytest.raises(ActionRefused):
        services.renovation_resubmit(actor=neighbour_user, renovation=r, data=application(world))


def test_reject_needs_a_reason_and_is_final(world):
    r = apply(world)
    with pytest.raises(ValidationError):
        services.renovation_reject(actor=world.pm, renovation=r, note=" ")
    services.renovation_reject(actor=world.pm, renovation=r, note="拆改承重墙，不予批准")
    assert r.state == State.REJECTED
    for action in (services.renovation_approve, services.renovation_send_back):
        with pytest.raises(ActionRefused):
            action(actor=world.pm, renovation=r, note="x")
    # the room is free for a new application
    assert apply(world).state == State.SUBMITTED


def test_stale_version_is_a_conflict(world):
    r = apply(world)
    with pytest.raises(Conflict):
        services.renovation_approve(actor=world.supervisor, renovation=r, expected_version=r.version - 1)


# ---------------------------------------------------------------- fees and permit


def test_permit_before_the_deposit_is_refused(world):
    r = drive(world, State.APPROVED)
    with pytest.raises(ActionRefused) as exc:
        services.renovation_issue_permit(actor=world.cs, renovation=r)
    assert "押金" in exc.value.message
    pay(world, r, FeeKind.DEPOSIT, "1000")
    assert r.state == State.APPROVED  # not yet in full
    with pytest.raises(ActionRefused) as exc:
        services.renovation_issue_permit(actor=world.cs, renovation=r)
    assert "未缴足" in exc.value.message
    pay(world, r, FeeKind.DEPOSIT, "1000")
    pay(world, r, FeeKind.MANAGEMENT, "500")
    assert r.state == State.PAID
    world.room.refresh_from_db()
    assert world.room.state == RoomState.OCCUPIED
    services.renovation_issue_permit(actor=world.cs, renovation=r)
    r.refresh_from_db()
    world.room.refresh_from_db()
    assert r.state == State.IN_PROGRESS and r.permit_number.startswith("ZXXK")
    assert world.room.state == RoomState.RENOVATING
    assert AuditEntry.objects.filter(object_type="estate.Room", object_id=str(world.room.pk)).exists()


def test_payments_are_checked(world):
    r = drive(world, State.APPROVED)
    with pytest.raises(ValidationError) as exc:
        services.renovation_pay(actor=world.finance, renovation=r, kind="bribe", amount="-5", receipt_number="")
    assert {"kind", "amount", "receipt_number"} <= set(exc.value.message_dict)
    with pytest.raises(ActionRefused):
        services.renovation_pay(
            actor=world.tech, renovation=r, kind=FeeKind.DEPOSIT, amount="2000", receipt_number="A1"
        )
    assert not Payment.objects.exists()


# ---------------------------------------------------------------- workers and passes


def test_passes_are_valid_until_the_permit_end_and_can_be_revoked(world):
    r = drive(world, State.PAID)
    worker = r.workers.get()
    with pytest.raises(ActionRefused):  # no permit yet
        services.renovation_issue_pass(actor=world.cs, renovation=r, worker=worker)
    services.renovation_issue_permit(actor=world.cs, renovation=r)
    wp = services.renovation_issue_pass(actor=world.cs, renovation=r, worker=worker)
    assert wp.valid_until == r.planned_end and wp.is_valid()
    with pytest.raises(ValidationError):  # one valid pass at a time
        services.renovation_issue_pass(actor=world.cs, renovation=r, worker=worker)
    with pytest.raises(ValidationError):
        services.renovation_revoke_pass(actor=world.cs, renovation=r, worker_pass=wp, note="")
    services.renovation_revoke_pass(actor=world.guard, renovation=r, worker_pass=wp, note="违规进入他人房屋")
    wp.refresh_from_db()
    assert not wp.is_valid() and wp.revoked_by == world.guard
    with pytest.raises(ActionRefused):
        services.renovation_revoke_pass(actor=world.cs, renovation=r, worker_pass=wp, note="again")
    # a new pass after a revocation is allowed
    assert services.renovation_issue_pass(actor=world.cs, renovation=r, worker=worker).is_valid()


def test_add_worker_checks_the_id_number(world):
    r = drive(world, State.IN_PROGRESS)
    with pytest.raises(ValidationError) as exc:
        services.renovation_add_worker(actor=world.cs, renovation=r, name="李", id_number="123", phone="13700001111")
    assert "id_number" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.renovation_add_worker(actor=world.cs, renovation=r, name="王", id_number=ID1, phone="13700001111")
    w = services.renovation_add_worker(
        actor=world.cs, renovation=r, name="李师傅", id_number=ID2, phone="137 0000 2222"
    )
    assert w.phone == "13700002222"
    with pytest.raises(ActionRefused):
        services.renovation_add_worker(actor=world.tech, renovation=r, name="x", id_number=ID2, phone="13700002222")


# ---------------------------------------------------------------- inspections and acceptance


def test_inspection_of_a_renovation_not_in_progress_is_refused(world):
    r = drive(world, State.PAID)
    with pytest.raises(ActionRefused) as exc:
        services.renovation_inspect(actor=world.tech, renovation=r, result=InspectionResult.PASSED)
    assert "不能执行" in exc.value.message and "装修巡查" in exc.value.message
    assert not r.inspections.exists()


def test_violation_blocks_acceptance_until_rectified(world):
    r = drive(world, State.IN_PROGRESS)
    inspection = violate(world, r)
    violation = inspection.violations.get()
    assert violation.photos.count() == 1
    with pytest.raises(ActionRefused) as exc:
        services.renovation_accept(actor=world.lead, renovation=r)
    assert "未整改" in exc.value.message
    services.renovation_rectify(actor=world.tech, renovation=r, violation=violation, note="已恢复，并告知施工时间")
    services.renovation_issue_pass(actor=world.cs, renovation=r, worker=r.workers.get())
    services.renovation_accept(actor=world.lead, renovation=r)
    r.refresh_from_db()
    world.room.refresh_from_db()
    assert r.state == State.ACCEPTED and world.room.state == RoomState.OCCUPIED
    assert r.refund_due_on == timezone.localdate() + timedelta(days=90)
    assert not WorkerPass.objects.filter(revoked_at__isnull=True).exists()  # passes end with the work
    assert r.inspections.filter(is_final=True, result=InspectionResult.PASSED).count() == 1


def test_inspection_input_is_checked(world):
    r = drive(world, State.IN_PROGRESS)
    with pytest.raises(ValidationError) as exc:
        services.renovation_inspect(actor=world.tech, renovation=r, result=InspectionResult.VIOLATION)
    assert "violation" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.renovation_inspect(
            actor=world.tech, renovation=r, result="passed", inspected_on=timezone.localdate() + timedelta(days=1)
        )
    with pytest.raises(ActionRefused):  # a cleaner's or a finance clerk's role does not inspect
        services.renovation_inspect(actor=world.finance, renovation=r, result="passed")
    assert not r.inspections.exists()


def test_violation_becomes_a_service_request(world):
    from desk.models import Category

    Category.objects.create(company=world.company, name="装修管理", code="renovation")
    r = drive(world, State.IN_PROGRESS)
    violation = violate(world, r, "建筑垃圾堆放楼道").violations.get()
    with pytest.raises(ActionRefused):
        services.renovation_violation_to_request(actor=world.tech, renovation=r, violation=violation)
    sr = services.renovation_violation_to_request(actor=world.cs, renovation=r, violation=violation)
    assert isinstance(sr, ServiceRequest) and sr.room == world.room and sr.channel == "patrol"
    assert sr.category.code == "renovation" and "建筑垃圾" in sr.title
    assert Violation.objects.get(pk=violation.pk).request == sr
    with pytest.raises(ActionRefused):
        services.renovation_violation_to_request(actor=world.cs, renovation=r, violation=violation)


# ---------------------------------------------------------------- refund


def test_refund_before_the_holding_period_is_refused_then_allowed(world):
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=TZ), tick=False):
        r = drive(world, State.ACCEPTED)
    assert r.refund_due_on == datetime(2026, 5, 31).date()
    with time_machine.travel(datetime(2026, 5, 30, 16, 0, tzinfo=TZ), tick=False):
        with pytest.raises(ActionRefused) as exc:
            services.renovation_refund(actor=world.finance, renovation=r, receipt_number="TK1")
        assert "2026-05-31" in exc.value.message and "还有 1 天" in exc.value.message
    r.refresh_from_db()
    assert r.state == State.ACCEPTED
    with time_machine.travel(datetime(2026, 5, 31, 9, 0, tzinfo=TZ), tick=False):
        services.renovation_refund(
            actor=world.finance,
            renovation=r,
            deductions=[services.DeductionInput(amount="300", reason="损坏公共走廊墙面")],
            receipt_number="TK1",
        )
    r.refresh_from_db()
    assert r.state == State.REFUNDED and r.refund_amount == Decimal("1700.00")
    assert r.deductions.get().reason == "损坏公共走廊墙面"


def test_refund_input_is_checked(world):
    r = drive(world, State.ACCEPTED)
    Renovation.objects.filter(pk=r.pk).update(refund_due_on=timezone.localdate())
    r.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.renovation_refund(
            actor=world.finance,
            renovation=r,
            deductions=[services.DeductionInput(amount="2500", reason="太多"), services.DeductionInput("10", "")],
            receipt_number="",
        )
    assert "deductions" in exc.value.message_dict and "receipt_number" in exc.value.message_dict
    with pytest.raises(ActionRefused):
        services.renovation_refund(actor=world.cs, renovation=r, receipt_number="TK")
    r.refresh_from_db()
    assert r.state == State.ACCEPTED and not r.deductions.exists()


def test_holding_period_is_a_setting(world):
    RenovationSettings.objects.create(project=world.project, holding_days=30)
    r = drive(world, State.ACCEPTED)
    assert r.refund_due_on == timezone.localdate() + timedelta(days=30)


def test_cancel_by_the_owner(world):
    r = apply(world, actor=world.resident_user)
    with pytest.raises(ValidationError):
        services.renovation_cancel(actor=world.resident_user, renovation=r, note="")
    services.renovation_cancel(actor=world.resident_user, renovation=r, note="暂不装修")
    assert r.state == State.CANCELLED


def test_retention_blanks_worker_numbers_of_finished_renovations(world):
    from core.privacy import retentions

    purge = next(r for r in retentions() if r.code == "renovation_worker").purge
    done = drive(world, State.REJECTED)
    from tests.factories import make_room

    running = apply(world, room=make_room(world.project, "8", "1", "801"))
    later = timezone.now() + timedelta(days=1)
    assert purge(company=world.company, before=timezone.now() - timedelta(days=1)) == 0
    assert purge(company=world.company, before=later) == 1
    w = done.workers.get()
    assert (w.name, w.id_number, w.phone) == ("王师傅", "", "")
    assert running.workers.get().id_number == ID1  # still in progress: kept
    assert purge(company=world.company, before=later) == 0
