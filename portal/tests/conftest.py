import pytest

from core.choices import Role
from estate.choices import Relation
from tests.factories import make_resident, make_user


class Cast:
    """Owner, family member and tenant of 3-2-1502; a resident of another building; staff."""

    def __init__(self, world):
        self.world = world
        self.owner = world.resident_user
        self.family = make_user("fam", Role.RESIDENT, company=world.company)
        make_resident(world.room, "张小三", "13811112222", relation=Relation.FAMILY, user=self.family)
        self.tenant = make_user("ten", Role.RESIDENT, company=world.company)
        make_resident(world.room, "租客王", "13811113333", relation=Relation.TENANT, user=self.tenant)
        self.other = make_user("oth", Role.RESIDENT, company=world.company)
        world.other_resident.user = self.other
        world.other_resident.save(update_fields=["user"])
        self.staff = world.cs


@pytest.fixture
def cast(world):
    return Cast(world)
