"""`Idempotency-Key` on every POST of the API: one mechanism, one mixin (`Idempotent`).

A client that may send a POST twice (a gate device on a flaky network, a retrying integration)
sends a key of its choosing with it (at most 64 visible characters). The key is kept per user
(a user belongs to one company) with a fingerprint of what was asked: the method, the path and the
body (JSON canonicalised: the order of an object's fields does not matter; uploaded files by their
content). Then:

- the same key with the same request answers what the first answered (its status and body, header
  `Idempotent-Replayed: true`) and does nothing again;
- the same key with another request (another body, or another endpoint) is refused: 409;
- the same key while the first request is still running waits for it (PostgreSQL: up to
  `WAIT_SECONDS`, then 409 "still running"; SQLite serialises writers anyway) and then replays;
- no key: the POST runs as it always did.

How: with a key, the whole POST runs in one transaction that starts by inserting the key's row
(`IdempotencyKey`) and ends by storing the answer on it. The unique index (user, key) makes a
second request with the key wait for the first's transaction; if that committed, the second finds
the stored answer; if the first failed, its row went with it and the second runs. So a stored
answer exists exactly when the work committed: no key is left "running" by a crashed worker.
Only a success (2xx) is stored; a refusal (4xx) releases the key, so the client may correct the
request and send it again under the same key, and what the refusal itself recorded (the gate's
refused check) is kept. Keys expire after `TTL` (24 hours); `purge_expired` deletes them (core/tasks.py,
hourly).

Every API view that accepts POST mixes in `Idempotent` (core/tests/test_idempotency.py walks the
URLs and fails for one that does not); the only exception is the token sign-in (no user yet).
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from core.errors import Conflict

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY = 64
TTL = timedelta(hours=24)
WAIT_SECONDS = 10
METHODS = frozenset({"POST"})

KEY_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    description=(
        "Optional, at most 64 visible characters, kept 24 hours per user. The same key with the same "
        "request answers the first answer again (header Idempotent-Replayed: true) without doing the "
        "work twice; the same key with another request: 409."
    ),
)


def check_key(value) -> str | None:
    """The header's key, or None when none was sent; a key that is too long, blank or has control
    characters is a field error (400)."""
    if value is None or value == "":
        return None
    key = str(value)
    if len(key) > MAX_KEY or not key.isprintable() or not key.strip():
        raise ValidationError({HEADER: [_("幂等键最长 64 个可见字符。")]})
    return key


def _plain(data):
    if isinstance(data, QueryDict):
        return {k: [_plain(v) for v in data.getlist(k)] for k in sorted(data)}  # a multipart's files by content
    if hasattr(data, "read") and hasattr(data, "chunks"):  # an uploaded file: its name and content
        digest = hashlib.sha256()
        for chunk in data.chunks():
            digest.update(chunk)
        data.seek(0)
        return {"file": getattr(data, "name", ""), "sha256": digest.hexdigest()}
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_plain(v) for v in data]
    return data


def fingerprint(request) -> str:
    """The request as a hash: method, path with its query, and the parsed body (JSON objects in a
    canonical order; form fields as lists; files by content)."""
    body = _plain(request.data)
    if request.FILES:
        body = {
            "data": body,
            "files": {k: [_plain(f) for f in request.FILES.getlist(k)] for k in sorted(request.FILES)},
        }
    raw = json.dumps(
        [request.method, request.get_full_path(), body],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        cls=JSONEncoder,
    )
    return hashlib.sha256(raw.encode()).hexdigest()


class Replay(Exception):
    """The key already answered this request: give the stored answer."""

    def __init__(self, record):
        super().__init__(record.key)
        self.record = record

    def response(self) -> Response:
        return Response(self.record.body, status=self.record.status, headers={REPLAYED_HEADER: "true"})


def _insert(record) -> bool:
    """Insert the key's row in a savepoint; False when the key is already taken (after waiting for a
    transaction that holds it). On PostgreSQL the wait is bounded by `WAIT_SECONDS`."""
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{WAIT_SECONDS}s"])
            record.save(force_insert=True)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)", ["0"])
        return True
    except IntegrityError:
        return False
    except OperationalError as exc:
        if getattr(getattr(exc, "__cause__", None), "sqlstate", "") == "55P03":  # lock_not_available
            raise Conflict(_("使用这个幂等键的上一个请求仍在处理中，请稍后用同一个键重试。")) from exc
        raise


def claim(request, key: str):
    """Take `key` for this request (inside the POST's transaction), or raise: Replay with the stored
    answer, Conflict when the key belongs to another request."""
    from core.models import IdempotencyKey

    user = request.user
    now = timezone.now()
    record = IdempotencyKey(
        user_id=user.pk,
        company_id=getattr(user, "company_id", None),
        key=key,
        fingerprint=fingerprint(request),
        method=request.method,
        path=request.get_full_path()[:500],
        created_at=now,
        expires_at=now + TTL,
    )
    for _attempt in range(2):
        if _insert(record):
            return record
        found = IdempotencyKey.objects.filter(user_id=user.pk, key=key).first()
        if found is None:  # released meanwhile: try again
            continue
        if found.expires_at <= now:  # expired: the key is free again
            IdempotencyKey.objects.filter(pk=found.pk).delete()
            continue
        if found.fingerprint != record.fingerprint:
            raise Conflict(
                _("这个幂等键已用于另一个不同的请求（%(method)s %(path)s），本次请求未执行。请换一个新键。")
                % {"method": found.method, "path": found.path}
            )
        if found.status is None:
            raise Conflict(_("使用这个幂等键的上一个请求仍在处理中，请稍后用同一个键重试。"))
        raise Replay(found)
    raise Conflict(_("使用这个幂等键的上一个请求仍在处理中，请稍后用同一个键重试。"))


def finish(record, response) -> None:
    """Store a success's answer on the key; release the key after a refusal (nothing done, or only
    what the refusal itself records)."""
    if record is None or transaction.get_rollback():
        return  # the transaction is lost anyway: the key's row goes with it
    if 200 <= response.status_code < 300:
        record.status = response.status_code
        record.body = json.loads(json.dumps(response.data, cls=JSONEncoder, ensure_ascii=False))
        record.save(update_fields=["status", "body"])
    else:
        type(record).objects.filter(pk=record.pk).delete()


def purge_expired(now=None) -> int:
    """Delete the keys past their expiry; how many."""
    from core.models import IdempotencyKey

    deleted, _by_model = IdempotencyKey.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


class Idempotent:
    """Mix into every API view (APIView, GenericAPIView, ViewSet) that accepts POST: its POSTs honour
    `Idempotency-Key`. The key is taken after authentication, permissions and throttles (a replay is
    answered only to someone who may still ask), before the handler runs."""

    idempotent = True

    def dispatch(self, request, *args, **kwargs):
        if request.method not in METHODS or not request.headers.get(HEADER):
            return super().dispatch(request, *args, **kwargs)
        self._idempotency = None
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            finish(self._idempotency, response)
        return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in METHODS:
            key = check_key(request.headers.get(HEADER))
            if key is not None:
                self._idempotency = claim(request, key)

    def handle_exception(self, exc):
        if isinstance(exc, Replay):
            return exc.response()
        return super().handle_exception(exc)


class Schema(AutoSchema):
    """drf-spectacular's schema, with the `Idempotency-Key` header on every POST of an `Idempotent`
    view (the project's DEFAULT_SCHEMA_CLASS)."""

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "POST" and getattr(self.view, "idempotent", False):
            parameters.append(KEY_PARAMETER)
        return parameters
