"""Who may do what on the duty pages. A project outside the user's own is a 404 (its existence is
not confirmed); a role without the right is a 403 (pages) or an ActionRefused (services)."""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.access import requires
from core.errors import ActionRefused
from core.models import Project
from duty.choices import DUTY_ROLES, DUTY_VIEW_ROLES, ROSTER_EDIT_ROLES, ROSTERABLE_ROLES


def _role_in(user, roles) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in roles))


def may_view(user) -> bool:
    return _role_in(user, DUTY_VIEW_ROLES)


def may_keep_duty(user) -> bool:
    """Write the duty log, lend and take back keys, start or receive a handover."""
    return bool(user.is_authenticated and user.role in DUTY_ROLES)


def may_edit_roster(user) -> bool:
    return _role_in(user, ROSTER_EDIT_ROLES)


def in_project(user, project_id) -> bool:
    return project_id in user.project_ids()


def rosterable(user) -> bool:
    return user.is_active and user.role in ROSTERABLE_ROLES


def roster_group(user):
    """Who may cover whose shift: the desk's people one another, a department's people one another."""
    return "desk" if user.role in DUTY_ROLES else user.department_id


def may_cover(cover, person) -> bool:
    return roster_group(cover) == roster_group(person)


def require(allowed: bool, message: str) -> None:
    """For services: refuse with a message when not allowed."""
    if not allowed:
        raise ActionRefused(message)


# The pages' guards (core/access.py), asking the questions duty/apps.py registers from the rules
# above. A guard decorates a view, or `.check(user)` asks inside one after the project's 404.
viewer = requires("duty.view", _lazy("只有客服人员和管理人员可以查看值班与交接班。"))
roster_editor = requires("duty.roster", _lazy("只有客服主管、客服经理、项目经理可以排班和设置。"))
keeper = requires("duty.keep", _lazy("只有客服前台/值班人员可以办理。"))
handover_starter = requires("duty.keep", _lazy("只有客服前台/值班人员可以发起交接班。"))


def project_for(user, project_id: int) -> Project:
    """The project, if the user works in it and may see the duty pages; otherwise 404 / 403."""
    if not user.is_authenticated or project_id not in user.project_ids():
        raise Http404(_("没有找到这个项目。"))
    viewer.check(user)
    try:
        return Project.objects.get(pk=project_id)
    except Project.DoesNotExist:
        raise Http404(_("没有找到这个项目。")) from None


def user_projects(user):
    return Project.objects.filter(pk__in=user.project_ids()).order_by("name")
