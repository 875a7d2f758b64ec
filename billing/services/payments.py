"""Money in and out of a room's account: payments at the desk (收款), online payments through the
gateway, reversals (冲红) and refunds of prepaid balance (退费). Nothing here edits or deletes a
money row: a mistake is put right by a new entry, and every entry is in the audit log.

Each write locks the room's Account first (two cashiers paying the same bill at the same instant
are served one after the other: the second sees what the first paid), then the cashier's day, then
takes its number (billing/services/_common.py).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import events, notices, rules
from billing.choices import ONLINE_METHODS, BillState, EntryKind, EntryState, Method
from billing.models import Account, Allocation, Bill, BillingSettings, BillLine, Entry
from billing.money import yuan
from billing.services import _ledger
from billing.services._common import check_lengths, lock_account, open_day, take_number
from billing.services.rates import monthly_charge_fen
from core.audit import audit_record
from core.errors import ActionRefused, Conflict, ServiceError

PREFIX = {EntryKind.PAYMENT: "SK", EntryKind.REVERSAL: "CH", EntryKind.REFUND: "TF"}
MAX_KEY = 64


def settings_for(company_id: int) -> BillingSettings:
    return BillingSettings.of(company_id)


def request_hash(**fields) -> str:
    """What a payment asked for, as a hash: the same idempotency key with another request is refused."""
    raw = json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def _check_amount(amount_fen) -> int:
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool):
        raise ValidationError({"amount": [_("金额格式不正确。")]})
    if amount_fen <= 0:
        raise ValidationError({"amount": [_("金额必须大于零。")]})
    if amount_fen >= 10_000_000_000:
        raise ValidationError({"amount": [_("金额过大。")]})
    return amount_fen


def _check_key(key: str | None) -> str | None:
    if key is None or key == "":
        return None
    key = str(key)
    if len(key) > MAX_KEY or not key.isprintable() or not key.strip():
        raise ValidationError({"idempotency_key": [_("幂等键最长 64 个可见字符。")]})
    return key


def _replay(project_id: int, key: str | None, digest: str) -> Entry | None:
    """The entry an earlier request with the same key made (the same request: returned as it was);
    a different request under the same key is refused."""
    if key is None:
        return None
    found = Entry.objects.filter(project_id=project_id, idempotency_key=key).first()
    if found is None:
        return None
    if found.request_hash != digest:
        raise Conflict(_("这个幂等键已用于另一笔不同的收款，未重复收款。"))
    found.replayed = True
    return found


def _targets(room, bill_ids) -> list[BillLine]:
    """The open lines the money goes to: the picked bills' (each must be the room's and open), or all
    the room's open lines, oldest first."""
    if not bill_ids:
        return _ledger.open_lines(room.pk)
    ids = list(dict.fromkeys(int(b) for b in bill_ids))
    bills = {b.pk: b for b in Bill.objects.filter(pk__in=ids, room_id=room.pk)}
    for pk in ids:
        bill = bills.get(pk)
        if bill is None:
            raise ValidationError({"bills": [_("所选账单不属于这个房屋。")]})
        if bill.state == BillState.CANCELLED:
            raise ValidationError({"bills": [_("账单 %(n)s 已作废，不能收款。") % {"n": bill.number}]})
        if bill.state == BillState.PAID:
            raise ValidationError({"bills": [_("账单 %(n)s 已缴清。") % {"n": bill.number}]})
    return _ledger.open_lines(room.pk, bill_ids=ids)


def _check_cap(room, account: Account, rest: int, read: dict | None = None) -> None:
    """An overpayment becomes prepaid balance, up to the company's cap of months of the room's
    periodic charges; beyond it the payment is refused, saying how much may be taken. `read`: the
    company's settings when the permission check read them already ({company_id: BillingSettings})."""
    if rest <= 0:
        return
    company_id = room.project.company_id
    months = ((read or {}).get(company_id) or settings_for(company_id)).prepay_cap_months
    cap = months * monthly_charge_fen(room)
    if account.balance_fen + rest > cap:
        room_for = max(cap - account.balance_fen, 0)
        raise ValidationError(
            {
                "amount": [
                    _(
                        "超出预存上限：预存最多 %(months)s 个月物业费（%(cap)s 元），现有预存 %(balance)s 元，"
                        "本次最多可多收 %(room_for)s 元。"
                    )
                    % {
                        "months": months,
                        "cap": yuan(cap),
                        "balance": yuan(account.balance_fen),
                        "room_for": yuan(room_for),
                    }
                ]
            }
        )


