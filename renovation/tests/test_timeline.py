"""The household timeline (一户一档) shows a room's renovation events, in one query, scoped."""

import pytest

from estate.timeline import room_timeline, sources
from renovation.choices import State
from renovation.tests.helpers import drive
from renovation.timeline_items import renovation_entries

pytestmark = pytest.mark.django_db


def test_renovation_events_on_the_household_timeline(world, django_assert_num_queries):
    """One query is the timeline source's documented contract (estate/timeline.py: each source
    answers with ONE query, never one per entry)."""
    r = drive(world, State.IN_PROGRESS)
    assert "renovation" in [s.code for s in sources()]
    with django_assert_num_queries(1):
        entries = renovation_entries(room=world.room, user=world.cs, limit=50)
    assert [e.title.split(" · ")[0] for e in entries][:1] == ["发放装修许可证"]
    assert all(e.url == f"/renovation/{r.pk}/" for e in entries)
    assert entries == sorted(entries, key=lambda e: e.at, reverse=True)
    assert len(renovation_entries(room=world.room, user=world.cs, limit=2)) == 2
    merged = room_timeline(room=world.room, user=world.cs, only={"renovation"})
    assert len(merged) == len(entries)


def test_timeline_is_scoped(world):
    drive(world, State.SUBMITTED)
    assert renovation_entries(room=world.room, user=world.outsider, limit=50) == []
    assert len(renovation_entries(room=world.room, user=world.resident_user, limit=50)) == 1
