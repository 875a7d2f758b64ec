from datetime import time

import pytest

from duty.models import CountedThing, Key, Shift


@pytest.fixture
def shifts(world):
    p = world.project
    return {
        "early": Shift.objects.create(project=p, name="早班", start=time(8), end=time(16), order=1),
        "middle": Shift.objects.create(project=p, name="中班", start=time(16), end=time(0), order=2),
        "night": Shift.objects.create(project=p, name="夜班", start=time(0), end=time(8), order=3),
    }


@pytest.fixture
def things(world):
    p = world.project
    return [
        CountedThing.objects.create(project=p, name="对讲机", unit="台", expected=4, order=1),
        CountedThing.objects.create(project=p, name="备用金", unit="元", expected=500, order=2),
    ]


@pytest.fixture
def key(world):
    return Key.objects.create(project=world.project, code="K01", name="3号楼水泵房", location="前台钥匙柜")


@pytest.fixture
def other_key(world):
    return Key.objects.create(project=world.other_project, code="K01", name="1号楼配电房")
