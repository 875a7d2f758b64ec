"""The lawful dunning ladder, disputed bills and payment plans, through the services."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from billing import services
from billing.choices import DunningStepKind, PlanState
from billing.models import Bill, DunningStep, Instalment, PaymentPlan
from billing.plans import plan_progress, spread
from billing.selectors import dunning_history
from billing.tests.arrears_factories import fee_item, make_bill, pay, reverse
from core.errors import ActionRefused
from core.models import AuditEntry, Notification

K = DunningStepKind


@pytest.fixture
def item(world):
    return fee_item(world.company)


def overdue_bill(world, item, amount=30000, days=40, room=None, **kw):
    due = timezone.localdate() - timedelta(days=days)
    return make_bill(room or world.room, [(item, amount)], period_start=due.replace(day=1), due_on=due, **kw)


def test_a_step_records_who_when_what_was_owed_and_the_answer(world, item):
    overdue_bill(world, item, 30000)
    overdue_bill(world, item, 5000, disputed=True, dispute_reason="面积不对")
    step = services.dunning_step_record(actor=world.cs, room=world.room, kind=K.PHONE, answer="答应月底前缴清")
    assert (step.by, step.owed_fen, step.answer, step.kind) == (world.cs, 30000, "答应月底前缴清", K.PHONE)
    assert dunning_history(world.room) == [step]
    assert AuditEntry.objects.filter(action="dun", object_id=str(step.pk)).exists()


def test_a_reminder_goes_to_the_owners_inbox_and_may_come_before_the_due_date(world, item):
    due = timezone.localdate() + timedelta(days=5)
    make_bill(world.room, [(item, 12345)], period_start=due.replace(day=1), due_on=due)
    with pytest.raises(ActionRefused, match="逾期"):
        services.dunning_step_record(actor=world.cs, room=world.room, kind=K.PHONE, answer="x")
    step = services.dunning_step_record(actor=world.cs, room=world.room, kind=K.REMINDER)
    assert step.owed_fen == 12345
    note = Notification.objects.get(user=world.resident_user)
    assert "123.45" in note.body and "3-2-1502" in note.title


def test_phone_and_visit_need_the_residents_answer(world, item):
    overdue_bill(world, item)
    for kind in (K.PHONE, K.VISIT):
        with pytest.raises(ValidationError) as exc:
            services.dunning_step_record(actor=world.cs, room=world.room, kind=kind, answer="  ")
        assert "answer" in exc.value.message_dict
    assert not DunningStep.objects.exists()


def test_legal_referral_needs_a_written_notice_first(world, item):
    overdue_bill(world, item)
    with pytest.raises(ActionRefused, match="催缴函"):
        services.dunning_step_record(actor=world.supervisor, room=world.room, kind=K.LEGAL)
    services.dunning_step_record(actor=world.supervisor, room=world.room, kind=K.LETTER)
    services.dunning_step_record(actor=world.supervisor, room=world.room, kind=K.LEGAL, answer="已委托律师")
    assert DunningStep.objects.filter(kind=K.LEGAL).count() == 1


def test_nothing_owed_nothing_to_dun(world, item):
    with pytest.raises(ActionRefused, match="没有未缴"):
        services.dunning_step_record(actor=world.cs, room=world.room, kind=K.REMINDER)


def test_a_room_whose_open_bills_are_all_disputed_is_not_dunned(world, item):
    overdue_bill(world, item, disputed=True, dispute_reason="服务不到位")
    for kind in K:
        with pytest.raises(ActionRefused, match="争议"):
            services.dunning_step_record(actor=world.cs, room=world.room, kind=kind, answer="x")
    assert not DunningStep.objects.exists()


@pytest.mark.parametrize("who", ["tech", "guard", "outsider", "resident_user", "lead"])
def test_who_may_not_dun(world, item, who):
    overdue_bill(world, item)
    with pytest.raises(ActionRefused):
        services.dunning_step_record(actor=getattr(world, who), room=world.room, kind=K.REMINDER)


@pytest.mark.parametrize("who", ["cs", "supervisor", "manager", "pm", "finance"])
def test_who_may_dun(world, item, who):
    overdue_bill(world, item)
    services.dunning_step_record(actor=getattr(world, who), room=world.room, kind=K.REMINDER)


def test_a_bad_kind_or_a_future_time_is_refused(world, item):
    overdue_bill(world, item)
    with pytest.raises(ValidationError):
        services.dunning_step_record(actor=world.cs, room=world.room, kind=99)
    with pytest.raises(ValidationError):
        services.dunning_step_record(
            actor=world.cs, room=world.room, kind=K.REMINDER, at=timezone.now() + timedelta(hours=1)
        )


def test_the_ladder_offers_no_unlawful_step():
    """Civil Code art. 944: no cutting of water, power, gas, heat or lift, no refusal of service."""
    labels = " ".join(str(k.label) for k in K)
    for word in ("停水", "停电", "停气", "断水", "断电", "停梯", "停暖", "限制出入", "门禁"):
        assert word not in labels
    assert [k.value for k in K] == [10, 20, 30, 40, 50]


# ------------------------------------------------------------------ disputes


def test_a_disputed_bill_needs_a_reason_and_a_request_of_the_room(world, item):
    bill = overdue_bill(world, item)
    sr = world.register()
    other = world.register_other()
    with pytest.raises(ValidationError) as exc:
        services.bill_dispute(actor=world.cs, bill=bill, reason="", request=None)
    assert set(exc.value.message_dict) == {"reason", "request"}
    with pytest.raises(ValidationError):
        services.bill_dispute(actor=world.cs, bill=bill, reason="面积有误", request=other)
    services.bill_dispute(actor=world.cs, bill=bill, reason="面积有误", request=sr)
    bill.refresh_from_db()
    assert bill.disputed and bill.dispute_request == sr and bill.dispute_reason == "面积有误"
    with pytest.raises(ActionRefused):
        services.bill_dispute(actor=world.cs, bill=bill, reason="again", request=sr)


def test_dunning_pauses_while_disputed_and_resumes_when_settled(world, item):
    bill = overdue_bill(world, item)
    services.bill_dispute(actor=world.cs, bill=bill, reason="维修未完成", request=world.register())
    with pytest.raises(ActionRefused, match="争议"):
        services.dunning_step_record(actor=world.cs, room=world.room, kind=K.PHONE, answer="x")
    with pytest.raises(ValidationError):
        services.bill_dispute_settle(actor=world.cs, bill=bill, outcome="")
    services.bill_dispute_settle(actor=world.cs, bill=bill, outcome="已修好，业户认可")
    bill.refresh_from_db()
    assert not bill.disputed and bill.dispute_reason == "维修未完成"  # the record stays
    step = services.dunning_step_record(actor=world.cs, room=world.room, kind=K.PHONE, answer="本周缴")
    assert step.owed_fen == 30000
    with pytest.raises(ActionRefused):
        services.bill_dispute_settle(actor=world.cs, bill=bill, outcome="again")


def test_disputed_amounts_are_left_out_of_the_dunning_amount(world, item):
    overdue_bill(world, item, 10000)
    disputed = overdue_bill(world, item, 7000)
    services.bill_dispute(actor=world.cs, bill=disputed, reason="重复收费", request=world.register())
    step = services.dunning_step_record(actor=world.cs, room=world.room, kind=K.LETTER)
    assert step.owed_fen == 10000


# ------------------------------------------------------------------ payment plans


def plan_rows(*specs):
    today = timezone.localdate()
    return [services.InstalmentInput(due_on=today + timedelta(days=d), amount_fen=a) for d, a in specs]


def test_a_plan_is_agreed_for_at_most_what_is_owed(world, item):
    overdue_bill(world, item, 30000)
    with pytest.raises(ValidationError, match="超过"):
        services.payment_plan_agree(actor=world.cs, room=world.room, instalments=plan_rows((10, 20000), (40, 20000)))
    plan = services.payment_plan_agree(
        actor=world.cs, room=world.room, instalments=plan_rows((10, 10000), (40, 20000)), note="分两期"
    )
    assert plan.total_fen == 30000 and plan.instalments.count() == 2
    with pytest.raises(ActionRefused, match="已有"):
        services.payment_plan_agree(actor=world.cs, room=world.room, instalments=plan_rows((10, 100)))


@pytest.mark.parametrize(
    "specs",
    [[], [(10, 0)], [(-1, 100)], [(20, 100), (10, 100)], [(10, 100), (10, 100)], [(10, None)]],
    ids=["none", "zero", "past", "unordered", "same-day", "no-amount"],
)
def test_bad_instalments_are_refused(world, item, specs):
    overdue_bill(world, item)
    with pytest.raises(ValidationError):
        services.payment_plan_agree(actor=world.cs, room=world.room, instalments=plan_rows(*specs))
    assert not PaymentPlan.objects.exists()


def test_payments_count_towards_instalments_in_due_order(world, item):
    old = overdue_bill(world, item, 30000)
    pay(world.room, 1000, at=timezone.now() - timedelta(days=1))  # before the plan: not counted
    plan = services.payment_plan_agree(actor=world.cs, room=world.room, instalments=plan_rows((10, 9000), (40, 20000)))
    assert plan_progress(plan).paid == [0, 0]
    new_due = timezone.localdate() + timedelta(days=3)
    new = make_bill(
        world.room,
        [(item, 5000)],
        period_start=new_due.replace(day=1),
        due_on=new_due,
        issued_on=timezone.localdate() + timedelta(days=1),
    )
    pay(world.room, 5000, bills=[new])  # this month's new bill: not the plan's
    assert plan_progress(plan).paid == [0, 0]
    entry = pay(world.room, 12000, bills=[old])
    progress = plan_progress(plan)
    assert progress.paid == [9000, 3000] and progress.paid_total == 12000 and not progress.done
    reverse(entry)
    assert plan_progress(plan).paid == [0, 0]
    pay(world.room, 29000, bills=[old])
    assert plan_progress(plan).done


def test_spread_fills_instalments_in_order():
    class Inst:
        def __init__(self, amount):
            self.amount_fen = amount

    assert spread(250, [Inst(100), Inst(100), Inst(100)]) == [100, 100, 50]
    assert spread(0, [Inst(100)]) == [0]


def test_the_daily_refresh_marks_plans_done_or_broken(world, item):
    old = overdue_bill(world, item, 20000)
    plan = services.payment_plan_agree(actor=world.cs, room=world.room, instalments=plan_rows((5, 10000), (35, 10000)))
    other = overdue_bill(world, item, 20000, room=world.room2)
    broken = services.payment_plan_agree(actor=world.cs, room=world.room2, instalments=plan_rows((5, 20000)))
    pay(world.room, 20000, bills=[old])
    pay(world.room2, 100, bills=[other])
    with time_machine.travel(timezone.now() + timedelta(days=25)):
        counts = services.payment_plans_refresh()
    assert counts == {"done": 1, "broken": 1, "active": 0}
    plan.refresh_from_db()
    broken.refresh_from_db()
    assert (plan.state, broken.state) == (PlanState.DONE, PlanState.BROKEN)
    assert list(Instalment.objects.filter(plan=broken).values_list("paid_fen", flat=True)) == [100]


def test_a_kept_plan_pauses_the_ladder_but_not_reminders(world, item):
    overdue_bill(world, item, 20000)
    plan = services.payment_plan_agree(actor=world.cs, room=world.room, instalments=plan_rows((5, 20000)))
    with pytest.raises(ActionRefused, match="分期"):
        services.dunning_step_record(actor=world.cs, room=world.room, kind=K.PHONE, answer="x")
    services.dunning_step_record(actor=world.cs, room=world.room, kind=K.REMINDER)
    services.payment_plan_cancel(actor=world.cs, plan=plan, reason="业户要求一次缴清")
    services.dunning_step_record(actor=world.cs, room=world.room, kind=K.PHONE, answer="下周来缴")
    with pytest.raises(ActionRefused):
        services.payment_plan_cancel(actor=world.cs, plan=plan, reason="again")


def test_a_plan_broken_for_lateness_no_longer_pauses_the_ladder(world, item):
    overdue_bill(world, item, 20000)
    services.payment_plan_agree(actor=world.cs, room=world.room, instalments=plan_rows((1, 20000)))
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        services.dunning_step_record(actor=world.cs, room=world.room, kind=K.PHONE, answer="没钱")


def test_bill_model_keeps_the_total_as_the_sum_of_lines(world, item):
    bill = make_bill(
        world.room, [(item, 100), (fee_item(world.company, "tc", "停车费"), 250)], period_start=date(2026, 10, 1)
    )
    assert Bill.objects.get(pk=bill.pk).total_fen == 350
