"""The cashier's day close (日结): the day's entries counted by method, handed to a finance user,
signed and frozen. A closed day takes no more entries (billing/services/_common.open_day); a
reversal of one of its payments goes on the reversing person's day of today."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import rules
from billing.choices import DayState, EntryState
from billing.models import CashierDay, Entry
from billing.services._common import check_lengths
from core.audit import audit_record
from core.errors import ActionRefused


def day_totals(day: CashierDay) -> dict:
    """{method: net fen} of the day's posted entries, their count and their net sum."""
    rows = (
        Entry.objects.filter(day=day, state=EntryState.POSTED)
        .values("method")
        .annotate(total=Sum("amount_fen"), n=Count("id"))
    )
    totals: dict[str, int] = defaultdict(int)
    count = 0
    for row in rows:
        totals[row["method"]] += row["total"]
        count += row["n"]
    return {"totals": dict(totals), "count": count, "net_fen": sum(totals.values())}


def cashier_day_close(*, actor, day: CashierDay, handed_to, signature: str) -> CashierDay:
    """Close the cashier's own day: totals by method frozen on the row, the finance user who takes the
    money over, the cashier's signature (their name typed). Nothing more goes on the day."""
    if day.cashier_id != actor.pk:
        raise ActionRefused(_("只能日结自己的收款。"))
    signature = (signature or "").strip()
    errors = {}
    if not signature:
        errors["signature"] = [_("请签名（输入您的姓名）。")]
    if handed_to is None:
        errors["handed_to"] = [_("请选择交接的财务人员。")]
    elif handed_to.pk == actor.pk:
        errors["handed_to"] = [_("不能交接给自己。")]
    elif not rules.may_receive_day(handed_to, day.project_id):
        errors["handed_to"] = [_("只能交接给本项目的财务人员。")]
    if errors:
        raise ValidationError(errors)
    check_lengths(CashierDay, signature=signature)
    with transaction.atomic():
        day = CashierDay.objects.select_for_update().get(pk=day.pk)
        if day.state == DayState.CLOSED:
            raise ActionRefused(_("这一天已经日结过了。"))
        figures = day_totals(day)
        day.totals, day.count, day.net_fen = figures["totals"], figures["count"], figures["net_fen"]
        day.state, day.closed_at, day.handed_to, day.signature = DayState.CLOSED, timezone.now(), handed_to, signature
        day.save(update_fields=["totals", "count", "net_fen", "state", "closed_at", "handed_to", "signature"])
        audit_record(
            actor=actor,
            obj=day,
            action="day_closed",
            changes={**figures, "handed_to": handed_to.pk, "signature": signature},
        )
    return day
