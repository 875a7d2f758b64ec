"""Two cashiers paying the same bill at the same instant (PostgreSQL): the room's Account row lock
serialises them; the second sees what the first paid."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from billing.choices import BillState, Method
from billing.models import Account, Bill, Entry
from billing.services import entry_reverse, payment_post
from billing.tests.books import check_books
from billing.tests.conftest import Fees, make_bill
from desk.tests.test_numbers import run_threads

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL; SQLite serialises writers")


def test_two_cashiers_picking_the_same_bill_one_is_told_it_is_paid(postgresql_only, world):
    Fees(world)
    for _round in range(3):
        bill = make_bill(world.room, 10000)
        cashiers = [world.cs, world.cs2]

        def work(i, bill=bill, cashiers=cashiers):
            return payment_post(
                actor=cashiers[i], room=world.room, amount_fen=10000, method=Method.CASH, bill_ids=[bill.pk]
            )

        results, errors = run_threads(2, work)
        assert len(errors) == 1 and isinstance(errors[0], ValidationError) and "已缴清" in str(errors[0])
        bill.refresh_from_db()
        assert (bill.paid_fen, bill.state) == (10000, BillState.PAID)
    assert Entry.objects.count() == 3
    check_books()


def test_two_cashiers_paying_the_same_room_at_once_the_second_payment_becomes_prepaid(postgresql_only, world):
    Fees(world)
    bill = make_bill(world.room, 10000)

    def work(i):
        return payment_post(actor=[world.cs, world.finance][i], room=world.room, amount_fen=10000, method=Method.CASH)

    results, errors = run_threads(2, work)
    assert errors == []
    bill.refresh_from_db()
    assert (bill.paid_fen, bill.state) == (10000, BillState.PAID)
    assert Account.objects.get(room=world.room).balance_fen == 10000
    assert sorted(e.rest_fen for e in results) == [0, 10000]
    check_books()


def test_a_payment_and_its_reversal_at_once_leave_consistent_books(postgresql_only, world):
    Fees(world)
    make_bill(world.room, 10000)
    make_bill(world.room, 8000)
    first = payment_post(actor=world.cs, room=world.room, amount_fen=10000, method=Method.CASH)

    def work(i):
        if i == 0:
            return entry_reverse(actor=world.finance, entry=first, reason="错")
        return payment_post(actor=world.cs2, room=world.room, amount_fen=12000, method=Method.CARD)

    results, errors = run_threads(2, work)
    assert errors == []
    assert sum(b.paid_fen for b in Bill.objects.all()) == 12000
    check_books()


def test_the_same_idempotency_key_twice_at_once_posts_one_payment(postgresql_only, world):
    Fees(world)
    make_bill(world.room, 10000)

    def work(i):
        return payment_post(
            actor=world.cs, room=world.room, amount_fen=5000, method=Method.CASH, idempotency_key="same"
        )

    results, errors = run_threads(2, work)
    assert errors == [] and results[0].pk == results[1].pk
    assert Entry.objects.count() == 1
    check_books()
