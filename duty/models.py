"""Duty roster, duty log, key register and shift handover of a project's front desk.

Nothing here is ever deleted: a removed or swapped assignment keeps its row with a new state, a
corrected log entry stays and the correction points at it, a returned key keeps its loan row, a
handover's items keep the answer given to each.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Project
from duty.choices import (
    ANSWER_COLOUR,
    HANDOVER_COLOUR,
    LOG_COLOUR,
    OPEN_HANDOVER_STATES,
    SWAP_COLOUR,
    AssignmentState,
    HandoverState,
    ItemAnswer,
    LogCategory,
    SwapState,
)

USER = settings.AUTH_USER_MODEL


# ------------------------------------------------------------------ roster


class Shift(models.Model):
    """A shift of a project's desk, e.g. 早班 08:00–16:00. An end at or before the start means the
    shift crosses midnight (中班 16:00–00:00, 夜班 22:00–06:00) and ends the next day."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("项目"))
    name = models.CharField(_("班次名称"), max_length=20)
    start = models.TimeField(_("开始时间"))
    end = models.TimeField(_("结束时间"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        ordering = ["project_id", "order", "start", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="duty_shift_name_unique")]

    def __str__(self) -> str:
        return f"{self.name} {self.start:%H:%M}–{self.end:%H:%M}"

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    def window(self, day) -> tuple[datetime, datetime]:
        """The aware start and end of this shift on `day` (the day it starts)."""
        tz = timezone.get_current_timezone()
        start = timezone.make_aware(datetime.combine(day, self.start), tz)
        end_day = day + timedelta(days=1) if self.crosses_midnight else day
        end = timezone.make_aware(datetime.combine(end_day, self.end), tz)
        return start, end


class Assignment(models.Model):
    """One person on one shift of one day. A swap or a removal ends it (the row stays)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("项目"))
    day = models.DateField(_("日期"))
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("班次"))
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="duty_assignments", verbose_name=_("值班人"))
    state = models.PositiveSmallIntegerField(_("状态"), choices=AssignmentState.choices, default=AssignmentState.ACTIVE)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("排班人"))
    created_at = models.DateTimeField(_("排班时间"), default=timezone.now)
    via_swap = models.ForeignKey(
        "SwapRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("来自调班")
    )
    ended_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("变更人")
    )
    ended_at = models.DateTimeField(_("变更时间"), null=True, blank=True)
    end_reason = models.CharField(_("变更原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("排班")
        verbose_name_plural = _("排班")
        ordering = ["day", "shift__order", "shift__start", "id"]
        indexes = [models.Index(fields=["project", "day"], name="duty_assignment_day")]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "shift", "user"],
                condition=Q(state=AssignmentState.ACTIVE),
                name="duty_assignment_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.shift.name} {self.user}"

    @property
    def is_active(self) -> bool:
        return self.state == AssignmentState.ACTIVE


class SwapRequest(models.Model):
    """A change of duty: who asked, who covers, why; a supervisor approves or rejects it."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="swaps", verbose_name=_("原排班"))
    asked_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人"))
    cover = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("顶班人"))
    reason = models.CharField(_("原因"), max_length=200)
    state = models.PositiveSmallIntegerField(_("状态"), choices=SwapState.choices, default=SwapState.PENDING)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("审批人")
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("调班")
        verbose_name_plural = _("调班")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.assignment} → {self.cover}"

    @property
    def colour(self) -> str:
        return SWAP_COLOUR[SwapState(self.state)]


# ------------------------------------------------------------------ duty log


