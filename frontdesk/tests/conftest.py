import pytest

from frontdesk.services import PassApplication, WalkIn

ID_CARD = "11010519491231002X"  # a well-formed sample number (check digit correct)


@pytest.fixture
def walk_in(world):
    def make(**kw):
        data = dict(
            room_id=world.room.pk,
            name="周访客",
            purpose="探亲",
            agreed_by="张三",
            agreed_via="phone",
            id_type="id_card",
            id_number=ID_CARD,
            phone="13600001234",
        )
        data.update(kw)
        return WalkIn(**data)

    return make


@pytest.fixture
def application(world):
    def make(**kw):
        from django.utils import timezone

        data = dict(
            room_id=world.room.pk,
            valid_on=timezone.localdate(),
            carrier_name="搬家师傅",
            carrier_id_number=ID_CARD,
            items=[("沙发", 1), ("纸箱", 5)],
            applicant_id=world.resident.pk,
            authorised_via="phone",
        )
        data.update(kw)
        return PassApplication(**data)

    return make


@pytest.fixture
def room_tenant(world):
    """A tenant of 3-2-1502 today (no account): the desk applies for goods passes on their behalf."""
    from tests.factories import make_resident

    return make_resident(world.room, "租客", "13500001111", relation="tenant")