def _audit_entry(actor, entry: Entry, action: str, **extra) -> None:
    audit_record(
        actor=actor,
        obj=entry,
        action=action,
        changes={
            "room": entry.room_id,
            "kind": entry.kind,
            "method": entry.method,
            "amount_fen": entry.amount_fen,
            "rest_fen": entry.rest_fen,
            **extra,
        },
    )


def _may_collect(actor, room, read: dict | None = None) -> None:
    if not rules.may_take_payments(actor, room.project_id, company_id=room.project.company_id, read=read):
        raise ActionRefused(_("您不能为这个房屋收款。"))


# ---------------------------------------------------------------- payments at the desk


def payment_post(
    *,
    actor,
    room,
    amount_fen: int,
    method: str,
    bill_ids=None,
    payer_name: str = "",
    note: str = "",
    idempotency_key: str | None = None,
) -> Entry:
    """A payment at the desk (cash, bank transfer, card): put on the picked bills, or on the room's
    oldest open lines; what is left over becomes prepaid balance, up to the cap. Sent twice with
    the same idempotency key, the first entry is returned (`.replayed` set) and nothing is added."""
    read: dict = {}  # the company's settings, once read for the permission (a desk role), kept for the cap
    _may_collect(actor, room, read)
    amount_fen = _check_amount(amount_fen)
    if method not in Method.values or method in ONLINE_METHODS:
        raise ValidationError({"method": [_("请选择现金、银行转账或刷卡；线上支付请用“线上支付”。")]})
    key = _check_key(idempotency_key)
    check_lengths(Entry, payer_name=payer_name, note=note)
    digest = request_hash(
        room=room.pk, amount=amount_fen, method=method, bills=sorted(int(b) for b in bill_ids or ()),
        payer=payer_name, note=note,
    )  # fmt: skip
    try:
        with transaction.atomic():
            account = lock_account(room)
            replayed = _replay(room.project_id, key, digest)
            if replayed is not None:
                return replayed
            day = open_day(actor, room.project_id)
            lines = _targets(room, bill_ids)
            moves = _ledger.plan(lines, amount_fen)
            rest = amount_fen - sum(m for _line, m in moves)
            _check_cap(room, account, rest, read)
            now = timezone.now()
            entry = Entry.objects.create(
                project_id=room.project_id,
                room=room,
                number=take_number(PREFIX[EntryKind.PAYMENT]),
                kind=EntryKind.PAYMENT,
                method=method,
                amount_fen=amount_fen,
                rest_fen=rest,
                payer_name=payer_name,
                note=note,
                cashier=actor,
                day=day,
                idempotency_key=key,
                request_hash=digest if key else "",
                created_at=now,
                posted_at=now,
            )
            _ledger.apply([(entry, line, m) for line, m in moves], at=now)
            if rest:
                Account.objects.filter(pk=account.pk).update(balance_fen=account.balance_fen + rest, updated_at=now)
            _audit_entry(actor, entry, "payment", bills=[b for b in {line.bill_id for line, _m in moves}])
            notices.payment_notice_on_commit(entry.pk)  # the payers' receipt notice, from the queue
            events.payment_posted(entry)
            return entry
    except IntegrityError:
        # the same key used at the same instant for another room of the project: the unique index
        # refused the second; answer as if it had come a moment later
        replayed = _replay(room.project_id, key, digest)
        if replayed is None:
            raise
        return replayed


# ---------------------------------------------------------------- online payments


