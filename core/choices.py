from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CS_STAFF = "cs_staff", _("客服员/前台")
    LOBBY = "lobby", _("大堂助理")
    CS_SUPERVISOR = "cs_supervisor", _("客服主管")
    CS_MANAGER = "cs_manager", _("客服经理")
    PROJECT_MANAGER = "project_manager", _("项目经理")
    DEPT_LEAD = "dept_lead", _("部门主管")
    WORKER = "worker", _("维修/秩序/保洁/绿化人员")
    FINANCE = "finance", _("财务")
    COMPANY_ADMIN = "company_admin", _("公司管理员")
    RESIDENT = "resident", _("业户")


# Groups of roles that the permission rules speak of.
DESK_ROLES = frozenset({Role.CS_STAFF, Role.LOBBY, Role.CS_SUPERVISOR, Role.CS_MANAGER})
SUPERVISING_ROLES = frozenset({Role.CS_SUPERVISOR, Role.CS_MANAGER, Role.PROJECT_MANAGER, Role.COMPANY_ADMIN})
# Roles that see full phone numbers without masking.
FULL_PHONE_ROLES = frozenset(DESK_ROLES | SUPERVISING_ROLES)


class DepartmentKind(models.TextChoices):
    CUSTOMER_SERVICE = "cs", _("客服中心")
    ENGINEERING = "engineering", _("工程部")
    SECURITY = "security", _("秩序部")
    CLEANING = "cleaning", _("保洁部")
    GREENING = "greening", _("绿化部")
    FINANCE = "finance", _("财务部")


# Roles that may click to see a full ID number (logged); technicians and guards never see one.
ID_REVEAL_ROLES = frozenset(DESK_ROLES | SUPERVISING_ROLES)
