"""Patrols (巡检) and emergencies (突发事件).

A check point belongs to a project; a route orders points and says when it is walked; a run is
one walk of a route, with one stop per point. A problem found at a stop is a finding, which
becomes a service request. An incident has a timeline of entries that are never edited, the
people its call tree notified and who acknowledged, linked requests, and a review before closing.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import Role
from core.models import Department, Project
from safety.choices import (
    INCIDENT_COLOUR,
    LEVEL_COLOUR,
    RUN_COLOUR,
    STOP_COLOUR,
    EntryKind,
    FindingState,
    IncidentKind,
    IncidentLevel,
    IncidentState,
    PointKind,
    RunState,
    StopState,
)


def problem_wording(check: str) -> str:
    """How a failed check is said when its point gives no wording of its own: "异常：<check>"."""
    return _("异常：%(check)s") % {"check": check}


class CheckPoint(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="check_points", verbose_name=_("项目"))
    code = models.CharField(_("点位编号"), max_length=20, help_text=_("印在点位牌上，巡检时可输入编号直达。"))
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=PointKind.choices, default=PointKind.PUBLIC_AREA)
    place = models.CharField(_("位置"), max_length=200)
    room = models.ForeignKey(
        "estate.Room",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("房屋"),
        help_text=_("点位在某户或商铺内时选择；公共区域留空。"),
    )
    checklist = models.TextField(
        _("检查项"),
        help_text=_(
            "每行一项，写正常时的样子，如：灭火器压力正常。可在竖线后写出有问题时的说法，"
            "如：消防通道畅通｜消防通道堵塞；不写则记为“异常：检查项”。"
        ),
        max_length=2000,
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("巡检点")
        verbose_name_plural = _("巡检点")
        ordering = ["project_id", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="checkpoint_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def checks(self) -> list[tuple[str, str]]:
        """(check, its problem wording) per line of the check list: "消防通道畅通｜消防通道堵塞"
        gives ("消防通道畅通", "消防通道堵塞"); a line without a bar gives the default wording
        ("异常：消防通道畅通", `problem_wording`)."""
        out = []
        for line in self.checklist.splitlines():
            check, _bar, problem = line.replace("｜", "|").partition("|")
            check, problem = check.strip(), problem.strip()
            if check:
                out.append((check, problem or problem_wording(check)))
        return out

    @property
    def items(self) -> list[str]:
        """The checks as the patrol answers them (what 'normal' looks like), without their problem
        wording: a run stop's results and findings are keyed by these."""
        return [check for check, _problem in self.checks]


class Route(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="patrol_routes", verbose_name=_("项目"))
    name = models.CharField(_("名称"), max_length=100)
    times = models.CharField(
        _("每日时间"), max_length=100, blank=True, help_text=_("用逗号分隔，如 09:00,21:00；留空表示不定时。")
    )
    grace_minutes = models.PositiveSmallIntegerField(
        _("允许延后(分钟)"), default=60, help_text=_("计划时间过后这么久仍未开始，记为未执行。")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("负责部门")
    )
    people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="patrol_routes", verbose_name=_("巡检人员")
    )
    points = models.ManyToManyField(CheckPoint, through="RouteStop", related_name="routes", verbose_name=_("巡检点"))
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("巡检路线")
        verbose_name_plural = _("巡检路线")
        ordering = ["project_id", "name"]

    def __str__(self) -> str:
        return self.name

    def slot_times(self):
        from datetime import time

        out = []
        for part in self.times.replace("，", ",").split(","):
            part = part.strip()
            if not part:
                continue
            hour, _sep, minute = part.partition(":")
            out.append(time(int(hour), int(minute or 0)))
        return sorted(set(out))


