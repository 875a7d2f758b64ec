import pytest

from core.choices import DepartmentKind
from desk.models import Category
from safety.models import CheckPoint, Route
from safety.services import point_save, route_save


@pytest.fixture
def patrol(world):
    """Two points of the main project on a route walked by the security department at 09:00 and 21:00."""
    Category.objects.create(company=world.company, name="环境卫生", code="sanitation")
    fire = point_save(
        actor=world.supervisor,
        point=CheckPoint(
            project=world.project,
            code="F01",
            name="3栋消防栓",
            kind="fire",
            place="3栋一楼大堂",
            checklist="灭火器压力正常\n消防栓无遮挡",
        ),
    )
    bins = point_save(
        actor=world.supervisor,
        point=CheckPoint(
            project=world.project, code="S01", name="垃圾站", kind="sanitation", place="北门", checklist="地面清洁"
        ),
    )
    route = route_save(
        actor=world.supervisor,
        route=Route(
            project=world.project,
            name="夜间消防巡查",
            times="09:00,21:00",
            department=world.dept[DepartmentKind.SECURITY],
            created_at=world.project_created,
        ),
        points=[fire, bins],
    )
    return route, fire, bins


@pytest.fixture
def world(world):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    world.project_created = datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    return world
