"""Fast inserts for rows whose ids are not needed back (staged rows, occupancies, the name index):
PostgreSQL's COPY, executemany elsewhere. Model instances cost ~0.1 ms each to build and compile;
100k staged rows and 600k name substrings would spend most of an import doing only that."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.db import connection


def _converter(field):
    kind = field.get_internal_type()
    if kind == "JSONField":
        return lambda v: None if v is None else json.dumps(v, ensure_ascii=False)
    if kind in ("DateField", "DateTimeField", "DecimalField", "BooleanField"):
        return lambda v: field.get_db_prep_value(v, connection, prepared=False)
    return lambda v: v  # ids, text, integers go as they are


def fast_insert(model, fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert `rows` (tuples in the order of `fields`, Python values) into `model`'s table."""
    meta = model._meta
    model_fields = [meta.get_field(f) for f in fields]
    convert = [_converter(f) for f in model_fields]
    columns = [f.column for f in model_fields]
    table = connection.ops.quote_name(meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([c(v) for c, v in zip(convert, row, strict=True)])
                    count += 1
            return count
        sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})"
        batch = []
        for row in rows:
            batch.append([c(v) for c, v in zip(convert, row, strict=True)])
            if len(batch) >= 5000:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def fast_create(objs: list, *, batch_size: int = 5000) -> list:
    """Insert model instances and set their ids, like bulk_create. On PostgreSQL the ids are taken
    from the table's sequence first and the rows sent with COPY (no per-object SQL compilation);
    elsewhere bulk_create. Every concrete field is written, so field defaults apply as usual."""
    if not objs:
        return objs
    model = type(objs[0])
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objs, batch_size=batch_size)
    meta = model._meta
    pk = meta.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, pk.column])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, len(objs)])
        ids = [row[0] for row in cursor.fetchall()]
    for obj, pk_value in zip(objs, ids, strict=True):
        setattr(obj, pk.attname, pk_value)
        obj._state.adding = False
        obj._state.db = connection.alias
    from django.db.models.expressions import DatabaseDefault, Value

    fields = []
    for f in meta.concrete_fields:
        defaults = [o for o in objs if isinstance(getattr(o, f.attname), DatabaseDefault)]
        if len(defaults) == len(objs):
            continue  # the database fills it in
        if defaults:
            if not isinstance(f.db_default, Value):  # pragma: no cover - an expression default
                for obj in objs:
                    obj._state.adding, obj.pk = True, None
                return model.objects.bulk_create(objs, batch_size=batch_size)
            for obj in defaults:
                setattr(obj, f.attname, f.db_default.value)
        fields.append(f)
    names = [f.attname for f in fields]
    fast_insert(model, [f.name for f in fields], ([getattr(o, a) for a in names] for o in objs))
    return objs