class RouteStop(models.Model):
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="stops")
    point = models.ForeignKey(CheckPoint, on_delete=models.PROTECT, related_name="+", verbose_name=_("巡检点"))
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("路线点位")
        verbose_name_plural = _("路线点位")
        ordering = ["route_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["route", "point"], name="routestop_once")]

    def __str__(self) -> str:
        return f"{self.order}. {self.point_id}"


class PatrolRun(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="patrol_runs", verbose_name=_("项目"))
    route = models.ForeignKey(Route, on_delete=models.PROTECT, related_name="runs", verbose_name=_("路线"))
    scheduled_for = models.DateTimeField(_("计划时间"), null=True, blank=True)
    state = models.PositiveSmallIntegerField(_("状态"), choices=RunState.choices, default=RunState.IN_PROGRESS)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("巡检人"),
    )
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    points_total = models.PositiveSmallIntegerField(_("点位数"), default=0)
    points_missed = models.PositiveSmallIntegerField(_("漏检数"), default=0)
    findings_count = models.PositiveSmallIntegerField(_("问题数"), default=0)
    note = models.TextField(_("备注"), blank=True, max_length=500)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("巡检记录")
        verbose_name_plural = _("巡检记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["route", "scheduled_for"], name="run_slot_once", condition=Q(scheduled_for__isnull=False)
            )
        ]
        indexes = [
            models.Index(fields=["project", "-created_at", "-id"], name="run_project_recent"),
            models.Index(fields=["project", "state"], name="run_project_state"),
        ]

    def __str__(self) -> str:
        when = self.scheduled_for or self.started_at or self.created_at
        return f"{self.route} {timezone.localtime(when):%m-%d %H:%M}"

    @property
    def state_colour(self) -> str:
        return RUN_COLOUR[RunState(self.state)]


