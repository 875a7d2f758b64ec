from collections.abc import Callable, Iterable
from functools import cache

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import DESK_ROLES, FULL_PHONE_ROLES, SUPERVISING_ROLES, DepartmentKind, Role


class Company(models.Model):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    code = models.SlugField(_("代码"), max_length=20, unique=True)
    language = models.CharField(
        _("默认界面语言"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="zh-hans",
        help_text=_("员工没有自己选择语言时使用。"),
    )

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
    # The interface language this person chose (core/language.py); blank: the company's default.
    language = models.CharField(
        _("界面语言"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("留空则使用公司的默认语言。"),
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        # The residents' sign-in asks by phone whether it is a staff member's (portal/services.py):
        # with a million residents' accounts, a scan of the table per code check.
        indexes = [models.Index(fields=["phone"], name="user_phone")]

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

    def _own_project_ids(self) -> frozenset[int]:
        """The projects this staff member is assigned to: one statement on the link table, read on
        nearly every page and API call (the ORM's version costs ten times the CPU, core/sql.py),
        unless they were read with the user (core/auth.py)."""
        assigned = getattr(self, "_assigned_project_ids", None)
        if assigned is not None:
            return assigned
        from core import sql

        with sql.cursor() as cursor:
            cursor.execute(assigned_projects_sql("%s"), [self.pk])
            return frozenset(row[0] for row in cursor.fetchall())

    def project_ids(self) -> frozenset[int]:
        """The projects this user may see; cached on the instance for the request."""
        cached = getattr(self, "_project_ids", None)
        if cached is None:
            if self.is_superuser:
                cached = frozenset(Project.objects.values_list("id", flat=True))
            elif self.role == Role.COMPANY_ADMIN and self.company_id:
                cached = frozenset(Project.objects.filter(company_id=self.company_id).values_list("id", flat=True))
            elif self.role == Role.RESIDENT:
                cached = frozenset(_resident_projects(self))
            else:
                cached = self._own_project_ids()
            self._project_ids = cached
        return cached


def _no_resident_projects(user: User) -> Iterable[int]:
    return ()


# Where a resident lives is the estate's business (its occupancies), and core imports nothing above
# it: the estate app plugs its reader in at start-up (estate/apps.py), the way apps plug into
# core.privacy. Until then a resident sees no project.
_resident_projects: Callable[[User], Iterable[int]] = _no_resident_projects


def register_resident_projects(reader: Callable[[User], Iterable[int]]) -> None:
    """Install `reader(user) -> project ids` as the answer to which projects a resident may see."""
    global _resident_projects
    _resident_projects = reader


class CalendarDay(models.Model):
    """A statutory holiday or a make-up working day (调休). Other days follow the week."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日（休息）")
        WORKDAY = "workday", _("调休上班")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=50, blank=True)
    source = models.CharField(_("来源"), max_length=30, default="manual", editable=False)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class CalendarYear(models.Model):
    """A year the calendar table covers; a year without a row is reported as missing."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=50, default="manual")
    loaded_at = models.DateTimeField(_("录入时间"), auto_now=True)

    class Meta:
        verbose_name = _("已录入年份")
        verbose_name_plural = _("已录入年份")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class WorkSchedule(models.Model):
    """Working hours of a project (office hours of the desk and the departments)."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="schedule", verbose_name=_("项目"))
    start = models.TimeField(_("上班"), default="08:30")
    lunch_start = models.TimeField(_("午休开始"), null=True, blank=True, default="12:00")
    lunch_end = models.TimeField(_("午休结束"), null=True, blank=True, default="13:00")
    end = models.TimeField(_("下班"), default="17:30")

    class Meta:
        verbose_name = _("工作时间")
        verbose_name_plural = _("工作时间")

    def __str__(self) -> str:
        return f"{self.project} {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("下班时间必须晚于上班时间。")})
        if bool(self.lunch_start) != bool(self.lunch_end):
            raise ValidationError({"lunch_end": _("午休开始和结束要么都填，要么都不填。")})
        if self.lunch_start and self.lunch_end:
            if self.lunch_end <= self.lunch_start:
                raise ValidationError({"lunch_end": _("午休结束必须晚于午休开始。")})
            if not (self.start < self.lunch_start and self.lunch_end < self.end):
                raise ValidationError({"lunch_start": _("午休必须在上班时间之内。")})


class AuditEntry(models.Model):
    """Who changed which setting, when, and what changed (policies, calendar, schedules)."""

    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("操作人"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    object_type = models.CharField(_("对象"), max_length=50)
    object_id = models.CharField(max_length=40)
    object_repr = models.CharField(_("名称"), max_length=200)
    action = models.CharField(_("动作"), max_length=20)
    changes = models.JSONField(_("变更"), default=dict)

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.object_repr} {self.action}"


class Notification(models.Model):
    """A message in a staff member's in-app inbox; other channels deliver it too (see core/notify.py)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
            models.Index(fields=["user"], name="notification_unread", condition=models.Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """One message through one outside channel (email, SMS, WeChat): an outbox row and its delivery
    log. Written in the caller's transaction, claimed and sent by a worker, retried with backoff,
    dead after PROPDESK_NOTIFY_MAX_ATTEMPTS (see core/notify.py)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("失败")
        DEAD = "dead", _("已放弃")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", null=True, blank=True
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="+", null=True, blank=True, verbose_name=_("接收人")
    )
    channel = models.CharField(_("渠道"), max_length=30)
    recipient = models.CharField(_("接收方"), max_length=200, blank=True)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    text = models.TextField(_("内容"), blank=True)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("最后错误"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("外部发送")
        verbose_name_plural = _("外部发送")
        indexes = [
            models.Index(fields=["status", "id"], name="delivery_status"),
            models.Index(fields=["claim"], name="delivery_claim", condition=~models.Q(claim="")),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.status}"


class NotificationTemplate(models.Model):
    """What one event says through one channel in one language; administrators edit these in the
    admin. Django template syntax over the event's context ({{ number }}, {{ room }} ...)."""

    class Channel(models.TextChoices):
        INAPP = "inapp", _("站内")
        EMAIL = "email", _("邮件")
        SMS = "sms", _("短信")
        WECHAT = "wechat", _("微信")

    event = models.CharField(_("事件"), max_length=40)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    provider_template = models.CharField(
        _("服务商模板编号"), max_length=60, blank=True, help_text=_("短信或微信模板消息在服务商处审核通过的模板编号。")
    )

    class Meta:
        verbose_name = _("通知模板")
        verbose_name_plural = _("通知模板")
        constraints = [
            models.UniqueConstraint(fields=["event", "channel", "language"], name="notification_template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.channel} {self.language}"


class NotificationProfile(models.Model):
    """One person's choices: which channels per event kind (missing: the role's default) and quiet
    hours during which non-urgent outside messages wait."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="notification_profile")
    channels = models.JSONField(_("各事件的渠道"), default=dict, blank=True)
    quiet_start = models.TimeField(_("免打扰开始"), null=True, blank=True)
    quiet_end = models.TimeField(_("免打扰结束"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")

    def __str__(self) -> str:
        return str(self.user)


class PrivacySettings(models.Model):
    """Per company: how long visitor-type personal data is kept before the daily job purges it."""

    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, related_name="privacy_settings", verbose_name=_("公司")
    )
    visitor_retention_days = models.PositiveIntegerField(
        _("访客类个人信息保存天数"),
        default=180,
        validators=[MinValueValidator(1)],
        help_text=_("超过此天数的访客、证件等记录由每日任务清除个人信息，并留下清除记录。"),
    )

    class Meta:
        verbose_name = _("个人信息保护设置")
        verbose_name_plural = _("个人信息保护设置")

    def __str__(self) -> str:
        return str(self.company)


class RevealLog(models.Model):
    """Every time someone clicked to see a full phone or ID number (PIPL: reads are logged)."""

    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("查看人"))
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    kind = models.CharField(_("类别"), max_length=10)
    object_type = models.CharField(_("对象"), max_length=60)
    object_id = models.CharField(max_length=40)
    object_repr = models.CharField(_("名称"), max_length=200)
    field = models.CharField(_("字段"), max_length=60)
    ip = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("查看完整号码记录")
        verbose_name_plural = _("查看完整号码记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="reveal_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.object_repr} {self.field}"


class ExportRecord(models.Model):
    """Every export of personal data: who, when, what, with which filter, how many rows."""

    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("导出人"))
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    what = models.CharField(_("导出内容"), max_length=100)
    filters = models.JSONField(_("筛选条件"), default=dict)
    rows = models.PositiveIntegerField(_("行数"))

    class Meta:
        verbose_name = _("个人信息导出记录")
        verbose_name_plural = _("个人信息导出记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.what} ({self.rows})"


class PurgeRecord(models.Model):
    """What the retention job cleared: which kind of record, for which company, older than when."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("公司"))
    code = models.CharField(_("记录类别"), max_length=40)
    before = models.DateTimeField(_("清除此时间之前的记录"))
    rows = models.PositiveIntegerField(_("清除行数"))

    class Meta:
        verbose_name = _("个人信息清除记录")
        verbose_name_plural = _("个人信息清除记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.code} ({self.rows})"


def assigned_projects_sql(user: str, selected: str = "{}") -> str:
    """SELECT of the ids of the projects a staff member is assigned to (User.projects' link
    table), for the user id given by the SQL expression `user` ('%s', or a column); `selected`
    wraps the project column, e.g. 'group_concat({})'."""
    from django.db import connection

    return _assigned_projects_sql(user, selected, connection.vendor)


@cache
def _assigned_projects_sql(user: str, selected: str, vendor: str) -> str:
    from django.db import connection

    link = User.projects.through._meta
    q = connection.ops.quote_name
    project, user_column = q(link.get_field("project").column), q(link.get_field("user").column)
    return f"SELECT {selected.format(project)} FROM {q(link.db_table)} WHERE {user_column} = {user}"


class IdempotencyKey(models.Model):
    """An API POST's `Idempotency-Key` and the answer it got (core/idempotency.py): the same key
    with the same request replays `status`/`body`; with another request it is refused (409). Kept
    per user (a user belongs to one company) until `expires_at`; the hourly job deletes it then.
    The row is written in the same transaction as the work it answers for: it exists only when
    the work committed."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("用户"))
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("公司")
    )
    key = models.CharField(_("幂等键"), max_length=64)
    fingerprint = models.CharField(_("请求指纹"), max_length=64)
    method = models.CharField(_("方法"), max_length=10)
    path = models.CharField(_("路径"), max_length=500)
    status = models.PositiveSmallIntegerField(_("响应状态"), null=True, blank=True)
    body = models.JSONField(_("响应内容"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"), db_index=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key} {self.method} {self.path}"
