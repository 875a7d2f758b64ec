"""core/sql.py: instances read by hand-written SQL are the instances the ORM reads, field for field,
on SQLite (where booleans, decimals, dates and JSON need converting) and on PostgreSQL."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import sql
from core.models import Project, User
from desk import sla
from desk.models import Category, SlaPolicy
from estate.models import Resident, Room


def values(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields}


def read(model, pk):
    with sql.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql.select_list(model, 'x')} FROM {sql.quote(model._meta.db_table)} x WHERE x.{sql.quote('id')} = %s",
            [pk],
        )
        return cursor.fetchone()


@pytest.mark.parametrize("model", [User, Project, Room, Resident, Category, SlaPolicy])
def test_build_gives_the_orms_instance(world, model):
    sla.install_default_policies(world.company)
    Room.objects.filter(pk=world.room.pk).update(area=Decimal("89.57"))
    pk = {
        User: world.cs.pk,
        Project: world.project.pk,
        Room: world.room.pk,
        Resident: world.resident.pk,
        Category: world.category.pk,
        SlaPolicy: SlaPolicy.objects.order_by("pk").values_list("pk", flat=True).first(),
    }[model]
    built, end = sql.build(model, read(model, pk))
    orm = model.objects.get(pk=pk)
    assert values(built) == values(orm)
    assert [type(v) for v in values(built).values()] == [type(v) for v in values(orm).values()]
    assert end == len(model._meta.concrete_fields)
    assert built._state.adding is False and built._state.db == orm._state.db


def test_a_row_an_outer_join_did_not_find_builds_nothing(world):
    row = (None,) * len(Room._meta.concrete_fields) + read(Project, world.project.pk)
    room, at = sql.build(Room, row)
    project, end = sql.build(Project, row, at)
    assert room is None and project == world.project and end == len(row)


def test_the_statements_are_seen_like_the_orms(world):
    """The documented contract of core/sql.py: its statements run through Django's cursor wrapper,
    counted and logged like ORM queries (the one statement is seen, once)."""
    with CaptureQueriesContext(connection) as queries:
        read(Project, world.project.pk)
    assert len(queries) == 1 and "core_project" in queries[0]["sql"]


def test_insert_params_follow_insert_columns(world):
    columns = sql.insert_columns(Project)
    params = sql.insert_params(Project(company=world.company, name="新城", code="n"))
    assert len(columns) == len(params) == len(Project._meta.concrete_fields) - 1
    assert dict(zip(columns, params, strict=True))[sql.quote("name")] == "新城"
