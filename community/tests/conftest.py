from datetime import timedelta

import pytest
from django.utils import timezone

from community import services
from core.choices import Role
from tests.factories import make_resident, make_room, make_user


@pytest.fixture
def far_resident(world):
    """A resident with an account in another building (5) of the same project."""
    room = make_room(world.project, "5", "1", "0101")
    user = make_user("far", Role.RESIDENT, company=world.company)
    make_resident(room, "周七", "13600003333", user=user)
    return user


@pytest.fixture
def neighbour_user(world):
    """An account for world.neighbour (room2, same building as world.room)."""
    user = make_user("neighbour", Role.RESIDENT, company=world.company)
    world.neighbour.user = user
    world.neighbour.save()
    return user


@pytest.fixture
def make_notice(world):
    def make(actor=None, **kw):
        data = dict(project_id=world.project.pk, title="停水通知", body="明天9点至12点停水。")
        data.update(kw)
        return services.announcement_create(actor=actor or world.cs, data=services.NoticeData(**data))

    return make


@pytest.fixture
def make_activity(world):
    def make(actor=None, **kw):
        now = timezone.now()
        data = dict(
            project_id=world.project.pk,
            title="中秋游园会",
            starts_at=now + timedelta(days=3),
            place="中心花园",
            capacity=2,
            signup_deadline=now + timedelta(days=2),
        )
        data.update(kw)
        return services.activity_create(actor=actor or world.cs, data=services.ActivityData(**data))

    return make
