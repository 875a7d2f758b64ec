"""core/paging.py, the one keyset mechanism: whatever the data (ties on the sort field, NULL
deadlines, timestamps a microsecond apart), whatever the supported order and page size, paging
forward visits every row exactly once in order, and paging back by the "previous" cursors visits
them again in order; on the list page helper, the API class (the desk API's `?ordering=`), and
the export iterator."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.paging import InvalidCursor, keyset_page, keyset_rows
from desk.models import ServiceRequest

BASE = datetime.datetime(2026, 11, 27, 2, 0, tzinfo=datetime.UTC)
# Few distinct moments, so that many rows tie; two of them a microsecond apart.
MOMENTS = st.sampled_from([0, 1, 2]).map(lambda s: BASE + datetime.timedelta(seconds=s)) | st.sampled_from(
    [BASE + datetime.timedelta(microseconds=1), BASE + datetime.timedelta(seconds=1, microseconds=999_999)]
)
ROWS = st.lists(st.tuples(MOMENTS, st.none() | MOMENTS), max_size=14)
ORDERS = [("-created_at", "-id"), ("due_at", "id"), ("created_at", "id"), ("-due_at", "-id"), ("-pk",), ("id",)]
HYPOTHESIS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def make_rows(world, rows) -> None:
    """Copies of one registered request with the given (created_at, due_at)."""
    template = world.register()
    ServiceRequest.objects.all().delete()
    copies = []
    for n, (created, due) in enumerate(rows):
        template.pk, template.number = None, f"TS20261127{n:04d}"
        template.created_at, template.due_at = created, due
        copies.append(ServiceRequest(**{f.attname: getattr(template, f.attname) for f in ServiceRequest._meta.fields}))
    ServiceRequest.objects.bulk_create(copies)


def expected(order) -> list[int]:
    """The ids in `order`, computed in Python: rows with a NULL sort field left out."""
    names = [name.lstrip("-").replace("pk", "id") for name in order]
    rows = ServiceRequest.objects.values("id", "created_at", "due_at")
    rows = [r for r in rows if all(r[n] is not None for n in names)]
    rows.sort(key=lambda r: tuple(r[n] for n in names), reverse=order[0].startswith("-"))
    return [r["id"] for r in rows]


def walk_pages(qs, order, size, load=None) -> tuple[list[int], list[int]]:
    """Every row's id, paging forward to the end, then back from there to the start."""
    forward, pages, cursor = [], [], None
    while True:
        page = keyset_page(qs, cursor, size=size, order=order, load=load)
        assert len(page.rows) <= size
        forward += [row.pk for row in page.rows]
        pages.append(page)
        if page.next_cursor is None:
            break
        assert len(page.rows) == size  # a next page only after a full one
        cursor = page.next_cursor
    backward, page = [], pages[-1]
    backward[:0] = [row.pk for row in page.rows]
    while page.previous_cursor:
        page = keyset_page(qs, page.previous_cursor, size=size, order=order, load=load)
        backward[:0] = [row.pk for row in page.rows]
    assert page.is_first
    return forward, backward


@HYPOTHESIS
@given(rows=ROWS, order=st.sampled_from(ORDERS), size=st.integers(1, 5), load=st.booleans())
def test_the_page_helper_visits_every_row_once_in_order(world, rows, order, size, load):
    with transaction.atomic():
        make_rows(world, rows)
        loader = (lambda ids: ServiceRequest.objects.filter(pk__in=ids)) if load else None
        forward, backward = walk_pages(ServiceRequest.objects.all(), order, size, loader)
        assert forward == backward == expected(order)
        transaction.set_rollback(True)


@HYPOTHESIS
@given(rows=ROWS, order=st.sampled_from(ORDERS), chunk=st.integers(1, 4))
def test_the_export_iterator_reads_every_row_once_in_order(world, rows, order, chunk):
    with transaction.atomic():
        make_rows(world, rows)
        assert [sr.pk for sr in keyset_rows(ServiceRequest.objects.all(), order, chunk=chunk)] == expected(order)
        transaction.set_rollback(True)


def api_pages(client, query) -> tuple[list[int], list[int]]:
    """The desk API's rows through its `next` links to the end, then back by `previous`."""
    forward, body = [], client.get("/api/requests/", query).json()
    forward += [row["id"] for row in body["results"]]
    assert body["previous"] is None
    while body["next"]:
        body = client.get(body["next"]).json()
        forward += [row["id"] for row in body["results"]]
    backward = [row["id"] for row in body["results"]]
    while body["previous"]:
        link = urlsplit(body["previous"])
        assert parse_qs(link.query)["ordering"] == [query["ordering"]]  # the links keep the query
        body = client.get(body["previous"]).json()
        backward[:0] = [row["id"] for row in body["results"]]
    return forward, backward


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, ordering=st.sampled_from(["-created_at", "due_at"]), size=st.integers(1, 4))
def test_the_api_class_visits_every_row_once_in_order(world, rows, ordering, size):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=world.cs)[0].key}")
    with transaction.atomic():
        make_rows(world, rows)
        forward, backward = api_pages(client, {"ordering": ordering, "page_size": size})
        order = ("-created_at", "-id") if ordering == "-created_at" else ("due_at", "id")
        assert forward == backward == expected(order)
        transaction.set_rollback(True)


def test_a_bad_cursor_is_the_first_page_on_pages_and_404_in_the_api(world):
    made = [world.register(title=f"投诉{i}") for i in range(3)]
    qs = ServiceRequest.objects.all()
    other_order = keyset_page(qs, None, size=1, order=("id",)).next_cursor  # a real cursor, of another order
    for bad in ["x", "%%%", "bm90IGpzb24", other_order]:
        page = keyset_page(qs, bad, size=2)
        assert page.is_first and [r.pk for r in page.rows] == [made[2].pk, made[1].pk]
        with pytest.raises(InvalidCursor):
            keyset_page(qs, bad, size=2, strict=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.cs).key}")
    assert client.get("/api/requests/", {"cursor": "x"}).status_code == 404
    assert client.get("/api/requests/", {"cursor": other_order}).status_code == 404
    due_first = client.get("/api/requests/", {"ordering": "due_at", "cursor": other_order})
    assert due_first.status_code == 404


@pytest.mark.parametrize(
    "order",
    [(), ("-created_at", "id"), ("created_at",), ("due_at", "-id"), ("nonesuch", "id")],
)
def test_an_order_without_one_direction_or_a_unique_last_field_is_refused(db, order):
    with pytest.raises(ValueError):
        keyset_page(ServiceRequest.objects.all(), None, order=order)


def test_the_next_page_is_one_row_value_comparison_on_postgresql(world):
    """The SQL shape docs/performance.md measured: `WHERE (created_at, id) < (…) ORDER BY
    created_at DESC, id DESC LIMIT 26`, which PostgreSQL answers from the index at any depth."""
    if connection.vendor != "postgresql":
        pytest.skip("row values are compared by PostgreSQL; SQLite gets the equivalent AND/OR")
    for i in range(3):
        world.register(title=f"投诉{i}")
    first = keyset_page(ServiceRequest.objects.all(), None, size=1)
    with CaptureQueriesContext(connection) as queries:
        keyset_page(ServiceRequest.objects.all(), first.next_cursor, size=1)
    sql = queries[0]["sql"]
    table = '"desk_servicerequest"'
    assert f'({table}."created_at", {table}."id") < (' in sql
    assert sql.endswith(f'ORDER BY {table}."created_at" DESC, {table}."id" DESC LIMIT 2')