def payment_start_online(
    *,
    actor,
    room,
    amount_fen: int,
    method: str,
    payer_name: str = "",
    idempotency_key: str | None = None,
    bill_ids=None,
) -> Entry:
    """An online payment (WeChat Pay, Alipay) waiting for the gateway: nothing is owed less until
    the gateway's signed callback confirms it (billing/gateway.py, `payment_confirm_online`).
    Started at the desk by whoever takes payments, or by a resident who pays for the room
    (rules.pays_for_room) in the residents' app: then they are its `paid_by`, and the bills they
    picked (`bill_ids`, each the room's and open) take the money first when it lands."""
    from billing.gateway import gateway_for

    read: dict = {}
    resident = bool(getattr(actor, "is_resident", False))
    if resident:
        if not rules.pays_for_room(actor, room.pk):
            raise ActionRefused(_("您不能为这个房屋缴费。"))
    else:
        _may_collect(actor, room, read)
    amount_fen = _check_amount(amount_fen)
    if method not in ONLINE_METHODS:
        raise ValidationError({"method": [_("线上支付只支持微信支付和支付宝。")]})
    key = _check_key(idempotency_key)
    check_lengths(Entry, payer_name=payer_name)
    picked = sorted({int(b) for b in bill_ids or ()})
    digest = request_hash(room=room.pk, amount=amount_fen, method=method, payer=payer_name, online=True, bills=picked)
    with transaction.atomic():
        account = lock_account(room)
        replayed = _replay(room.project_id, key, digest)
        if replayed is not None:
            return replayed
        owed = sum(line.amount_fen - line.paid_fen for line in _targets(room, picked))
        _check_cap(room, account, amount_fen - owed, read)
        ref = gateway_for(method).new_ref()
        entry = Entry.objects.create(
            project_id=room.project_id,
            room=room,
            number=ref,  # its receipt number is taken when the money arrives (no gaps in receipts)
            kind=EntryKind.PAYMENT,
            method=method,
            amount_fen=amount_fen,
            state=EntryState.PENDING,
            payer_name=payer_name,
            cashier=None if resident else actor,
            paid_by=actor if resident else None,
            bill_ids=picked,
            gateway_ref=ref,
            idempotency_key=key,
            request_hash=digest if key else "",
        )
        _audit_entry(actor, entry, "online_started", gateway_ref=ref, bills=picked)
    return entry


def payment_confirm_online(*, entry: Entry, amount_fen: int, paid: bool, gateway_ref: str) -> Entry:
    """The gateway says the online payment `entry` was paid (or failed). Called only with a verified
    callback (billing/gateway.py). Paid: the money goes on the oldest open lines, the rest to the
    prepaid balance (money received is never refused: a rest beyond the cap is recorded as such).
    Confirming an entry already settled changes nothing."""
    with transaction.atomic():
        account = lock_account(entry.room)
        entry = Entry.objects.select_related("room__project").get(pk=entry.pk)
        if entry.state != EntryState.PENDING:
            return entry
        if entry.gateway_ref != gateway_ref:
            raise ActionRefused(_("支付平台单号不符。"))
        if amount_fen != entry.amount_fen:
            raise ActionRefused(
                _("回调金额 %(got)s 元与订单金额 %(want)s 元不符，未入账。")
                % {"got": yuan(amount_fen), "want": yuan(entry.amount_fen)}
            )
        now = timezone.now()
        if not paid:
            Entry.objects.filter(pk=entry.pk).update(state=EntryState.FAILED, posted_at=now)
            entry.state = EntryState.FAILED
            _audit_entry(None, entry, "online_failed", gateway_ref=gateway_ref)
            return entry
        lines = _ledger.open_lines(entry.room_id, bill_ids=entry.bill_ids) if entry.bill_ids else []
        if not entry.bill_ids or not lines:  # none picked, or the picked ones were paid meanwhile
            lines = _ledger.open_lines(entry.room_id)
        moves = _ledger.plan(lines, entry.amount_fen)
        rest = entry.amount_fen - sum(m for _line, m in moves)
        over_cap = False
        try:
            _check_cap(entry.room, account, rest)
        except ValidationError:
            over_cap = True
        entry.state, entry.rest_fen, entry.posted_at = EntryState.POSTED, rest, now
        entry.number = take_number(PREFIX[EntryKind.PAYMENT])
        entry.save(update_fields=["state", "rest_fen", "posted_at", "number"])
        _ledger.apply([(entry, line, m) for line, m in moves], at=now)
        if rest:
            Account.objects.filter(pk=account.pk).update(balance_fen=account.balance_fen + rest, updated_at=now)
        _audit_entry(None, entry, "online_paid", gateway_ref=gateway_ref, over_prepay_cap=over_cap)
        if entry.paid_by_id:
            notices.payment_posted_notify(entry)
        events.payment_posted(entry)
    return entry


# ---------------------------------------------------------------- reversals and refunds


