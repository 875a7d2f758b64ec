from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.choices import DESK_ROLES, FULL_PHONE_ROLES, SUPERVISING_ROLES, DepartmentKind, Role


class Company(models.Model):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    code = models.SlugField(_("代码"), max_length=20, unique=True)

    class Meta:
        verbose_name = _("物业公司")
        verbose_name_plural = _("物业公司")

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="projects", verbose_name=_("公司"))
    name = models.CharField(_("名称"), max_length=100)
    code = models.SlugField(_("代码"), max_length=20)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("客服电话"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="project_code_unique")]
        ordering = ["company_id", "name"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="departments", verbose_name=_("项目"))
    kind = models.CharField(_("类型"), max_length=20, choices=DepartmentKind.choices)
    name = models.CharField(_("名称"), max_length=50)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        constraints = [models.UniqueConstraint(fields=["project", "kind"], name="department_kind_unique")]
        ordering = ["project_id", "kind"]

    def __str__(self) -> str:
        return f"{self.project.name} · {self.name}" if self._state.fields_cache.get("project") else self.name


class User(AbstractUser):
    """A staff member or a resident who signs in. Staff see only the projects they work in."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机"), max_length=20, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.CS_STAFF)
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("公司")
    )
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="members", verbose_name=_("部门")
    )
    projects = models.ManyToManyField(Project, blank=True, related_name="staff", verbose_name=_("负责项目"))

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_resident(self) -> bool:
        return self.role == Role.RESIDENT

    @property
    def is_desk(self) -> bool:
        return self.role in DESK_ROLES

    @property
    def is_supervising(self) -> bool:
        return self.role in SUPERVISING_ROLES

    @property
    def sees_full_phone(self) -> bool:
        return self.role in FULL_PHONE_ROLES or self.is_superuser

    def project_ids(self) -> frozenset[int]:
        """The projects this user may see; cached on the instance for the request."""
        cached = getattr(self, "_project_ids", None)
        if cached is None:
            if self.is_superuser:
                cached = frozenset(Project.objects.values_list("id", flat=True))
            elif self.role == Role.COMPANY_ADMIN and self.company_id:
                cached = frozenset(Project.objects.filter(company_id=self.company_id).values_list("id", flat=True))
            elif self.role == Role.RESIDENT:
                from estate.models import Occupancy

                cached = frozenset(
                    Occupancy.objects.current()
                    .filter(resident__user=self)
                    .values_list("room__building__project_id", flat=True)
                )
            else:
                cached = frozenset(self.projects.values_list("id", flat=True))
            self._project_ids = cached
        return cached
