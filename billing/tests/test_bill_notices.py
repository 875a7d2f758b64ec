"""Residents told of their bills ("bill_issued") and of their online payments ("payment_posted"):
the paying residents of each room (owners, co-owners, tenants; not family members, not another
room's), once, from the task queue for a billing run and in the charge's transaction for a one-off
charge."""

from datetime import date
from decimal import Decimal
from unittest import mock

import pytest

from billing.choices import BillState, Cycle, RunState
from billing.models import Bill, BillingRun
from billing.notices import period_text, run_bills_notify
from billing.services import billing_run_execute, billing_run_reverse, billing_run_start
from billing.services.charges import ChargeLine, charge_create
from core.choices import Role
from core.models import Notification
from estate.choices import Relation
from tests.factories import make_resident, make_user

pytestmark = pytest.mark.django_db

MARCH = date(2026, 3, 1)


@pytest.fixture
def household(world):
    """3-2-1502: the owner (world.resident_user), a tenant and a family member with accounts; the
    other project's resident has an account too."""
    tenant = make_user("ten", Role.RESIDENT, company=world.company)
    make_resident(world.room, "租客王", "13811113333", relation=Relation.TENANT, user=tenant)
    family = make_user("fam", Role.RESIDENT, company=world.company)
    make_resident(world.room, "张小三", "13811112222", relation=Relation.FAMILY, user=family)
    other = make_user("oth", Role.RESIDENT, company=world.company)
    world.other_resident.user = other
    world.other_resident.save(update_fields=["user"])
    return {"owner": world.resident_user, "tenant": tenant, "family": family, "other": other}


def told(user, title="账单已出"):
    return list(Notification.objects.filter(user=user, title=title))


def run_month(world, django_capture_on_commit_callbacks):
    with mock.patch("billing.tasks.notify_run_bills") as queued:
        with django_capture_on_commit_callbacks(execute=True):
            started = billing_run_start(
                actor=world.finance, project=world.project, period_start=MARCH, cycle=Cycle.MONTH
            )
        with mock.patch("billing.tasks.run_billing"), django_capture_on_commit_callbacks(execute=True):
            done = billing_run_execute(run_id=started.pk)
    return done, queued


def test_a_runs_bills_are_told_to_each_rooms_payers_once_from_the_queue(
    world, fees, household, django_capture_on_commit_callbacks
):
    done, queued = run_month(world, django_capture_on_commit_callbacks)
    assert done.state == RunState.DONE
    queued.assert_called_once_with(done.pk)  # one task for the run, after its last chunk commits
    assert not Notification.objects.exists()  # nothing told inside the run itself
    run_bills_notify(done.pk)
    bill = Bill.objects.get(room=world.room, run=done)
    for who in ("owner", "tenant"):
        (note,) = told(household[who])
        assert "3-2-1502" in note.body and "2026-03" in note.body and "250.00" in note.body
        assert note.url == "/my/bills/"
    assert not told(household["family"]) and not told(household["other"])
    assert bill.state == BillState.OPEN
    # the task run again (a retry): nobody is told twice
    assert run_bills_notify(done.pk) == 0
    assert len(told(household["owner"])) == 1


def test_a_reversed_run_tells_nobody(world, fees, household, django_capture_on_commit_callbacks):
    done, _queued = run_month(world, django_capture_on_commit_callbacks)
    billing_run_reverse(actor=world.finance, run=done, reason="单价录错")
    run_bills_notify(done.pk)
    assert not Notification.objects.exists()
    assert BillingRun.objects.get(pk=done.pk).notified_at is None


def test_a_room_billed_to_the_developer_tells_no_resident(world, fees, household, django_capture_on_commit_callbacks):
    done, _queued = run_month(world, django_capture_on_commit_callbacks)
    Bill.objects.filter(room=world.room).update(payer="developer")
    run_bills_notify(done.pk)
    assert not told(household["owner"]) and not told(household["tenant"])


def test_a_one_off_charge_tells_the_room_when_it_commits(world, fees, household, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        charge_create(
            room=world.room, lines=[ChargeLine(item=fees.service, quantity=Decimal("1"), price=Decimal("80"))]
        )
    (note,) = told(household["owner"])
    assert "80.00" in note.body
    assert len(told(household["tenant"])) == 1 and not told(household["family"])


def test_a_charge_that_rolls_back_tells_nobody(world, fees, household, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            charge_create(
                room=world.room, lines=[ChargeLine(item=fees.service, quantity=Decimal("1"), price=Decimal("80"))]
            )
            raise RuntimeError
    assert not Notification.objects.exists()


def test_period_texts():
    assert period_text(date(2026, 3, 1), date(2026, 3, 31)) == "2026-03"
    assert period_text(date(2026, 1, 1), date(2026, 3, 31)) == "2026-01-01 – 2026-03-31"
    assert period_text(date(2026, 3, 5), date(2026, 3, 5)) == "2026-03-05"


def test_a_payment_at_the_desk_is_told_to_the_rooms_payers_and_a_replay_tells_no_one_again(
    world, fees, household, django_capture_on_commit_callbacks
):
    """The receipt notice ("payment_posted") for cash taken at the desk: the owner and the tenant,
    not the family member nor another room's resident; the same key sent again adds no notice."""
    from billing.services import payment_post
    from billing.tasks import notify_payment

    def pay():
        with mock.patch("billing.tasks.notify_payment", side_effect=notify_payment.call_local) as queued:
            with django_capture_on_commit_callbacks(execute=True):
                entry = payment_post(
                    actor=world.cs, room=world.room, amount_fen=12_300, method="cash", payer_name="张三",
                    idempotency_key="k-1",
                )  # fmt: skip
        return entry, queued

    entry, queued = pay()
    queued.assert_called_once_with(entry.pk)
    for who in ("owner", "tenant"):
        [note] = told(household[who], "缴费成功")
        assert "123.00" in note.body and entry.number in note.body
    assert not told(household["family"], "缴费成功") and not told(household["other"], "缴费成功")
    again, queued = pay()
    assert again.pk == entry.pk and not queued.called
    assert len(told(household["owner"], "缴费成功")) == 1