class LogEntry(models.Model):
    """A line of the duty log. Never edited: a correction is a new entry pointing at this one."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("项目"))
    at = models.DateTimeField(_("发生时间"), default=timezone.now)
    category = models.CharField(_("类别"), max_length=20, choices=LogCategory.choices)
    text = models.TextField(_("内容"), max_length=2000)
    hand_over = models.BooleanField(
        _("需交接"), default=False, help_text=_("勾选后，这一条作为未完事项列入下一次交接班。")
    )
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人"))
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("更正的记录"),
    )

    class Meta:
        verbose_name = _("值班记录")
        verbose_name_plural = _("值班记录")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["project", "-at", "-id"], name="duty_log_recent"),
            models.Index(fields=["project", "-at"], name="duty_log_hand_over", condition=Q(hand_over=True)),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_category_display()} {self.text[:30]}"

    @property
    def colour(self) -> str:
        return LOG_COLOUR[LogCategory(self.category)]


# ------------------------------------------------------------------ keys


class Key(models.Model):
    """A key (or a set of keys) the desk keeps and lends: plant rooms, roof doors, vacant units."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("项目"))
    code = models.CharField(_("编号"), max_length=20)
    name = models.CharField(_("名称"), max_length=100)
    location = models.CharField(_("存放位置"), max_length=100, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("钥匙")
        verbose_name_plural = _("钥匙")
        ordering = ["project_id", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="duty_key_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class KeyLoan(models.Model):
    """A key lent out: to whom, why, until when; returning it fills `returned_at` (the row stays)."""

    key = models.ForeignKey(Key, on_delete=models.PROTECT, related_name="loans", verbose_name=_("钥匙"))
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("项目"))
    borrower_name = models.CharField(_("借用人"), max_length=50)
    borrower_phone = models.CharField(_("借用人电话"), max_length=20, blank=True)
    borrower_unit = models.CharField(_("借用单位/部门"), max_length=100, blank=True)
    purpose = models.CharField(_("用途"), max_length=200)
    lent_at = models.DateTimeField(_("借出时间"), default=timezone.now)
    due_back = models.DateTimeField(_("应还时间"))
    lent_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("借出经办人"))
    returned_at = models.DateTimeField(_("归还时间"), null=True, blank=True)
    returned_to = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("归还经办人")
    )
    return_note = models.CharField(_("归还说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("钥匙借用")
        verbose_name_plural = _("钥匙借用")
        ordering = ["-lent_at", "-id"]
        indexes = [
            models.Index(fields=["project", "lent_at"], name="duty_keyloan_out", condition=Q(returned_at__isnull=True))
        ]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=Q(returned_at__isnull=True), name="duty_key_lent_once")
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.borrower_name}"

    @property
    def is_out(self) -> bool:
        return self.returned_at is None

    @property
    def overdue(self) -> bool:
        return self.returned_at is None and self.due_back < timezone.now()


# ------------------------------------------------------------------ handover


