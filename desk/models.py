from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import DepartmentKind
from core.models import Company, Department, Project
from core.phone import mask_phone
from desk.choices import (
    OPEN_STATES,
    SEVERITY_COLOUR,
    STATE_COLOUR,
    Action,
    Channel,
    Kind,
    Rating,
    Severity,
    State,
    Validity,
)
from desk.limits import validate_limit
from estate.models import Resident, Room


class Category(models.Model):
    """An editable list of what requests are about (设施设备, 环境卫生, ...)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="categories", verbose_name=_("公司"))
    name = models.CharField(_("名称"), max_length=50)
    code = models.SlugField(_("代码"), max_length=30)
    department_kind = models.CharField(_("默认处理部门"), max_length=20, blank=True, choices=DepartmentKind.choices)
    always_visit = models.BooleanField(
        _("报修必回访"), default=False, help_text=_("如漏水、户内维修：这一类报修全部回访，不抽样。")
    )
    visit_limit = models.CharField(
        _("回访时限"),
        max_length=10,
        blank=True,
        validators=[validate_limit],
        help_text=_("覆盖时限规则中的回访时限，如安全类 2d、漏水 3d。"),
    )
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("分类")
        verbose_name_plural = _("分类")
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="category_code_unique")]
        ordering = ["company_id", "order", "name"]

    def __str__(self) -> str:
        return self.name


class NumberSequence(models.Model):
    """Counters behind the human-readable numbers; one row per prefix and day, bumped atomically."""

    key = models.CharField(max_length=30, unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class ServiceRequest(models.Model):
    # Foreign keys that lead a composite index below (sr_project_recent, sr_room_recent, sr_*_state)
    # get no index of their own: one index fewer to write per registration, the same lookups served.
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="requests", verbose_name=_("项目"), db_index=False
    )
    number = models.CharField(_("单号"), max_length=30, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("来源"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("分类")
    )
    severity = models.CharField(_("级别"), max_length=10, choices=Severity.choices, default=Severity.GENERAL)
    validity = models.CharField(_("投诉性质"), max_length=10, choices=Validity.choices, blank=True)
    paid = models.BooleanField(_("有偿维修"), null=True, blank=True)

    room = models.ForeignKey(
        Room,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("房屋"),
        db_index=False,
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="requests", verbose_name=_("业户")
    )
    # The other household the request concerns (the flat upstairs the leak comes from): the request
    # shows on both households' timelines (desk/timeline_items.py).
    related_room = models.ForeignKey(
        Room,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="related_requests",
        verbose_name=_("相关房屋"),
        help_text=_("如漏水来源的楼上住户"),
        db_index=False,
    )
    caller_name = models.CharField(_("联系人"), max_length=50, blank=True)
    caller_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    location = models.CharField(_("位置"), max_length=200, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("描述"), blank=True, max_length=2000)

    state = models.PositiveSmallIntegerField(_("状态"), choices=State.choices, default=State.REGISTERED)
    version = models.PositiveIntegerField(default=1, editable=False)
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="received_requests",
        verbose_name=_("首问责任人"),
        db_index=False,
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("处理部门"),
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_requests",
        verbose_name=_("处理人"),
        db_index=False,
    )
    implementer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="implemented_requests",
        verbose_name=_("完成人"),
    )
    needs_return_visit = models.BooleanField(_("需回访"), default=False)
    result = models.TextField(_("处理结果"), blank=True, max_length=2000)
    reply = models.TextField(_("回复内容"), blank=True, max_length=2000)
    rating = models.CharField(_("回访评价"), max_length=1, choices=Rating.choices, blank=True)
    visit_comment = models.TextField(_("回访意见"), blank=True, max_length=500)
    reopen_count = models.PositiveSmallIntegerField(_("重开次数"), default=0)
    pause_reason = models.CharField(_("暂停原因"), max_length=200, blank=True)
    paused_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)

    # Time limits (desk/sla.py): the policy's limits are copied onto the request when it is
    # registered, so a later change of the policy applies to new requests only.
    sla_policy = models.ForeignKey(
        "SlaPolicy", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("时限规则")
    )
    sla = models.JSONField(default=dict, blank=True, editable=False)
    due_at = models.DateTimeField(_("最近时限"), null=True, blank=True, editable=False)
    escalate_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The first resolution, kept through reopenings, for timeliness figures (desk/sla.py sets them).
    first_resolved_at = models.DateTimeField(_("首次完成时间"), null=True, blank=True, editable=False)
    resolved_late = models.BooleanField(_("超时完成"), null=True, blank=True, editable=False)

    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    visited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    # When the last return visit said unsatisfied (C); a later visit clears it. Kept on the request
    # so the supervisor's board counts "unsatisfied this week" in its one pass over the open
    # requests (desk/board.py) instead of reading the timeline of every request rated C.
    unsatisfied_at = models.DateTimeField(_("不满意回访时间"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    # Two-character shingles of number, title, description and location: PostgreSQL answers
    # Chinese searches such as 漏水 from a GIN index on this column (see desk/search.py).
    search_grams = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        indexes = [
            models.Index(fields=["project", "-created_at", "-id"], name="sr_project_recent"),
            models.Index(
                fields=["project", "-created_at", "-id"],
                name="sr_project_open_recent",
                condition=Q(state__in=[int(s) for s in OPEN_STATES]),
            ),
            models.Index(fields=["assignee", "state"], name="sr_assignee_state"),
            models.Index(fields=["department", "state"], name="sr_department_state"),
            models.Index(fields=["receiver", "state"], name="sr_receiver_state"),
            models.Index(fields=["room", "-created_at"], name="sr_room_recent"),
            models.Index(fields=["project", "state", "-created_at"], name="sr_project_state"),
            models.Index(
                fields=["escalate_at"], name="sr_escalate_open", condition=Q(state__in=[int(s) for s in OPEN_STATES])
            ),
            models.Index(fields=["project", "due_at"], name="sr_project_due", condition=Q(due_at__isnull=False)),
            models.Index(
                fields=["related_room", "-created_at"],
                name="sr_related_room_recent",
                condition=Q(related_room__isnull=False),
            ),
            # The supervisor's board (desk/board.py): its one grouped pass over the open requests
            # reads only this index (index-only scan in group order, no heap, no sort), which keeps
            # the company's board inside 300 ms at ten million requests (docs/performance.md).
            models.Index(
                fields=["project", "department", "assignee", "state", "due_at"],
                include=["needs_return_visit", "rating", "unsatisfied_at", "id"],
                name="sr_open_board",
                condition=Q(state__in=[int(s) for s in OPEN_STATES]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="complaint") | Q(paid__isnull=True), name="sr_paid_only_for_repairs"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def state_colour(self) -> str:
        return STATE_COLOUR[State(self.state)]

    @property
    def severity_colour(self) -> str:
        return SEVERITY_COLOUR[Severity(self.severity)]

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def masked_caller_phone(self) -> str:
        return mask_phone(self.caller_phone)


class RequestEvent(models.Model):
    """One line of a request's timeline: who did what, when, from which state to which, and why."""

    # Indexed by event_request_at (request, at, id), which also serves lookups by request alone.
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="events", db_index=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    action = models.CharField(_("动作"), max_length=20, choices=Action.choices)
    from_state = models.PositiveSmallIntegerField(_("原状态"), choices=State.choices, null=True, blank=True)
    to_state = models.PositiveSmallIntegerField(_("新状态"), choices=State.choices)
    note = models.TextField(_("说明"), blank=True, max_length=2000)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("工单记录")
        verbose_name_plural = _("工单记录")
        indexes = [models.Index(fields=["request", "at", "id"], name="event_request_at")]
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} @ {self.at:%Y-%m-%d %H:%M}"


