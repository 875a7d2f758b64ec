"""Discounts and waivers (proposed, approved by someone else: the line owes less) and invoices."""

import pytest
from django.core.exceptions import ValidationError

from billing.choices import BillState, InvoiceState, Method, ReliefKind, ReliefState
from billing.models import Relief
from billing.services import entry_reverse, invoice_request, payment_post, relief_decide, relief_propose
from billing.tests.books import check_books
from billing.tests.conftest import make_bill
from core.errors import ActionRefused

pytestmark = pytest.mark.django_db


def test_an_approved_relief_reduces_what_is_owed(world, fees):
    bill = make_bill(world.room, 10000, 5000)
    line = bill.lines.order_by("id").first()
    relief = relief_propose(actor=world.manager, line=line, kind=ReliefKind.HARDSHIP, amount_fen=3000, reason="低保户")
    assert relief.state == ReliefState.PROPOSED
    bill.refresh_from_db()
    assert bill.total_fen == 15000  # nothing changes until approved
    with pytest.raises(ActionRefused, match="申请人以外"):
        relief_decide(actor=world.manager, relief=relief, approve=True)
    for user in (world.cs, world.supervisor, world.outsider):
        with pytest.raises(ActionRefused, match="不能审批"):
            relief_decide(actor=user, relief=relief, approve=True)
    relief = relief_decide(actor=world.pm, relief=relief, approve=True)
    bill.refresh_from_db(), line.refresh_from_db()
    assert relief.state == ReliefState.APPROVED and relief.decided_by == world.pm
    assert (line.amount_fen, bill.total_fen, bill.open_fen) == (7000, 12000, 12000)
    with pytest.raises(ActionRefused, match="审批过"):
        relief_decide(actor=world.finance, relief=relief, approve=False)
    check_books()


def test_a_relief_that_settles_the_rest_marks_the_bill_paid(world, fees):
    bill = make_bill(world.room, 10000)
    payment_post(actor=world.cs, room=world.room, amount_fen=8000, method=Method.CASH)
    line = bill.lines.get()
    with pytest.raises(ValidationError, match="超过"):
        relief_propose(actor=world.finance, line=line, kind=ReliefKind.OTHER, amount_fen=2001, reason="抹零")
    relief = relief_propose(actor=world.finance, line=line, kind=ReliefKind.OTHER, amount_fen=2000, reason="抹零")
    relief_decide(actor=world.pm, relief=relief, approve=True)
    bill.refresh_from_db()
    assert (bill.total_fen, bill.paid_fen, bill.state) == (8000, 8000, BillState.PAID)
    check_books()


def test_a_rejected_relief_changes_nothing_and_bad_proposals_are_refused(world, fees):
    bill = make_bill(world.room, 10000)
    line = bill.lines.get()
    relief = relief_propose(actor=world.cs, line=line, kind=ReliefKind.VACANCY, amount_fen=100, reason="空置")
    relief_decide(actor=world.finance, relief=relief, approve=False)
    bill.refresh_from_db()
    assert bill.total_fen == 10000 and Relief.objects.get().state == ReliefState.REJECTED
    with pytest.raises(ValidationError):
        relief_propose(actor=world.cs, line=line, kind="gift", amount_fen=0, reason="")
    with pytest.raises(ActionRefused):
        relief_propose(actor=world.tech, line=line, kind=ReliefKind.OTHER, amount_fen=100, reason="x")
    with pytest.raises(ActionRefused):
        relief_propose(actor=world.outsider, line=line, kind=ReliefKind.OTHER, amount_fen=100, reason="x")


def test_an_invoice_is_issued_through_the_development_backend(world, fees):
    make_bill(world.room, 10000)
    entry = payment_post(actor=world.cs, room=world.room, amount_fen=10000, method=Method.CASH)
    with pytest.raises(ValidationError):
        invoice_request(actor=world.cs, entry=entry, title="", tax_number="123")
    invoice = invoice_request(
        actor=world.cs, entry=entry, title="杭州某某科技有限公司", tax_number="91330106MA2B3C4D5E"
    )
    assert invoice.state == InvoiceState.ISSUED and invoice.invoice_number.startswith("DEV")
    with pytest.raises(ActionRefused, match="开过"):
        invoice_request(actor=world.cs, entry=entry, title="张三")
    other = payment_post(actor=world.cs, room=world.room, amount_fen=100, method=Method.CASH)
    entry_reverse(actor=world.finance, entry=other, reason="错")
    with pytest.raises(ActionRefused, match="冲红"):
        invoice_request(actor=world.cs, entry=other, title="张三")
    with pytest.raises(ActionRefused):
        invoice_request(actor=world.tech, entry=entry, title="张三")