class CountedThing(models.Model):
    """Something counted at every handover (keys on the board, radios, tools, petty cash)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("项目"))
    name = models.CharField(_("名称"), max_length=50)
    unit = models.CharField(_("单位"), max_length=10, blank=True)
    expected = models.DecimalField(_("应有数量"), max_digits=10, decimal_places=2)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("交接清点项")
        verbose_name_plural = _("交接清点项")
        ordering = ["project_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="duty_counted_name_unique")]

    def __str__(self) -> str:
        return self.name


class Handover(models.Model):
    """A shift handover (交接班): the open items gathered when it started, the counts, the notes, the
    shift's duty log, and both signatures."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("项目"))
    outgoing = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("交班人"))
    incoming = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("接班人"))
    shift = models.ForeignKey(
        Shift, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("交班班次")
    )
    period_start = models.DateTimeField(_("本班开始"))
    started_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    state = models.PositiveSmallIntegerField(_("状态"), choices=HandoverState.choices, default=HandoverState.DRAFT)
    notes = models.TextField(_("交班说明"), blank=True, max_length=2000)
    outgoing_signed_at = models.DateTimeField(_("交班签字时间"), null=True, blank=True)
    incoming_signed_at = models.DateTimeField(_("接班签字时间"), null=True, blank=True)
    incoming_comment = models.TextField(_("接班意见"), blank=True, max_length=500)
    cancelled_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("作废原因"), max_length=200, blank=True)
    item_count = models.PositiveIntegerField(_("事项数"), default=0)

    class Meta:
        verbose_name = _("交接班")
        verbose_name_plural = _("交接班")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["project", "-started_at"], name="duty_handover_recent")]
        constraints = [
            models.CheckConstraint(condition=~Q(outgoing=models.F("incoming")), name="duty_handover_two_people"),
            models.UniqueConstraint(
                fields=["project", "outgoing"],
                condition=Q(state__in=[int(s) for s in OPEN_HANDOVER_STATES]),
                name="duty_handover_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.started_at:%Y-%m-%d %H:%M} {self.outgoing} → {self.incoming}"

    @property
    def colour(self) -> str:
        return HANDOVER_COLOUR[HandoverState(self.state)]

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_HANDOVER_STATES


class HandoverItem(models.Model):
    """One open item carried over, as it was when the handover started, and the incoming person's answer."""

    handover = models.ForeignKey(Handover, on_delete=models.PROTECT, related_name="items", verbose_name=_("交接班"))
    kind = models.CharField(_("类型代码"), max_length=30)
    kind_label = models.CharField(_("类型"), max_length=50)
    key = models.CharField(_("标识"), max_length=100)
    title = models.CharField(_("事项"), max_length=300)
    detail = models.TextField(_("说明"), blank=True, max_length=500)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    since = models.DateTimeField(_("开始时间"), null=True, blank=True)
    order = models.PositiveIntegerField(_("顺序"), default=0)
    answer = models.PositiveSmallIntegerField(_("接班确认"), choices=ItemAnswer.choices, default=ItemAnswer.PENDING)
    reason = models.CharField(_("拒收原因"), max_length=300, blank=True)
    answered_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("交接事项")
        verbose_name_plural = _("交接事项")
        ordering = ["handover_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["handover", "key"], name="duty_item_key_unique")]
        indexes = [
            models.Index(fields=["handover", "answer"], name="duty_item_answer"),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} {self.title}"

    @property
    def colour(self) -> str:
        return ANSWER_COLOUR[ItemAnswer(self.answer)]


class HandoverCount(models.Model):
    """A counted thing at a handover: expected, counted, and why they differ."""

    handover = models.ForeignKey(Handover, on_delete=models.PROTECT, related_name="counts", verbose_name=_("交接班"))
    thing = models.ForeignKey(CountedThing, on_delete=models.PROTECT, related_name="+", verbose_name=_("清点项"))
    name = models.CharField(_("名称"), max_length=50)
    unit = models.CharField(_("单位"), max_length=10, blank=True)
    expected = models.DecimalField(_("应有数量"), max_digits=10, decimal_places=2)
    counted = models.DecimalField(_("实点数量"), max_digits=10, decimal_places=2, null=True, blank=True)
    explanation = models.CharField(_("差异说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("交接清点")
        verbose_name_plural = _("交接清点")
        ordering = ["handover_id", "id"]

    def __str__(self) -> str:
        return f"{self.name} {self.counted}/{self.expected}"

    @property
    def difference(self):
        return None if self.counted is None else self.counted - self.expected


class HandoverLogLine(models.Model):
    """The shift's duty log as it was when the handover started (a copy: the log itself stays)."""

    handover = models.ForeignKey(Handover, on_delete=models.PROTECT, related_name="log_lines", verbose_name=_("交接班"))
    entry = models.ForeignKey(LogEntry, on_delete=models.PROTECT, related_name="+", verbose_name=_("值班记录"))
    at = models.DateTimeField(_("发生时间"))
    category = models.CharField(_("类别"), max_length=20, choices=LogCategory.choices)
    text = models.TextField(_("内容"), max_length=2000)
    author_name = models.CharField(_("记录人"), max_length=50)
    corrects_id_snapshot = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("交接值班记录")
        verbose_name_plural = _("交接值班记录")
        ordering = ["handover_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%H:%M} {self.text[:30]}"
