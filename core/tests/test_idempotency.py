"""`Idempotency-Key` on the API's POSTs (core/idempotency.py): one mechanism, on every POST route."""

import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.views import APIView

from core import idempotency
from core.models import IdempotencyKey
from frontdesk.models import Parcel

pytestmark = pytest.mark.django_db

# POST routes that need no key: the token sign-in has no user yet to keep a key for.
EXEMPT = {"api:token"}


@pytest.fixture
def api():
    return APIClient()


def _post(api, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post(reverse("frontdesk:api-parcels"), body, format="json", **headers)


def test_the_same_key_and_body_makes_one_record_and_answers_the_same(api, world):
    api.force_authenticate(world.guard)
    body = {"room": world.room.pk, "tracking_number": "SF1", "carrier": "顺丰"}
    first = _post(api, body, "gate-7-0001")
    again = _post(api, {"carrier": "顺丰", "tracking_number": "SF1", "room": world.room.pk}, "gate-7-0001")
    assert first.status_code == again.status_code == 201
    assert again.data == first.data and again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Parcel.objects.filter(tracking_number="SF1").count() == 1


def test_the_same_key_with_another_body_is_409_and_changes_nothing(api, world):
    api.force_authenticate(world.guard)
    _post(api, {"room": world.room.pk, "tracking_number": "SF1"}, "k1")
    response = _post(api, {"room": world.room.pk, "tracking_number": "SF2"}, "k1")
    assert response.status_code == 409 and response.data["code"] == "conflict"
    assert "幂等键" in response.data["detail"]
    assert not Parcel.objects.filter(tracking_number="SF2").exists()


def test_the_same_key_on_another_endpoint_is_409(api, world):
    api.force_authenticate(world.guard)
    _post(api, {"room": world.room.pk, "tracking_number": "SF1"}, "k1")
    response = api.post(
        reverse("frontdesk:api-parcel-collect"),
        {"room": world.room.pk, "tracking_number": "SF1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert response.status_code == 409


def test_without_a_key_each_post_does_the_work(api, world):
    api.force_authenticate(world.guard)
    body = {"room": world.room.pk, "tracking_number": "SF1"}
    assert _post(api, body).status_code == _post(api, body).status_code == 201
    assert Parcel.objects.filter(tracking_number="SF1").count() == 2
    assert not IdempotencyKey.objects.exists()


def test_keys_are_kept_per_user(api, world):
    body = {"room": world.room.pk, "tracking_number": "SF1"}
    api.force_authenticate(world.guard)
    _post(api, body, "shared")
    api.force_authenticate(world.cs)
    assert "Idempotent-Replayed" not in _post(api, body, "shared")
    assert _post(api, {**body, "tracking_number": "SF3"}, "shared").status_code == 409
    assert Parcel.objects.filter(tracking_number="SF1").count() == 2


def test_a_refusal_is_not_stored_and_frees_the_key(api, world):
    api.force_authenticate(world.guard)
    refused = _post(api, {"room": world.other_room.pk, "tracking_number": "SF1"}, "k1")
    assert refused.status_code == 400 and not IdempotencyKey.objects.exists()
    fixed = _post(api, {"room": world.room.pk, "tracking_number": "SF1"}, "k1")
    assert fixed.status_code == 201 and IdempotencyKey.objects.get().status == 201


@pytest.mark.parametrize("key", ["x" * 65, "  ", "bad\nkey"])
def test_a_bad_key_is_a_400_naming_the_header(api, world, key):
    api.force_authenticate(world.guard)
    response = _post(api, {"room": world.room.pk, "tracking_number": "SF1"}, key)
    assert response.status_code == 400 and "Idempotency-Key" in response.data["errors"]
    assert not Parcel.objects.exists()


def test_an_expired_key_is_free_again_and_the_job_purges_it(api, world):
    api.force_authenticate(world.guard)
    _post(api, {"room": world.room.pk, "tracking_number": "SF1"}, "k1")
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    again = _post(api, {"room": world.room.pk, "tracking_number": "SF2"}, "k1")
    assert again.status_code == 201 and Parcel.objects.count() == 2
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert idempotency.purge_expired() == 1 and not IdempotencyKey.objects.exists()


def test_anonymous_is_refused_before_any_key_is_kept(api, world):
    response = _post(api, {"room": world.room.pk, "tracking_number": "SF1"}, "k1")
    assert response.status_code in (401, 403) and not IdempotencyKey.objects.exists()


# ---------------------------------------------------------------- every POST route


def _api_post_routes():
    """(name, route, view class) of every DRF view that accepts POST, over the whole URL tree."""
    found = []

    def walk(resolver, prefix, namespace):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                walk(p, prefix + str(p.pattern), ":".join(filter(None, [namespace, p.namespace])))
            elif isinstance(p, URLPattern):
                cls = getattr(p.callback, "cls", None)
                if cls is None or not issubclass(cls, APIView):
                    continue
                actions = getattr(p.callback, "actions", None)
                posts = "post" in actions if actions is not None else hasattr(cls, "post")
                if posts:
                    name = f"{namespace}:{p.name}" if namespace else p.name
                    found.append((name, prefix + str(p.pattern), cls))

    walk(get_resolver(), "", "")
    return found


POST_ROUTES = _api_post_routes()


def test_the_walk_finds_the_api_post_routes():
    names = {name for name, _route, _cls in POST_ROUTES}
    assert {"api:request-list", "api:entry-list", "frontdesk:api-parcels", "api:request-dispatch"} <= names


@pytest.mark.parametrize(("name", "route", "cls"), POST_ROUTES, ids=[r[0] for r in POST_ROUTES])
def test_every_api_post_honours_the_key(api, world, monkeypatch, name, route, cls):
    """A key already answered is replayed, and a key used for another body is refused, before the
    route's own work: every POST route of the API goes through the one mechanism."""
    if name in EXEMPT:
        pytest.skip("no user to keep the key for")
    assert issubclass(cls, idempotency.Idempotent), f"{name} ({cls.__name__}) must mix in core.idempotency.Idempotent"
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)  # a router's regex group
    path = "/" + re.sub(r"<(?:\w+:)?\w+>", "1", path).replace("^", "").replace("$", "").replace("\\.", ".")
    # Who may use the route is the access matrix's business; here every route lets the caller in.
    monkeypatch.setattr(APIView, "check_permissions", lambda self, request: None)
    api.force_authenticate(world.cs)
    request = type("R", (), {})()
    request.method, request.data, request.FILES = "POST", {"a": 1}, {}
    request.get_full_path = lambda: path
    IdempotencyKey.objects.create(
        user=world.cs,
        key="walk",
        fingerprint=idempotency.fingerprint(request),
        method="POST",
        path=path,
        status=201,
        body={"stored": name},
        expires_at=timezone.now() + timedelta(hours=1),
    )
    replayed = api.post(path, {"a": 1}, format="json", HTTP_IDEMPOTENCY_KEY="walk")
    assert (replayed.status_code, replayed.json(), replayed["Idempotent-Replayed"]) == (201, {"stored": name}, "true")
    other = api.post(path, {"a": 2}, format="json", HTTP_IDEMPOTENCY_KEY="walk")
    assert other.status_code == 409


# ---------------------------------------------------------------- at the same instant (PostgreSQL)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once: PostgreSQL")
def test_two_posts_with_one_key_at_once_do_the_work_once(world):
    body = {"room": world.room.pk, "tracking_number": "SF1"}
    results, start = [], threading.Barrier(2)

    def send():
        client = APIClient()
        client.force_authenticate(world.guard)
        start.wait()
        results.append(_post(client, body, "same-instant"))
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in results) == [201, 201]
    assert Parcel.objects.filter(tracking_number="SF1").count() == 1
    assert len({r.data["id"] for r in results}) == 1
