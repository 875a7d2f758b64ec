"""From an event to a signed POST: the listener core/events.py hands events to (one Delivery per
endpoint that takes the event), and `drain`, which the task queue's workers run to send what is due.

- Which companies take which events is kept per process (`subscriptions`), read again after
  PROPDESK_WEBHOOK_MAP_SECONDS or at once when an endpoint of this process is saved: a company
  without endpoints costs the desk's registration one dictionary lookup.
- Claiming: due rows are picked with SELECT … FOR UPDATE SKIP LOCKED (PostgreSQL) and stamped with
  this worker's token by an UPDATE that re-checks they are still unclaimed, so two workers never send
  one delivery at the same time; a claim older than STALE_CLAIM (a killed worker) is taken over.
- A failure (no connection, a timeout, an answer that is not 2xx) is retried after an exponential
  backoff; after PROPDESK_WEBHOOK_MAX_ATTEMPTS tries the delivery is dead. Each failed try counts on
  the endpoint; PROPDESK_WEBHOOK_DISABLE_AFTER failures in a row disable it and its company's
  administrators are told (a success sets the count back to 0).
"""

import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.events import Event
from webhooks import addresses
from webhooks.choices import PING, WAITING, Status
from webhooks.models import RESPONSE_EXCERPT, Attempt, Delivery, Endpoint

log = logging.getLogger("propdesk.webhooks")

STALE_CLAIM = timedelta(minutes=10)  # longer than a batch of 20 tries at the 5 s timeout


def _setting(name: str, default):
    return getattr(settings, name, default)


def max_attempts() -> int:
    return int(_setting("PROPDESK_WEBHOOK_MAX_ATTEMPTS", 8))


def disable_after() -> int:
    return int(_setting("PROPDESK_WEBHOOK_DISABLE_AFTER", 10))


def backoff(attempts: int) -> timedelta:
    """Wait after `attempts` failed tries: base, 2x, 4x … capped (the idea of core.notify.backoff)."""
    base = float(_setting("PROPDESK_WEBHOOK_RETRY_BASE", 30))
    cap = float(_setting("PROPDESK_WEBHOOK_RETRY_CAP", 6 * 3600))
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


# ---------------------------------------------------------------- who takes what (per process)

_lock = threading.Lock()
_map: dict[int, frozenset] = {}
_read_at = float("-inf")


def invalidate(**_kwargs) -> None:
    global _read_at
    _read_at = float("-inf")


def subscriptions() -> dict[int, frozenset]:
    """{company id: the events its active endpoints take}, read at most every few seconds."""
    global _map, _read_at
    if time.monotonic() - _read_at < float(_setting("PROPDESK_WEBHOOK_MAP_SECONDS", 5)):
        return _map
    with _lock:
        fresh: dict[int, set] = {}
        for company_id, events in Endpoint.objects.filter(active=True).values_list("company_id", "events"):
            fresh.setdefault(company_id, set()).update(events or ())
        _map = {c: frozenset(e) for c, e in fresh.items()}
        _read_at = time.monotonic()
    return _map


class WebhookListener:
    """Registered with core.events by webhooks/apps.py."""

    def wants(self, event: str, company_id: int) -> bool:
        taken = subscriptions().get(company_id)
        return taken is not None and event in taken

    def receive(self, events: list[Event]) -> None:
        rows = []
        for event in events:
            for endpoint in Endpoint.objects.filter(company_id=event.company_id, active=True):
                if event.name in endpoint.events:
                    rows.append(
                        Delivery(endpoint=endpoint, event_id=event.id, event=event.name, payload=envelope(event))
                    )
        if rows:
            Delivery.objects.bulk_create(rows)
            kick()


LISTENER = WebhookListener()


def envelope(event: Event) -> dict:
    return {
        "id": str(event.id),
        "event": event.name,
        "occurred_at": timezone.localtime(event.occurred_at).isoformat(),
        "company": event.company_id,
        "data": event.payload,
    }


def ping_envelope(endpoint: Endpoint) -> dict:
    event = Event(name=PING, company_id=endpoint.company_id, payload={"endpoint": endpoint.pk, "name": endpoint.name})
    return envelope(event)


def kick() -> None:
    """Ask a worker to send now (the periodic task picks up whatever this misses)."""
    try:
        from webhooks.tasks import deliver_webhooks

        deliver_webhooks()
    except Exception:  # the queue being down must not lose the rows: the periodic task sends them
        log.exception("could not enqueue the webhook task")


# ---------------------------------------------------------------- signing


def body_of(delivery: Delivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def headers_for(delivery: Delivery, secret: str, timestamp: int, body: bytes) -> dict:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "PropDesk-Webhooks/1",
        "X-PropDesk-Event": delivery.event,
        "X-PropDesk-Delivery": str(delivery.event_id),
        "X-PropDesk-Timestamp": str(timestamp),
        "X-PropDesk-Signature": f"sha256={signature(secret, timestamp, body)}",
    }


# ---------------------------------------------------------------- claiming and sending


def _due(now) -> Q:
    return Q(status__in=WAITING, endpoint__active=True, next_attempt_at__lte=now) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - STALE_CLAIM)
    )


