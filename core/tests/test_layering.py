"""core is the bottom layer: nothing in it imports an app above it (estate, desk, the modules). What
needs both is owned by the higher app and plugged into core through a registry."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

from core.choices import Role
from core.models import Company
from tests.factories import make_user

CORE = Path(__file__).resolve().parent.parent
PROJECT_APPS = {Path(app).name for app in settings.INSTALLED_APPS if (CORE.parent / app).is_dir()}
ABOVE_CORE = PROJECT_APPS - {"core"}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def core_sources() -> list[Path]:
    return [p for p in CORE.rglob("*.py") if "tests" not in p.relative_to(CORE).parts]


def test_the_apps_above_core_are_known():
    assert {"estate", "desk", "frontdesk", "community"} <= ABOVE_CORE


def test_core_imports_no_app_above_it():
    offending = {
        f"{path.relative_to(CORE.parent)}: {module}"
        for path in core_sources()
        for module in imported_modules(path)
        if module.split(".")[0] in ABOVE_CORE
    }
    assert not offending, sorted(offending)


def test_a_resident_sees_the_projects_of_the_rooms_they_live_in(world):
    """The estate's occupancies answer core's User.project_ids for residents (estate/apps.py)."""
    assert world.resident_user.project_ids() == frozenset({world.project.pk})


@pytest.mark.django_db
def test_a_company_added_in_the_admin_starts_with_the_default_time_limits(client):
    """desk plugs its default policies into core's company admin (desk/admin.py)."""
    from desk.models import SlaPolicy

    root = make_user("root", Role.COMPANY_ADMIN, is_superuser=True, is_staff=True)
    client.force_login(root)
    response = client.post("/admin/core/company/add/", {"name": "新公司", "code": "xin", "language": "zh-hans"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SlaPolicy.objects.filter(company=Company.objects.get(code="xin")).exists()