def attachment_path(instance, filename: str) -> str:
    now = timezone.now()
    return f"requests/{now:%Y/%m}/{instance.request_id}/{filename}"


class Attachment(models.Model):
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        RequestEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class SlaPolicy(models.Model):
    """Time limits for a kind × severity (and optionally a category), per company, overridable per
    project. Each limit is written like 20m, 2h, 3d (clock time) or 4wh, 7wd (working time)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="sla_policies", verbose_name=_("公司"))
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sla_policies",
        verbose_name=_("项目"),
        help_text=_("留空表示全公司通用；填写则只覆盖这个项目。"),
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    severity = models.CharField(_("级别"), max_length=10, choices=Severity.choices)
    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("分类"),
        help_text=_("留空表示所有分类。"),
    )
    dispatch_limit = models.CharField(_("派单时限"), max_length=10, blank=True, validators=[validate_limit])
    response_limit = models.CharField(_("响应/到场时限"), max_length=10, blank=True, validators=[validate_limit])
    resolve_limit = models.CharField(_("完成时限"), max_length=10, blank=True, validators=[validate_limit])
    reply_limit = models.CharField(_("回复业户时限"), max_length=10, blank=True, validators=[validate_limit])
    visit_limit = models.CharField(
        _("回访时限"), max_length=10, blank=True, validators=[validate_limit], help_text=_("从完成时起算。")
    )
    at_risk_percent = models.PositiveSmallIntegerField(
        _("预警比例(%)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("用去时限的这个比例时提醒首问责任人和处理人。"),
    )
    pm_after = models.CharField(
        _("超时后升级项目经理"),
        max_length=10,
        default="2h",
        validators=[validate_limit],
        help_text=_("超时并已通知客服主管后，再过这么久仍未处理则通知项目经理。"),
    )
    company_after = models.CharField(
        _("超时后升级公司"),
        max_length=10,
        default="8h",
        validators=[validate_limit],
        help_text=_("超时后再过这么久仍未处理则通知公司。"),
    )
    active = models.BooleanField(_("启用"), default=True)

    LIMIT_FIELDS = ("dispatch_limit", "response_limit", "resolve_limit", "reply_limit", "visit_limit")

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")
        ordering = ["company_id", "project_id", "kind", "severity", "category_id"]
        indexes = [models.Index(fields=["company", "kind", "severity"], name="sla_policy_lookup")]

    def __str__(self) -> str:
        scope = self.project.name if self.project_id else _("全公司")
        category = f" · {self.category.name}" if self.category_id else ""
        return f"{scope} · {self.get_kind_display()} · {self.get_severity_display()}{category}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if not any(getattr(self, f) for f in self.LIMIT_FIELDS):
            raise ValidationError(_("至少要设置一个时限。"))
        if self.project_id and self.company_id and self.project.company_id != self.company_id:
            raise ValidationError({"project": _("项目不属于这个公司。")})
        clash = SlaPolicy.objects.filter(
            company_id=self.company_id,
            project_id=self.project_id,
            kind=self.kind,
            severity=self.severity,
            category_id=self.category_id,
            active=True,
        ).exclude(pk=self.pk)
        if self.active and clash.exists():
            raise ValidationError(_("同一范围已有一条启用的规则，请修改那一条。"))


class DeskSettings(models.Model):
    """Per-company settings of the desk."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="desk_settings")
    repair_visit_percent = models.PositiveSmallIntegerField(
        _("报修回访抽样比例(%)"), default=30, validators=[MaxValueValidator(100)]
    )
    auto_dispatch = models.BooleanField(
        _("登记时自动派给分类的默认部门"),
        default=False,
        help_text=_("投诉和报修登记后立即派给所选分类的默认处理部门（该部门须有可以接单的人员），否则留待客服派单。"),
    )

    class Meta:
        verbose_name = _("客服设置")
        verbose_name_plural = _("客服设置")

    def __str__(self) -> str:
        return str(self.company)


