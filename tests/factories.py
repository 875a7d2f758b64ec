"""Test data: a small estate and the cast every permission test uses."""

from decimal import Decimal

from django.contrib.auth.hashers import make_password

from core.choices import DepartmentKind, Role
from core.models import Company, Department, Project, User
from desk.choices import Kind
from desk.models import Category
from desk.services import Intake, request_register
from estate.choices import Relation, RoomState
from estate.models import Building, Occupancy, Resident, Room, Unit

PASSWORD = "test-pass-123"
_HASH = None


def password_hash() -> str:
    global _HASH
    if _HASH is None:
        _HASH = make_password(PASSWORD)
    return _HASH


def make_project(company: Company, code: str, name: str) -> Project:
    project = Project.objects.create(company=company, code=code, name=name)
    for kind in DepartmentKind:
        Department.objects.create(project=project, kind=kind, name=str(kind.label))
    return project


def make_user(username: str, role: str, projects=(), department=None, company=None, **extra) -> User:
    user = User.objects.create(
        username=username,
        password=password_hash(),
        role=role,
        display_name=extra.pop("display_name", username),
        department=department,
        company=company,
        **extra,
    )
    if projects:
        user.projects.set(projects)
    return user


def make_room(project: Project, building="1", unit="1", number="101", area="100.00") -> Room:
    b, _ = Building.objects.get_or_create(project=project, number=building, defaults={"floors": 20})
    u, _ = Unit.objects.get_or_create(building=b, number=unit)
    return Room.objects.create(
        project=project, building=b, unit=u, number=number, area=Decimal(area), state=RoomState.OCCUPIED
    )


def make_resident(room: Room, name="张三", phone="13812345678", relation=Relation.OWNER, user=None) -> Resident:
    resident = Resident.objects.create(project=room.project, name=name, phone=phone, user=user)
    Occupancy.objects.create(room=room, resident=resident, relation=relation)
    return resident


class World:
    """Two projects of one company and the cast: CS staff, supervisor, manager, project manager,
    an engineering lead and two technicians, a guard, a finance clerk, a resident, and staff of the
    other project."""

    def __init__(self):
        self.company = Company.objects.create(name="测试物业", code="t")
        self.project = make_project(self.company, "p1", "翠湖花园")
        self.other_project = make_project(self.company, "p2", "锦江公寓")
        self.dept = {d.kind: d for d in Department.objects.filter(project=self.project)}
        self.other_dept = {d.kind: d for d in Department.objects.filter(project=self.other_project)}
        p = [self.project]
        cs = self.dept[DepartmentKind.CUSTOMER_SERVICE]
        eng = self.dept[DepartmentKind.ENGINEERING]
        self.cs = make_user("cs", Role.CS_STAFF, p, cs, self.company, display_name="王丽")
        self.cs2 = make_user("cs2", Role.CS_STAFF, p, cs, self.company, display_name="李娜")
        self.supervisor = make_user("sup", Role.CS_SUPERVISOR, p, cs, self.company, display_name="陈静")
        self.manager = make_user("mgr", Role.CS_MANAGER, p, cs, self.company)
        self.pm = make_user("pm", Role.PROJECT_MANAGER, p, None, self.company, display_name="刘强")
        self.lead = make_user("lead", Role.DEPT_LEAD, p, eng, self.company)
        self.tech = make_user("tech", Role.WORKER, p, eng, self.company, display_name="孙师傅")
        self.tech2 = make_user("tech2", Role.WORKER, p, eng, self.company, display_name="钱师傅")
        self.guard = make_user("guard", Role.WORKER, p, self.dept[DepartmentKind.SECURITY], self.company)
        self.finance = make_user("fin", Role.FINANCE, p, self.dept[DepartmentKind.FINANCE], self.company)
        self.outsider = make_user(
            "other_cs",
            Role.CS_STAFF,
            [self.other_project],
            self.other_dept[DepartmentKind.CUSTOMER_SERVICE],
            self.company,
        )
        self.other_tech = make_user(
            "other_tech", Role.WORKER, [self.other_project], self.other_dept[DepartmentKind.ENGINEERING], self.company
        )
        self.category = Category.objects.create(
            company=self.company, name="设施设备", code="facilities", department_kind=DepartmentKind.ENGINEERING
        )
        self.room = make_room(self.project, "3", "2", "1502")
        self.room2 = make_room(self.project, "3", "2", "1501")
        self.other_room = make_room(self.other_project, "1", "1", "101")
        self.resident_user = make_user("owner", Role.RESIDENT, company=self.company)
        self.resident = make_resident(self.room, "张三", "13812345678", user=self.resident_user)
        self.neighbour = make_resident(self.room2, "李四", "13900001111")
        self.other_resident = make_resident(self.other_room, "赵六", "13700002222")

    def register(self, actor=None, **kw) -> "object":
        data = dict(
            project_id=self.project.pk,
            kind=Kind.COMPLAINT,
            title="楼上漏水",
            description="卫生间天花板漏水",
            room_id=self.room.pk,
            resident_id=self.resident.pk,
            category_id=self.category.pk,
        )
        data.update(kw)
        return request_register(actor=actor or self.cs, data=Intake(**data))

    def register_other(self, **kw):
        data = dict(project_id=self.other_project.pk, kind=Kind.REPAIR, title="门禁坏了", room_id=self.other_room.pk)
        data.update(kw)
        return request_register(actor=self.outsider, data=Intake(**data))


def get_with_token(user, path: str, **extra):
    """GET `path` as an API client: a fresh client (no session) with the user's API token."""
    from django.test import Client
    from rest_framework.authtoken.models import Token

    key = Token.objects.get_or_create(user=user)[0].key
    return Client().get(path, HTTP_AUTHORIZATION=f"Token {key}", **extra)