class RunStop(models.Model):
    """One point of one run: its check list answered, or missed."""

    run = models.ForeignKey(PatrolRun, on_delete=models.CASCADE, related_name="stops")
    point = models.ForeignKey(CheckPoint, on_delete=models.PROTECT, related_name="+", verbose_name=_("巡检点"))
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    state = models.PositiveSmallIntegerField(_("状态"), choices=StopState.choices, default=StopState.PENDING)
    results = models.JSONField(_("检查结果"), default=list, blank=True)  # [{"item": "...", "ok": true}]
    note = models.TextField(_("说明"), blank=True, max_length=500)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(_("检查时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("巡检点记录")
        verbose_name_plural = _("巡检点记录")
        ordering = ["run_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "point"], name="runstop_once")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.point_id}"

    @property
    def state_colour(self) -> str:
        return STOP_COLOUR[StopState(self.state)]


def photo_path(instance, filename: str) -> str:
    now = timezone.now()
    return f"patrols/{now:%Y/%m}/{instance.stop_id}/{filename}"


class StopPhoto(models.Model):
    stop = models.ForeignKey(RunStop, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=photo_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("巡检照片")
        verbose_name_plural = _("巡检照片")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class Finding(models.Model):
    """A check list item answered 'problem': becomes a service request."""

    stop = models.ForeignKey(RunStop, on_delete=models.CASCADE, related_name="findings")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("项目"))
    item = models.CharField(_("检查项"), max_length=200)
    problem = models.CharField(
        _("问题"), max_length=200, blank=True, help_text=_("检查项不合格时的说法，如“消防通道堵塞”。")
    )
    note = models.TextField(_("说明"), blank=True, max_length=500)
    state = models.PositiveSmallIntegerField(_("状态"), choices=FindingState.choices, default=FindingState.NEW)
    request_kind = models.CharField(_("工单类型"), max_length=20, blank=True)
    request = models.OneToOneField(
        "desk.ServiceRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="patrol_finding",
        verbose_name=_("工单"),
    )
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    found_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    handed_at = models.DateTimeField(_("交客服时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("巡检发现")
        verbose_name_plural = _("巡检发现")
        ordering = ["-found_at", "-id"]
        indexes = [models.Index(fields=["project", "state"], name="finding_project_state")]

    def __str__(self) -> str:
        return self.wording

    @property
    def wording(self) -> str:
        """The problem as it is said: the wording recorded with it (findings from before it was
        recorded: the default wording of their check)."""
        return self.problem or problem_wording(self.item)


# ---------------------------------------------------------------- emergencies


class CallTree(models.Model):
    """Who is told, in order, when an incident of this kind starts in this project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="call_trees", verbose_name=_("项目"))
    kind = models.CharField(_("事件类型"), max_length=20, choices=IncidentKind.choices)

    class Meta:
        verbose_name = _("通知链")
        verbose_name_plural = _("通知链")
        ordering = ["project_id", "kind"]
        constraints = [models.UniqueConstraint(fields=["project", "kind"], name="calltree_once")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.get_kind_display()}"


class CallTreeEntry(models.Model):
    """A person, or every staff member of a role in the project."""

    tree = models.ForeignKey(CallTree, on_delete=models.CASCADE, related_name="entries")
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("人员"),
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("部门")
    )

    class Meta:
        verbose_name = _("通知链成员")
        verbose_name_plural = _("通知链成员")
        ordering = ["tree_id", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(role="") | Q(department__isnull=False),
                name="calltree_entry_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order}"


class Incident(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("项目"))
    kind = models.CharField(_("事件类型"), max_length=20, choices=IncidentKind.choices)
    level = models.PositiveSmallIntegerField(_("级别"), choices=IncidentLevel.choices, default=IncidentLevel.GENERAL)
    title = models.CharField(_("标题"), max_length=200)
    place = models.CharField(_("地点"), max_length=200)
    building = models.ForeignKey(
        "estate.Building", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("楼栋")
    )
    room = models.ForeignKey(
        "estate.Room", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("房屋")
    )
    reported_at = models.DateTimeField(_("接报时间"), default=timezone.now)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    state = models.PositiveSmallIntegerField(_("状态"), choices=IncidentState.choices, default=IncidentState.OPEN)
    resolved_at = models.DateTimeField(_("排除时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    # The review (复盘), required before closing.
    cause = models.TextField(_("原因"), blank=True, max_length=2000)
    went_well = models.TextField(_("做得好的"), blank=True, max_length=2000)
    to_improve = models.TextField(_("需改进的"), blank=True, max_length=2000)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("复盘人"),
    )
    reviewed_at = models.DateTimeField(_("复盘时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("突发事件")
        verbose_name_plural = _("突发事件")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["project", "-reported_at", "-id"], name="incident_project_recent"),
            models.Index(fields=["project", "state"], name="incident_project_state"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.title}"

    @property
    def state_colour(self) -> str:
        return INCIDENT_COLOUR[IncidentState(self.state)]

    @property
    def level_colour(self) -> str:
        return LEVEL_COLOUR[IncidentLevel(self.level)]

    @property
    def reviewed(self) -> bool:
        return self.reviewed_at is not None


class IncidentEntry(models.Model):
    """One line of an incident's timeline. Entries are only ever added."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="entries")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=EntryKind.choices)
    text = models.TextField(_("内容"), blank=True, max_length=2000)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("事件记录")
        verbose_name_plural = _("事件记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["incident", "at", "id"], name="incident_entry_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class IncidentCall(models.Model):
    """A person the call tree told about the incident, and whether they acknowledged."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="calls")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="incident_calls")
    order = models.PositiveSmallIntegerField(default=0)
    notified_at = models.DateTimeField(_("通知时间"), default=timezone.now)
    acked_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("事件通知")
        verbose_name_plural = _("事件通知")
        ordering = ["incident_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "user"], name="incident_call_once")]

    def __str__(self) -> str:
        return f"{self.incident_id}/{self.user_id}"


class IncidentLink(models.Model):
    """A service request that is part of an incident (many residents reporting one burst pipe)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links")
    request = models.ForeignKey("desk.ServiceRequest", on_delete=models.PROTECT, related_name="incident_links")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("关联工单")
        verbose_name_plural = _("关联工单")
        ordering = ["incident_id", "linked_at", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "request"], name="incident_link_once")]

    def __str__(self) -> str:
        return f"{self.incident_id}/{self.request_id}"