def entry_reverse(*, actor, entry: Entry, reason: str) -> Entry:
    """冲红: a new entry of the opposite amount that takes the payment's money back off every line it
    was put on (including prepaid balance used by later bills) and out of the prepaid balance. A
    reversal is not reversed, and a payment is reversed once. On the reversing person's day today,
    whatever day the payment was taken on (a closed day stays as it was)."""
    if not rules.may_reverse(actor, entry.project_id):
        raise ActionRefused(_("只有财务人员或项目经理可以冲红。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写冲红原因。")]})
    check_lengths(Entry, reason=reason)
    if entry.kind == EntryKind.REVERSAL:
        raise ActionRefused(_("冲红记录不能再冲红。"))
    if entry.kind != EntryKind.PAYMENT:
        raise ActionRefused(_("只能冲红收款记录。"))
    if entry.state != EntryState.POSTED:
        raise ActionRefused(_("这笔支付尚未入账，不能冲红。"))
    with transaction.atomic():
        account = lock_account(entry.room)
        entry = Entry.objects.get(pk=entry.pk)
        if Entry.objects.filter(reverses=entry).exists():
            raise ActionRefused(_("这笔收款已经冲红过了。"))
        net: dict[int, int] = defaultdict(int)
        for line_id, amount in Allocation.objects.filter(entry=entry).values_list("line_id", "amount_fen"):
            net[line_id] += amount
        allocated = sum(net.values())
        refunded = entry.amount_fen - allocated - entry.rest_fen
        if refunded > 0:
            raise ActionRefused(_("这笔收款中有 %(fen)s 元预存已退费，不能整笔冲红。") % {"fen": yuan(refunded)})
        day = open_day(actor, entry.project_id)
        now = timezone.now()
        reversal = Entry.objects.create(
            project_id=entry.project_id,
            room_id=entry.room_id,
            number=take_number(PREFIX[EntryKind.REVERSAL]),
            kind=EntryKind.REVERSAL,
            method=entry.method,
            amount_fen=-entry.amount_fen,
            reverses=entry,
            reason=reason,
            payer_name=entry.payer_name,
            cashier=actor,
            day=day,
            created_at=now,
            posted_at=now,
        )
        lines = BillLine.objects.select_related("bill").in_bulk([pk for pk, v in net.items() if v])
        _ledger.apply([(reversal, lines[pk], -v) for pk, v in sorted(net.items()) if v], at=now)
        if entry.rest_fen:
            Account.objects.filter(pk=account.pk).update(
                balance_fen=account.balance_fen - entry.rest_fen, updated_at=now
            )
            Entry.objects.filter(pk=entry.pk).update(rest_fen=0)
        _audit_entry(actor, reversal, "reversal", reverses=entry.number, reason=reason, lines=len(lines))
    return reversal


def balance_refund(*, actor, room, amount_fen: int, method: str, reason: str, payer_name: str = "") -> Entry:
    """退费: prepaid balance paid back (at move-out or a transfer), recorded as a negative entry on the
    refunding person's day; drawn from the newest prepayments first."""
    if not rules.may_reverse(actor, room.project_id):
        raise ActionRefused(_("只有财务人员或项目经理可以退费。"))
    amount_fen = _check_amount(amount_fen)
    if method not in Method.values or method in ONLINE_METHODS:
        raise ValidationError({"method": [_("退费请选择现金、银行转账或刷卡。")]})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写退费原因。")]})
    check_lengths(Entry, reason=reason, payer_name=payer_name)
    with transaction.atomic():
        account = lock_account(room)
        if amount_fen > account.balance_fen:
            raise ValidationError(
                {"amount": [_("退费金额超过预存余额（%(b)s 元）。") % {"b": yuan(account.balance_fen)}]}
            )
        day = open_day(actor, room.project_id)
        left = amount_fen
        drawn = []
        for source in _ledger.resting_entries([room.pk], newest_first=True).get(room.pk, []):
            take = min(left, source.rest_fen)
            source.rest_fen -= take
            drawn.append(source)
            left -= take
            if not left:
                break
        if left:  # the balance and its entries disagree: refuse rather than pay out money not there
            raise ServiceError(_("预存余额与收款记录不一致，请联系管理员核对。"))
        Entry.objects.bulk_update(drawn, ["rest_fen"])
        now = timezone.now()
        refund = Entry.objects.create(
            project_id=room.project_id,
            room=room,
            number=take_number(PREFIX[EntryKind.REFUND]),
            kind=EntryKind.REFUND,
            method=method,
            amount_fen=-amount_fen,
            reason=reason,
            payer_name=payer_name,
            cashier=actor,
            day=day,
            created_at=now,
            posted_at=now,
        )
        Account.objects.filter(pk=account.pk).update(balance_fen=account.balance_fen - amount_fen, updated_at=now)
        _audit_entry(actor, refund, "refund", reason=reason, drawn_from=[e.number for e in drawn])
    return refund
