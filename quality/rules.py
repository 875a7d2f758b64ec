"""Who may see and sign close-outs and monthly reviews. A project outside the user's own is a 404
(its existence is not confirmed); a role without the right is a 403."""

from django.http import Http404
from django.utils.translation import gettext as _

from core.choices import DESK_ROLES, SUPERVISING_ROLES, Role
from core.models import Project

# The desk may read the day's close-out; supervisors and above sign it.
CLOSEOUT_VIEW_ROLES = frozenset(DESK_ROLES | SUPERVISING_ROLES)
CLOSEOUT_SIGN_ROLES = frozenset(SUPERVISING_ROLES)
# The CS supervisor reads the monthly review too: the month's figures are the desk's own work.
REVIEW_ROLES = frozenset({Role.CS_SUPERVISOR, Role.CS_MANAGER, Role.PROJECT_MANAGER, Role.COMPANY_ADMIN})


def may_view_closeout(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in CLOSEOUT_VIEW_ROLES)


def may_sign_closeout(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in CLOSEOUT_SIGN_ROLES)


def may_view_review(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in REVIEW_ROLES)


def project_for(user, project_id: int) -> Project:
    """The project, if the user works in it; otherwise 404."""
    if project_id not in user.project_ids():
        raise Http404(_("没有找到这个项目。"))
    try:
        return Project.objects.get(pk=project_id)
    except Project.DoesNotExist:
        raise Http404(_("没有找到这个项目。")) from None


def user_projects(user):
    return Project.objects.filter(pk__in=user.project_ids()).order_by("name")
