"""Sending: signed POSTs to a local receiver, retries with backoff after 500s, timeouts, the private
address refused at delivery, claims two workers cannot share, and switching off a dead endpoint."""

import json
import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from core.choices import Role
from core.events import Event
from core.models import Notification
from tests.factories import make_user
from webhooks import sending
from webhooks.choices import Status
from webhooks.models import Attempt, Delivery, Endpoint
from webhooks.tests.receiver import Receiver


def endpoint_for(world, url, events=("parcel.logged",), **extra) -> Endpoint:
    return Endpoint.objects.create(company=world.company, name="门禁系统", url=url, events=list(events), **extra)


def queue(endpoint, name="parcel.logged", payload=None) -> Delivery:
    event = Event(name=name, company_id=endpoint.company_id, payload=payload or {"parcel": {"id": 7}})
    return Delivery.objects.create(
        endpoint=endpoint, event_id=event.id, event=event.name, payload=sending.envelope(event)
    )


def later(delivery) -> timezone.datetime:
    delivery.refresh_from_db()
    return delivery.next_attempt_at + timedelta(seconds=1)


def test_a_signed_post_reaches_the_receiver_and_is_logged(world):
    with Receiver(secret="") as receiver:
        endpoint = endpoint_for(world, receiver.url)
        receiver.secret = endpoint.secret
        delivery = queue(endpoint)
        assert sending.drain() == 1
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED and delivery.attempts == 1 and delivery.response_code == 200
    assert delivery.response_body == '{"ok": true}' and delivery.delivered_at
    (got,) = receiver.received
    assert got["signed"] is True
    assert got["headers"]["X-PropDesk-Event"] == "parcel.logged"
    assert got["headers"]["X-PropDesk-Delivery"] == str(delivery.event_id)
    body = got["json"]
    assert body["id"] == str(delivery.event_id) and body["event"] == "parcel.logged"
    assert body["company"] == world.company.pk and body["data"] == {"parcel": {"id": 7}} and body["occurred_at"]


def test_a_wrong_secret_fails_the_receivers_check(world):
    with Receiver(secret="whsec_not-the-one") as receiver:
        queue(endpoint_for(world, receiver.url))
        sending.drain()
    assert receiver.received[0]["signed"] is False


def test_500s_are_retried_with_growing_waits_until_delivered(world, settings):
    settings.PROPDESK_WEBHOOK_RETRY_BASE = 30
    with Receiver(fail_first=3) as receiver:
        endpoint = endpoint_for(world, receiver.url)
        receiver.secret = endpoint.secret
        delivery = queue(endpoint)
        start = timezone.now()
        assert sending.drain(now=start) == 1
        delivery.refresh_from_db()
        assert delivery.status == Status.FAILED and delivery.response_code == 500 and delivery.error == "HTTP 500"
        assert delivery.next_attempt_at == start + timedelta(seconds=30)
        assert sending.drain(now=start + timedelta(seconds=10)) == 0  # not due yet: nothing sent
        waits = []
        for _try in range(3):
            now = later(delivery)
            waits.append((delivery.next_attempt_at - now).total_seconds())
            assert sending.drain(now=now) == 1
        delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED and delivery.attempts == 4
    assert [t.response_code for t in Attempt.objects.filter(delivery=delivery).order_by("pk")] == [500, 500, 500, 200]
    assert len(receiver.received) == 4 and all(r["signed"] for r in receiver.received)
    # the same event each time: one id, one body
    assert {r["headers"]["X-PropDesk-Delivery"] for r in receiver.received} == {str(delivery.event_id)}
    assert len({r["body"] for r in receiver.received}) == 1
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0  # the success set it back


def test_backoff_doubles_and_is_capped(settings):
    settings.PROPDESK_WEBHOOK_RETRY_BASE, settings.PROPDESK_WEBHOOK_RETRY_CAP = 30, 100
    assert [sending.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 100, 100]


def test_after_the_last_try_a_delivery_is_dead(world, settings):
    settings.PROPDESK_WEBHOOK_MAX_ATTEMPTS = 2
    with Receiver(status=503) as receiver:
        delivery = queue(endpoint_for(world, receiver.url))
        sending.drain()
        sending.drain(now=later(delivery))
    delivery.refresh_from_db()
    assert delivery.status == Status.DEAD and delivery.attempts == 2 and delivery.next_attempt_at is None
    assert sending.drain(now=timezone.now() + timedelta(days=1)) == 0