class PauseSpan(models.Model):
    """A span during which a request's clock stood still (waiting for parts or the resident)."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField(_("暂停"))
    ended_at = models.DateTimeField(_("恢复"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200)

    class Meta:
        verbose_name = _("暂停记录")
        verbose_name_plural = _("暂停记录")
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.reason}"


class Escalation(models.Model):
    """One rung of the escalation ladder, fired for one step of one request. Inserting the row is
    the atomic claim: the unique constraint lets exactly one worker fire it."""

    class Level(models.IntegerChoices):
        AT_RISK = 1, _("即将超时")
        OVERDUE = 2, _("已超时 → 客服主管")
        MANAGER = 3, _("仍超时 → 项目经理")
        COMPANY = 4, _("仍超时 → 公司")

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="escalations")
    step = models.CharField(max_length=20)
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    round = models.PositiveSmallIntegerField(default=0)
    fired_at = models.DateTimeField()
    recipients = models.JSONField(default=list)

    class Meta:
        verbose_name = _("升级记录")
        verbose_name_plural = _("升级记录")
        constraints = [models.UniqueConstraint(fields=["request", "step", "level", "round"], name="escalation_once")]
        # The board's "escalations fired today" reads one day of this table.
        indexes = [models.Index(fields=["fired_at"], name="escalation_fired_at")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.step} {self.get_level_display()}"


class Phrase(models.Model):
    """Standard phrases and scripts (常用语/话术) offered beside the intake and return-visit forms."""

    class Situation(models.TextChoices):
        INTAKE = "intake", _("接听来电")
        COMPLAINT = "complaint", _("投诉处理")
        RETURN_VISIT = "return_visit", _("回访")
        ETIQUETTE = "etiquette", _("礼仪规范")
        EMERGENCY = "emergency", _("应急处置")
        FEES = "fees", _("收费解释")
        OTHER = "other", _("其他")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="phrases", verbose_name=_("公司"))
    situation = models.CharField(_("场景"), max_length=20, choices=Situation.choices)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"), max_length=2000)
    keywords = models.CharField(
        _("关键词"), max_length=200, blank=True, help_text=_("用空格或逗号分隔，便于搜索，如：漏水 安抚 停水")
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("更新人"),
    )

    class Meta:
        verbose_name = _("常用语/话术")
        verbose_name_plural = _("常用语/话术")
        ordering = ["company_id", "situation", "order", "id"]

    def __str__(self) -> str:
        return self.title


class IntakeKeyword(models.Model):
    """A word callers use and what it usually means (来电关键词): '漏水' → 报修 · 漏水渗水 · 工程部.
    The intake suggests a kind, a category and a department from the keywords found in what the
    clerk types, together with what clerks chose before (LearnedWord); desk/suggest.py."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="intake_keywords", verbose_name=_("公司")
    )
    keyword = models.CharField(_("关键词"), max_length=20, help_text=_("来电中出现的词，如 漏水、噪音、态度"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("分类"),
        help_text=_("留空表示只提示类型，如 咨询、表扬。"),
    )
    department_kind = models.CharField(
        _("处理部门"),
        max_length=20,
        blank=True,
        choices=DepartmentKind.choices,
        help_text=_("留空则用分类的默认处理部门。"),
    )
    weight = models.PositiveSmallIntegerField(
        _("权重"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("同一句话里出现几个关键词时，权重大的优先；一般 10，含义较弱的词 3–5。"),
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("来电关键词")
        verbose_name_plural = _("来电关键词")
        ordering = ["company_id", "keyword", "id"]
        indexes = [models.Index(fields=["company", "active"], name="intake_keyword_company")]

    def __str__(self) -> str:
        return self.keyword

    def clean(self):
        from django.core.exceptions import ValidationError

        from desk.suggest import normal_text

        self.keyword = normal_text(self.keyword).strip()
        if not self.keyword:
            raise ValidationError({"keyword": _("请填写关键词。")})
        if self.category_id and self.company_id and self.category.company_id != self.company_id:
            raise ValidationError({"category": _("分类不属于这个公司。")})


class LearnedWord(models.Model):
    """How many registered requests of the company held this word (a two-character piece of the
    title or description, or a Latin word) and were filed under this kind and category: what the
    clerks accepted or chose, counted in the registration's transaction (desk/suggest.py)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("公司"))
    word = models.CharField(_("词"), max_length=20)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+", verbose_name=_("分类"))
    count = models.PositiveIntegerField(_("次数"), default=0)

    class Meta:
        verbose_name = _("学习到的词")
        verbose_name_plural = _("学习到的词")
        # also the index the suggestion reads by: (company, word IN (...))
        constraints = [
            models.UniqueConstraint(fields=["company", "word", "category", "kind"], name="learned_word_unique")
        ]

    def __str__(self) -> str:
        return f"{self.word} → {self.category_id} {self.kind} ×{self.count}"
