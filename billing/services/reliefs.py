"""Discounts and waivers (优惠/减免) and invoice requests (发票).

A relief is proposed on one open bill line and approved by someone else who may approve reliefs.
Approved, it reduces the line (and its bill) by its amount: what is owed is less, the collection
rate's receivable with it, and the Relief row keeps what the line was and who decided
(docs/decisions.md "Billing: reliefs reduce the line"). A relief is never more than the line still
owes, so paid ≤ billed holds on every line.

An invoice request (发票) records the title and tax number a payer asks for on a payment, and is
issued through the e-invoice interface (billing/einvoice.py).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import rules
from billing.choices import BillState, EntryKind, EntryState, InvoiceState, ReliefKind, ReliefState
from billing.models import Bill, BillLine, Entry, InvoiceRequest, Relief
from billing.money import yuan
from billing.services._common import check_lengths, lock_account
from core.audit import audit_record
from core.errors import ActionRefused


def relief_propose(*, actor, line: BillLine, kind: str, amount_fen: int, reason: str) -> Relief:
    """Propose a discount or waiver of `amount_fen` on an open line of a bill."""
    room = line.room
    if not rules.may_charge(actor, room.project_id):
        raise ActionRefused(_("您不能为这个房屋申请减免。"))
    errors = {}
    if kind not in ReliefKind.values:
        errors["kind"] = [_("请选择减免类型。")]
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        errors["amount"] = [_("金额必须大于零。")]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("请填写减免原因。")]
    if errors:
        raise ValidationError(errors)
    check_lengths(Relief, reason=reason)
    with transaction.atomic():
        lock_account(room)
        line = BillLine.objects.select_related("bill").get(pk=line.pk)
        _check_open(line, amount_fen)
        relief = Relief.objects.create(
            project_id=room.project_id,
            room_id=room.pk,
            kind=kind,
            line=line,
            amount_fen=amount_fen,
            reason=reason,
            proposed_by=actor,
        )
        audit_record(
            actor=actor,
            obj=relief,
            action="relief_proposed",
            changes={"line": line.pk, "bill": line.bill.number, "kind": kind, "amount_fen": amount_fen},
        )
    return relief


def _check_open(line: BillLine, amount_fen: int) -> None:
    if line.cancelled or line.bill.state != BillState.OPEN:
        raise ActionRefused(_("只能对未缴清的账单申请减免。"))
    owed = line.amount_fen - line.paid_fen
    if amount_fen > owed:
        raise ValidationError({"amount": [_("减免金额超过这条明细的欠费（%(owed)s 元）。") % {"owed": yuan(owed)}]})


def relief_decide(*, actor, relief: Relief, approve: bool) -> Relief:
    """Approve (the line and its bill are reduced by the amount) or reject a proposed relief; never by
    the person who proposed it."""
    if not rules.may_approve_relief(actor, relief.project_id):
        raise ActionRefused(_("您不能审批减免。"))
    if relief.proposed_by_id == actor.pk:
        raise ActionRefused(_("减免须由申请人以外的人审批。"))
    with transaction.atomic():
        lock_account(relief.room)
        relief = Relief.objects.select_for_update().get(pk=relief.pk)
        if relief.state != ReliefState.PROPOSED:
            raise ActionRefused(_("这项减免已经审批过了。"))
        now = timezone.now()
        if approve:
            line = BillLine.objects.select_related("bill").get(pk=relief.line_id)
            _check_open(line, relief.amount_fen)
            BillLine.objects.filter(pk=line.pk).update(amount_fen=line.amount_fen - relief.amount_fen)
            bill = line.bill
            total = bill.total_fen - relief.amount_fen
            state = BillState.PAID if bill.paid_fen >= total else BillState.OPEN
            Bill.objects.filter(pk=bill.pk).update(total_fen=total, state=state)
        relief.state = ReliefState.APPROVED if approve else ReliefState.REJECTED
        relief.decided_by, relief.decided_at = actor, now
        relief.save(update_fields=["state", "decided_by", "decided_at"])
        audit_record(
            actor=actor,
            obj=relief,
            action="relief_approved" if approve else "relief_rejected",
            changes={"line": relief.line_id, "amount_fen": relief.amount_fen},
        )
    return relief


# ---------------------------------------------------------------- invoices (发票)


def invoice_request(*, actor, entry: Entry, title: str, tax_number: str = "", email: str = "") -> InvoiceRequest:
    """Record the payer's invoice request on a posted payment and issue it through the e-invoice
    interface; a refused issue is kept with the backend's reason (state FAILED) to try again."""
    from billing.einvoice import backend

    if not rules.may_take_payments(actor, entry.project_id):
        raise ActionRefused(_("您不能为这笔收款开发票。"))
    if entry.kind != EntryKind.PAYMENT or entry.state != EntryState.POSTED:
        raise ActionRefused(_("只能为已入账的收款开发票。"))
    if Entry.objects.filter(reverses=entry).exists():
        raise ActionRefused(_("这笔收款已冲红，不能开发票。"))
    title, tax_number, email = (title or "").strip(), (tax_number or "").strip().upper(), (email or "").strip()
    errors = {}
    if not title:
        errors["title"] = [_("请填写发票抬头。")]
    if tax_number and not (15 <= len(tax_number) <= 20 and tax_number.isalnum()):
        errors["tax_number"] = [_("税号为 15 至 20 位字母或数字。")]
    if errors:
        raise ValidationError(errors)
    check_lengths(InvoiceRequest, title=title, tax_number=tax_number, email=email)
    if entry.invoices.filter(state=InvoiceState.ISSUED).exists():
        raise ActionRefused(_("这笔收款已经开过发票了。"))
    with transaction.atomic():
        invoice = InvoiceRequest.objects.create(
            entry=entry, title=title, tax_number=tax_number, email=email, requested_by=actor
        )
        audit_record(actor=actor, obj=invoice, action="invoice_requested", changes={"entry": entry.number})
    outcome = backend().issue(invoice)
    if outcome.number:
        invoice.state, invoice.invoice_number, invoice.issued_at = InvoiceState.ISSUED, outcome.number, timezone.now()
    else:
        invoice.state, invoice.error = InvoiceState.FAILED, outcome.error[:200]
    invoice.save(update_fields=["state", "invoice_number", "issued_at", "error"])
    audit_record(
        actor=actor,
        obj=invoice,
        action="invoice_issued" if outcome.number else "invoice_failed",
        changes={"number": outcome.number, "error": outcome.error},
    )
    return invoice