def test_a_hanging_receiver_is_a_timeout_not_a_stuck_worker(world, settings):
    settings.PROPDESK_WEBHOOK_TIMEOUT = 0.5
    with Receiver(hang=3) as receiver:
        delivery = queue(endpoint_for(world, receiver.url))
        sending.drain()
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED and delivery.error == "timeout"
    assert delivery.duration_ms < 2500 and delivery.response_code is None


def test_a_refused_connection_is_retried(world):
    with Receiver() as receiver:
        url = receiver.url
    delivery = queue(endpoint_for(world, url))  # the receiver is gone: nobody listens on the port
    sending.drain()
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED and "Connection" in delivery.error


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/hook", "http://10.0.0.5/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/"],
)
def test_a_private_address_is_refused_at_delivery_too(world, settings, url):
    """An endpoint saved while private addresses were allowed (or a name that now resolves inside):
    nothing is sent, the refusal is the delivery's error."""
    endpoint = endpoint_for(world, url)
    settings.PROPDESK_WEBHOOK_ALLOW_PRIVATE = False
    delivery = queue(endpoint)
    sending.drain()
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED and "不允许" in delivery.error


def test_the_connection_goes_to_the_checked_address(world, monkeypatch):
    """DNS rebinding: the name is resolved once, checked, and that address is the one connected to
    (the Host header keeps the name)."""
    from webhooks import addresses

    answers = iter(["127.0.0.1"])  # a second resolution would raise StopIteration
    monkeypatch.setattr(addresses, "resolve", lambda host, port: next(answers))
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        queue(endpoint_for(world, f"http://hooks.example.invalid:{port}/in"))
        sending.drain()
    (got,) = receiver.received
    assert got["headers"]["Host"] == f"hooks.example.invalid:{port}" and got["path"] == "/in"


def test_repeated_failures_switch_the_endpoint_off_and_tell_the_administrators(world, settings):
    settings.PROPDESK_WEBHOOK_DISABLE_AFTER = 3
    admin = make_user("admin", Role.COMPANY_ADMIN, company=world.company)
    with Receiver(status=500) as receiver:
        endpoint = endpoint_for(world, receiver.url)
        for _n in range(3):
            queue(endpoint)
        sending.drain()
        assert len(receiver.received) == 3
        queue(endpoint)
        assert sending.drain(now=timezone.now() + timedelta(days=1)) == 0  # off: nothing more is sent
    endpoint.refresh_from_db()
    assert not endpoint.active and endpoint.disabled_at and "3" in endpoint.disabled_reason
    (note,) = Notification.objects.filter(user=admin)
    assert endpoint.name in note.title and note.url == f"/webhooks/{endpoint.pk}/"
    assert not Notification.objects.filter(user=world.supervisor).exists()
    assert not sending.LISTENER.wants("parcel.logged", world.company.pk)


def test_a_claimed_row_is_not_sent_by_a_second_worker_until_its_claim_is_stale(world):
    with Receiver() as receiver:
        delivery = queue(endpoint_for(world, receiver.url))
        now = timezone.now()
        token, rows = sending.claim(now, 10)
        assert [r.pk for r in rows] == [delivery.pk]
        assert sending.drain(now=now) == 0  # the first worker holds it
        # the first worker was killed: after the stale time another takes it up
        assert sending.drain(now=now + sending.STALE_CLAIM + timedelta(seconds=1)) == 1
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED and len(receiver.received) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_draining_at_once_send_each_delivery_once(world):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL; SQLite serialises writers")
    with Receiver() as receiver:
        endpoint = endpoint_for(world, receiver.url)
        for n in range(40):
            queue(endpoint, payload={"n": n})
        errors = []

        def work():
            from django.db import connection

            try:
                while sending.drain(limit=5):
                    pass
            except Exception as exc:  # pragma: no cover - shown by the assert below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=work) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    sent = [json.loads(r["body"])["data"]["n"] for r in receiver.received]
    assert sorted(sent) == list(range(40))
    assert Delivery.objects.filter(status=Status.DELIVERED).count() == 40
