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


def lock_accounts(room_ids, *, with_balance: bool = False) -> dict[int, Account]:
    """Several rooms' existing accounts (those holding prepaid balance only, with `with_balance`),
    locked in id order: {room_id: Account}."""
    rows = Account.objects.select_for_update().filter(room_id__in=list(room_ids))
    if with_balance:
        rows = rows.filter(balance_fen__gt=0)
    return {a.room_id: a for a in rows.order_by("id")}


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


def insert_rows(model, fields: list[str], rows: list[tuple], *, returning: tuple[str, ...] = (), batch: int = 1000):
    """Multi-row INSERTs of `rows` (values already as the database takes them, in `fields`' order)
    into `model`'s table, without building instances: a billing run writes 100,000 bills and more
    lines, and the ORM's per-instance and per-value work was most of its time. Returns the
    `returning` columns of every row inserted (in no promised order)."""
    from core.sql import quote as q

    if not rows:
        return []
    meta = model._meta
    columns = ", ".join(q(meta.get_field(name).column) for name in fields)
    tail = f" RETURNING {', '.join(q(meta.get_field(name).column) for name in returning)}" if returning else ""
    if connection.vendor == "postgresql":
        # one array a column, unnested: a statement of a dozen parameters whatever the rows (psycopg
        # reads a statement's text once per call; 20,000 placeholders cost more than the insert)
        types = ", ".join(f"%s::{meta.get_field(name).db_type(connection)}[]" for name in fields)
        sql = f"INSERT INTO {q(meta.db_table)} ({columns}) SELECT * FROM unnest({types}){tail}"
        out = []
        with connection.cursor() as cursor:
            for start in range(0, len(rows), batch * 10):
                part = rows[start : start + batch * 10]
                cursor.execute(sql, [list(column) for column in zip(*part, strict=True)])
                if returning:
                    out.extend(cursor.fetchall())
        return out
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    out = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            part = rows[start : start + batch]
            sql = f"INSERT INTO {q(meta.db_table)} ({columns}) VALUES {', '.join([placeholder] * len(part))}{tail}"
            cursor.execute(sql, [value for row in part for value in row])
            if returning:
                out.extend(cursor.fetchall())
    return out


def update_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """UPDATE each row (`fields`' new values, then the primary key) with one statement sent many
    times: the few changed sums of a payment or of a billing run's chunk, without bulk_update's
    CASE expressions."""
    from core.sql import quote as q

    if not rows:
        return
    meta = model._meta
    sets = ", ".join(f"{q(meta.get_field(name).column)} = %s" for name in fields)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {q(meta.db_table)} SET {sets} WHERE {q(meta.pk.column)} = %s", rows)
