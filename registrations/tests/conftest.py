from datetime import date

import pytest

from estate.choices import RoomState
from tests.factories import make_room


@pytest.fixture
def vacant_room(world):
    room = make_room(world.project, "5", "1", "0801")
    room.state = RoomState.VACANT
    room.save()
    return room


@pytest.fixture
def day():
    return date(2026, 11, 20)
