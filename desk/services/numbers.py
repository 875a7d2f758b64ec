"""Request numbers, and the one counter every numbered record of the product takes its number
from ('ZXSQ202611260001': a prefix, the local day, the day's next value)."""

from functools import cache

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from core.sql import quote
from desk.choices import KIND_PREFIX, Kind
from desk.models import NumberSequence


def number_key(kind: str, when) -> str:
    """'TS20261126': the kind's prefix and the local day, the counter a number is taken from."""
    return f"{KIND_PREFIX[Kind(kind)]}{timezone.localtime(when):%Y%m%d}"


@cache
def _counter_sql(vendor: str) -> str:
    """PostgreSQL: bump the day's counter, creating it on first use, and read it: one statement.
    The row lock is held to the end of the transaction, so concurrent registrations get distinct
    numbers; the unique index on `number` is the last line of defence."""
    table = quote(NumberSequence._meta.db_table)
    return (
        f"INSERT INTO {table} (key, value) VALUES (%s, 1)"
        f" ON CONFLICT (key) DO UPDATE SET value = {table}.value + 1 RETURNING value AS v"
    )


def next_number(kind: str, when=None) -> str:
    """'TS202611260001': kind prefix, local date, a per-prefix-and-day sequence."""
    return take_number(KIND_PREFIX[Kind(kind)], when)


def take_number(prefix: str, when=None) -> str:
    """'ZXSQ202611260001': any prefix, the local date, the day's next value of the one counter
    table every numbered record uses (SQLite serialises writers; PostgreSQL takes it with
    `_counter_sql`)."""
    key = f"{prefix}{timezone.localtime(when or timezone.now()):%Y%m%d}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_counter_sql(connection.vendor), [key])
            return f"{key}{cursor.fetchone()[0]:04d}"
    with transaction.atomic():
        if not NumberSequence.objects.filter(key=key).update(value=F("value") + 1):
            try:
                with transaction.atomic():
                    NumberSequence.objects.create(key=key, value=1)
            except IntegrityError:
                NumberSequence.objects.filter(key=key).update(value=F("value") + 1)
        value = NumberSequence.objects.values_list("value", flat=True).get(key=key)
    return f"{key}{value:04d}"