def claim(now, limit: int, only=None) -> tuple[str, list[Delivery]]:
    token = uuid.uuid4().hex
    qs = Delivery.objects.filter(_due(now))
    if only is not None:
        qs = qs.filter(pk__in=only)
    with transaction.atomic():
        ids = qs.order_by("next_attempt_at", "pk").values_list("pk", flat=True)
        if connection.features.has_select_for_update_skip_locked:
            ids = ids.select_for_update(skip_locked=True, of=("self",))
        pks = list(ids[:limit])
        if not pks:
            return token, []
        Delivery.objects.filter(pk__in=pks).filter(
            Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - STALE_CLAIM)
        ).update(claimed_at=now, claim=token)
    return token, list(Delivery.objects.filter(claim=token).select_related("endpoint").order_by("pk"))


def drain(*, limit: int = 20, now=None, only=None) -> int:
    """Claim up to `limit` due deliveries, send each, and record the outcomes in one transaction
    (one commit for the batch, not two per delivery); returns how many were tried. A worker killed
    mid-batch leaves its claims to go stale: those deliveries are sent again (at least once; the
    receiver tells a repeat by X-PropDesk-Delivery)."""
    now = now or timezone.now()
    token, rows = claim(now, limit, only)
    if rows:
        _record([_attempt(delivery, now) for delivery in rows], token)
    return len(rows)


def drain_all(*, batch: int = 20, most: int = 5000) -> int:
    """What a worker runs: batches until nothing is due (or `most` were tried)."""
    done = 0
    while done < most:
        tried = drain(limit=batch)
        if not tried:
            break
        done += tried
    return done


def _attempt(delivery: Delivery, now) -> tuple[Delivery, Attempt, dict, bool]:
    """POST one delivery; what to record of it."""
    endpoint = delivery.endpoint
    body = body_of(delivery)
    timestamp = int(time.time())
    started = time.monotonic()
    code, text, error = None, "", ""
    try:
        headers = headers_for(delivery, endpoint.secret, timestamp, body)
        answer = addresses.post(endpoint.url, body, headers, excerpt=RESPONSE_EXCERPT)
        code, text, duration = answer.status, answer.body, answer.duration_ms
    except addresses.UnsafeAddress as exc:
        error, duration = str(exc), int((time.monotonic() - started) * 1000)
    except TimeoutError:
        error, duration = "timeout", int((time.monotonic() - started) * 1000)
    except Exception as exc:  # refused, reset, TLS, a broken answer: the same retry
        error, duration = f"{type(exc).__name__}: {exc}", int((time.monotonic() - started) * 1000)
    ok = code is not None and 200 <= code < 300
    if code is not None and not ok:
        error = f"HTTP {code}"
    if not ok:
        log.warning("webhook %s to %s failed (try %s): %s", delivery.pk, endpoint.url, delivery.attempts + 1, error)
    attempts = delivery.attempts + 1
    finished = timezone.now()
    attempt = Attempt(
        delivery=delivery, at=finished, timestamp=timestamp, response_code=code, response_body=text,
        error=error[:300], duration_ms=duration,
    )  # fmt: skip
    changes = {
        "attempts": attempts,
        "response_code": code,
        "response_body": text,
        "error": error[:300],
        "duration_ms": duration,
        "last_attempt_at": finished,
        "claimed_at": None,
        "claim": "",
    }
    if ok:
        changes |= {"status": Status.DELIVERED, "delivered_at": finished, "next_attempt_at": None}
    elif attempts >= max_attempts():
        changes |= {"status": Status.DEAD, "next_attempt_at": None}
    else:
        changes |= {"status": Status.FAILED, "next_attempt_at": now + backoff(attempts)}
    return delivery, attempt, changes, ok


def _record(outcomes: list, token: str) -> None:
    """The batch's attempts and outcomes, the endpoints' failure counts (in the order the tries
    happened) and endpoints switched off, in one transaction of a few statements: a commit per
    batch, not two per delivery. Rows whose claim went to another worker meanwhile are left alone."""
    with transaction.atomic():
        mine = []
        for outcome in outcomes:
            delivery, _a, changes, _ok = outcome
            # one UPDATE each (cheaper to build than bulk_update's CASE over every field)
            if Delivery.objects.filter(pk=delivery.pk, claim=token).update(**changes):
                for field, value in changes.items():
                    setattr(delivery, field, value)
                mine.append(outcome)
        Attempt.objects.bulk_create([a for _d, a, _c, _ok in mine])
        # per endpoint: a success sets the count back to 0, each failure after it adds one
        counts: dict[int, tuple[bool, int]] = {}
        for delivery, _a, _c, ok in mine:
            reset, failures = counts.get(delivery.endpoint_id, (False, 0))
            counts[delivery.endpoint_id] = (True, 0) if ok else (reset, failures + 1)
        endpoints = {d.endpoint_id: d.endpoint for d, *_rest in mine}
        for endpoint_id, (reset, failures) in sorted(counts.items()):
            rows = Endpoint.objects.filter(pk=endpoint_id)
            if reset:
                rows.exclude(consecutive_failures=failures).update(consecutive_failures=failures)
            if failures:
                if not reset:
                    rows.update(consecutive_failures=F("consecutive_failures") + failures)
                _maybe_disable(endpoints[endpoint_id])


def _maybe_disable(endpoint: Endpoint) -> None:
    limit = disable_after()
    if limit <= 0:
        return
    from django.utils.translation import gettext as _

    reason = _("连续 %(n)s 次发送失败，已自动停用。") % {"n": limit}
    # one worker wins the compare-and-swap and tells the administrators
    disabled = Endpoint.objects.filter(pk=endpoint.pk, active=True, consecutive_failures__gte=limit).update(
        active=False, disabled_at=timezone.now(), disabled_reason=reason
    )
    if disabled:
        transaction.on_commit(invalidate)
        from webhooks.services import tell_disabled

        tell_disabled(endpoint, reason)
