"""core/sessions: a save of what this request already wrote is skipped, any change is written
(also a value changed in place), and a new key is not looked up before its insert."""

from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.sessions.db import SessionStore


def _statements(call):
    with CaptureQueriesContext(connection) as q:
        call()
    return [s["sql"].split()[0] for s in q.captured_queries if "django_session" in s["sql"]]


def test_a_new_session_is_one_insert_and_saving_it_again_unchanged_writes_nothing(db):
    store = SessionStore()
    store["cart"] = [1]
    assert _statements(store.save) == ["INSERT"]
    assert _statements(store.save) == []
    assert Session.objects.get(session_key=store.session_key).get_decoded() == {"cart": [1]}


def test_a_value_changed_in_place_is_written(db):
    store = SessionStore()
    store["cart"] = [1]
    store.save()
    store["cart"].append(2)  # the same list object: only its serialized form shows the change
    store.modified = True
    assert _statements(store.save) == ["UPDATE"]
    assert SessionStore(session_key=store.session_key).load() == {"cart": [1, 2]}


def test_a_key_already_taken_is_refused_by_the_insert_and_another_is_drawn(db, monkeypatch):
    taken = SessionStore()
    taken["who"] = "first"
    taken.save()
    keys = iter([taken.session_key, "k" * 32])
    store = SessionStore()
    monkeypatch.setattr(store, "_get_new_session_key", lambda: next(keys))
    store["who"] = "second"
    store.save()
    assert store.session_key == "k" * 32
    assert SessionStore(session_key=taken.session_key).load() == {"who": "first"}
