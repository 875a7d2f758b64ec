"""Pieces every money workflow shares: the room's Account lock, numbers taken in blocks, the
cashier's open day.

Lock order (no two writers wait for each other in a circle): a room's Account row(s) first, in id
order; then the cashier's day; then the day counter of the numbers (desk.models.NumberSequence).
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.choices import DayState
from billing.models import Account, CashierDay
from core.errors import ActionRefused
from core.sql import quote
from core.text import check_text_lengths, text_limit
from desk.models import NumberSequence
from desk.services import take_number

__all__ = ["check_lengths", "lock_account", "lock_accounts", "open_day", "take_number", "take_numbers"]


def lock_account(room) -> Account:
    """The room's Account, locked to the end of the transaction (created on first use)."""
    account = Account.objects.select_for_update().filter(room_id=room.pk).first()
    if account is None:
        Account.objects.bulk_create([Account(room_id=room.pk, project_id=room.project_id)], ignore_conflicts=True)
        account = Account.objects.select_for_update().get(room_id=room.pk)
    return account


def lock_accounts(room_ids) -> dict[int, Account]:
    """Several rooms' existing accounts, locked in id order: {room_id: Account}."""
    rows = Account.objects.select_for_update().filter(room_id__in=list(room_ids)).order_by("id")
    return {a.room_id: a for a in rows}


def take_numbers(prefix: str, count: int, when=None) -> list[str]:
    """`count` numbers of the one counter at once ('ZD202612070001' …), for a billing run's bills:
    the same day counter `take_number` bumps one at a time, bumped by `count` in one statement."""
    if count <= 0:
        return []
    key = f"{prefix}{timezone.localtime(when or timezone.now()):%Y%m%d}"
    if connection.vendor == "postgresql":
        table = quote(NumberSequence._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (key, value) VALUES (%s, %s)"
                f" ON CONFLICT (key) DO UPDATE SET value = {table}.value + %s RETURNING value",
                [key, count, count],
            )
            last = cursor.fetchone()[0]
    else:
        with transaction.atomic():
            if not NumberSequence.objects.filter(key=key).update(value=F("value") + count):
                try:
                    with transaction.atomic():
                        NumberSequence.objects.create(key=key, value=count)
                except IntegrityError:
                    NumberSequence.objects.filter(key=key).update(value=F("value") + count)
            last = NumberSequence.objects.values_list("value", flat=True).get(key=key)
    return [f"{key}{n:04d}" for n in range(last - count + 1, last + 1)]


def open_day(actor, project_id: int, day: date | None = None) -> CashierDay:
    """The cashier's day the entry goes on, locked; refused when it is closed (日结 freezes it)."""
    day = day or timezone.localdate()
    found = CashierDay.objects.select_for_update().filter(project_id=project_id, cashier=actor, day=day)
    row = found.first()
    if row is None:
        CashierDay.objects.bulk_create(
            [CashierDay(project_id=project_id, cashier=actor, day=day)], ignore_conflicts=True
        )
        row = found.get()
    if row.state == DayState.CLOSED:
        raise ActionRefused(_("您今天的收款已日结，不能再记账；请由其他收款人办理，或明天再办。"))
    return row


def check_lengths(model, **values) -> None:
    """Field errors for the texts longer than their model fields take (core/text.py)."""
    check_text_lengths({name: (value, text_limit(model, name)) for name, value in values.items()})
