"""Hand-written SQL for the few hot paths where the ORM's own cost is most of the work.

Building a query with the ORM and the instances it returns costs about 1 ms of CPU per query on
this class of machine, against 0.1 ms for the same statement sent as text. Registering a request
(desk.services.request_register) and authenticating an API token run on every call of an
integration, so they read through here (docs/decisions.md, "Registration in hand-written SQL").

What stays the ORM's: the column lists come from the models' metadata (a new field needs no change
here), values are converted from and to the database with the fields' own converters, and the
instances are built with `Model.from_db`, exactly as a queryset builds them. Statements go through
Django's cursor wrapper, so they are counted by `assertNumQueries` and logged like any other.

On PostgreSQL they run on a cursor that binds parameters on the server, so psycopg prepares each
statement once per connection (`prepare_threshold` in settings) and PostgreSQL stops planning it
on every call: the intake's references cost 0.53 ms of PostgreSQL CPU planned each time, 0.13 ms
prepared. The ORM's own statements are unaffected: they carry their values in the text and run
on client-side binding cursors, which psycopg never prepares.
"""

from contextlib import contextmanager
from functools import cache

from django.db import DatabaseError, connection
from django.db.models import Model


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


@cache
def _fields(model: type[Model]) -> tuple:
    return tuple(model._meta.concrete_fields)


def select_list(model: type[Model], alias: str) -> str:
    """`alias."col", …` for every concrete field of the model, in the order `build` reads them."""
    return _select_list(model, alias, connection.vendor)


@cache
def _select_list(model: type[Model], alias: str, vendor: str) -> str:
    return ", ".join(f"{alias}.{quote(field.column)}" for field in _fields(model))


@cache
def _reader(model: type[Model], vendor: str) -> tuple:
    """What `build` needs per model, worked out once: the attnames in `select_list`'s order, where
    the primary key stands, and the converters `SQLCompiler.get_converters` would apply, by
    position (most fields have none)."""
    fields = _fields(model)
    converters = []
    for i, field in enumerate(fields):
        col = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
        if found:
            converters.append((i, col, tuple(found)))
    return [f.attname for f in fields], fields.index(model._meta.pk), tuple(converters)


def build(model: type[Model], row, start: int = 0):
    """The instance held in `row[start:]` (as listed by `select_list`), or None when its primary key
    is NULL (an outer join that found nothing); also the index where the next model's columns begin."""
    attnames, pk_index, converters = _reader(model, connection.vendor)
    end = start + len(attnames)
    values = list(row[start:end])
    if values[pk_index] is None:
        return None, end
    for i, col, functions in converters:
        value = values[i]
        for function in functions:
            value = function(value, col, connection)
        values[i] = value
    return model.from_db(connection.alias, attnames, values), end


def insert_columns(model: type[Model]) -> tuple[str, ...]:
    """The quoted columns `insert_params` gives values for: every concrete field but the primary key."""
    return _insert_columns(model, connection.vendor)


@cache
def _insert_columns(model: type[Model], vendor: str) -> tuple[str, ...]:
    return tuple(quote(field.column) for field in _fields(model) if not field.primary_key)


def insert_params(obj: Model) -> list:
    """The values to INSERT `obj` (its primary key left to the database), in `insert_columns`'
    order, prepared by the fields as `Model.save` prepares them."""
    return [
        field.get_db_prep_save(field.pre_save(obj, True), connection)
        for field in _fields(type(obj))
        if not field.primary_key
    ]


@contextmanager
def cursor():
    """A cursor for the statements built here (see the module's docstring)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as plain:
            yield plain
        return
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = ServerBindingCursor(connection.connection)
    with connection._prepare_cursor(raw) as wrapped:
        yield wrapped


@contextmanager
def without_jit():
    """PostgreSQL compiles a query with JIT when its estimated cost is high; for the grouped counts
    of the monthly review (quality/review.py) and the supervisor's board (desk/board.py), over some
    100,000 rows, the compiling costs far more than it saves. Off for these queries, then back as
    it was."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', false)")
        previous = cursor.fetchone()[0]
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('jit', %s, false)", [previous])
        except DatabaseError:  # an aborted transaction: its rollback undoes the SET anyway
            pass
