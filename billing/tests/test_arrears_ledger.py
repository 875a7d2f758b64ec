"""The arrears ledger (欠费台账): aging by due date, disputed amounts apart, filters, the roll-up to
buildings, and that it reads open bills only, in a fixed number of queries."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from billing.choices import DunningStepKind
from billing.ledger import BUCKETS, Filters, bucket_of, building_ledger, room_arrears, room_ledger
from billing.models import DunningStep
from billing.tests.arrears_factories import fee_item, make_bill, pay
from tests.factories import make_room

TODAY = date(2026, 12, 7)


@pytest.fixture
def item(world):
    return fee_item(world.company)


def due(days_ago: int) -> date:
    return TODAY - timedelta(days=days_ago)


def bill(room, item, amount, days_overdue, **kw):
    due_on = due(days_overdue)
    return make_bill(room, [(item, amount)], period_start=due_on.replace(day=1), due_on=due_on, **kw)


@pytest.mark.parametrize(
    ("days", "key"),
    [(0, None), (-5, None), (1, "d30"), (30, "d30"), (31, "d90"), (90, "d90"), (91, "d180"), (180, "d180")]
    + [(181, "d365"), (365, "d365"), (366, "over"), (2000, "over")],
)
def test_buckets_by_days_past_due(days, key):
    found = bucket_of(days)
    assert (found.key if found else None) == key


@given(st.integers(min_value=1, max_value=5000))
def test_every_overdue_day_falls_in_exactly_one_bucket(days):
    hits = [b for b in BUCKETS if days >= b.low and (b.high is None or days <= b.high)]
    assert len(hits) == 1 and bucket_of(days) == hits[0]


def test_room_rows_age_each_bill_and_keep_disputed_apart(world, item):
    bill(world.room, item, 10000, 10)
    bill(world.room, item, 20000, 45)
    bill(world.room, item, 30000, 400)
    bill(world.room, item, 5000, 200, disputed=True, dispute_reason="面积有误")
    bill(world.room, item, 7000, -3)  # not yet due: not arrears
    partly = bill(world.room2, item, 8000, 100)
    pay(world.room2, 3000, bills=[partly])
    ledger = room_ledger(world.project.pk, today=TODAY)
    rows = {r.name: r for r in ledger.rows}
    assert set(rows) == {"3-2-1502", "3-2-1501"}
    r = rows["3-2-1502"]
    assert r.cells == [10000, 20000, 0, 0, 30000]
    assert (r.disputed, r.undisputed, r.total) == (5000, 60000, 65000)
    assert r.oldest_due == due(400)
    assert rows["3-2-1501"].cells == [0, 0, 5000, 0, 0]
    assert ledger.totals.cells == [10000, 20000, 5000, 0, 30000] and ledger.totals.total == 70000
    assert r.owner == "张三" and rows["3-2-1501"].owner == "李四"


def test_paid_and_other_projects_bills_are_not_arrears(world, item):
    paid = bill(world.room, item, 10000, 40)
    pay(world.room, 10000, bills=[paid])
    bill(world.other_room, fee_item(world.company, "wuye"), 10000, 40)
    assert room_ledger(world.project.pk, today=TODAY).rows == []
    assert building_ledger(world.project.pk, today=TODAY).totals.total == 0


def test_buildings_roll_up_their_rooms(world, item):
    other_building = make_room(world.project, "5", "1", "101")
    bill(world.room, item, 10000, 10)
    bill(world.room2, item, 20000, 100)
    bill(other_building, item, 40000, 500)
    ledger = building_ledger(world.project.pk, today=TODAY)
    assert [(r.name, r.rooms, r.total) for r in ledger.rows] == [("3", 2, 30000), ("5", 1, 40000)]
    assert ledger.rows[0].cells == [10000, 0, 20000, 0, 0]
    assert ledger.totals.rooms == 3 and ledger.totals.total == 70000


def test_filters_building_minimum_amount_and_age(world, item):
    other_building = make_room(world.project, "5", "1", "101")
    bill(world.room, item, 10000, 10)
    bill(world.room2, item, 20000, 100)
    bill(other_building, item, 40000, 500)

    def names(**kw):
        return sorted(r.name for r in room_ledger(world.project.pk, today=TODAY, filters=Filters(**kw)).rows)

    assert names(building_id=other_building.building_id) == ["5-1-101"]
    assert names(min_fen=20000) == ["3-2-1501", "5-1-101"]
    assert names(min_days=91) == ["3-2-1501", "5-1-101"]
    assert names(min_days=366) == ["5-1-101"]
    assert building_ledger(world.project.pk, today=TODAY, filters=Filters(min_days=91)).totals.rooms == 2


def test_orders_and_limit(world, item):
    bill(world.room, item, 10000, 10)
    bill(world.room2, item, 20000, 100)
    by_owed = room_ledger(world.project.pk, today=TODAY, order="owed")
    assert [r.name for r in by_owed.rows] == ["3-2-1501", "3-2-1502"]
    by_age = room_ledger(world.project.pk, today=TODAY, order="age", limit=1)
    assert [r.name for r in by_age.rows] == ["3-2-1501"] and by_age.truncated
    assert by_age.totals.total == 30000  # the totals cover every row, shown or not


def test_the_ledger_takes_a_fixed_number_of_queries(world, item):
    for i in range(12):
        room = make_room(world.project, "7", "1", f"{i + 1}01")
        bill(room, item, 1000 * (i + 1), 20 * i + 1)
        DunningStep.objects.create(
            project=world.project, room=room, kind=DunningStepKind.PHONE, owed_fen=1, by=world.cs
        )
    with CaptureQueriesContext(connection) as building_queries:
        building_ledger(world.project.pk, today=TODAY)
    with CaptureQueriesContext(connection) as room_queries:
        ledger = room_ledger(world.project.pk, today=TODAY)
    assert len(ledger.rows) == 12
    assert len(building_queries) == 2  # the aggregate, the building names
    assert len(room_queries) == 4  # the aggregate, owners, last steps, plans
    assert {r.last_step.get_kind_display() for r in ledger.rows} == {"电话催缴"}
    assert all(r.last_step.at.tzinfo is not None for r in ledger.rows)


def test_room_arrears_sums_owed_overdue_disputed(world, item):
    bill(world.room, item, 10000, 10)
    bill(world.room, item, 5000, 200, disputed=True, dispute_reason="面积有误")
    bill(world.room, item, 7000, -3)
    a = room_arrears(world.room, today=TODAY)
    assert (a.owed, a.overdue, a.disputed, a.dunnable) == (22000, 10000, 5000, 17000)
    assert [b.bucket.key if b.bucket else None for b in a.bills] == ["d365", "d30", None]
    assert a.late_fee is None  # off by default
    assert not a.all_disputed
