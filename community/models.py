from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.choices import (
    NOTICE_COLOURS,
    SIGNUP_COLOURS,
    ActivityState,
    Audience,
    NoticeAction,
    NoticeState,
    SignupState,
)
from core.models import Project
from estate.models import Building, Resident, Room

# ---------------------------------------------------------------- announcements


class Announcement(models.Model):
    """A notice (公告) to a whole project, to some buildings or to some rooms."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="announcements", verbose_name=_("项目"))
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"), max_length=5000)
    audience = models.CharField(_("发布范围"), max_length=10, choices=Audience.choices, default=Audience.PROJECT)
    buildings = models.ManyToManyField(Building, blank=True, related_name="+", verbose_name=_("楼栋"))
    rooms = models.ManyToManyField(Room, blank=True, related_name="+", verbose_name=_("房屋"))
    state = models.PositiveSmallIntegerField(_("状态"), choices=NoticeState.choices, default=NoticeState.DRAFT)
    publish_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    expire_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("实际发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布人"),
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    # When its residents were told (community/notices.py): set once, by the task that tells them.
    notified_at = models.DateTimeField(_("通知业户时间"), null=True, blank=True, editable=False)
    withdraw_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("起草人")
    )
    created_at = models.DateTimeField(_("起草时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("公告")
        verbose_name_plural = _("公告")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["project", "-created_at", "-id"], name="notice_project_recent"),
            models.Index(fields=["publish_at"], name="notice_due", condition=Q(state=NoticeState.SCHEDULED)),
            models.Index(
                fields=["published_at"],
                name="notice_untold",
                condition=Q(state=NoticeState.PUBLISHED, notified_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def state_colour(self) -> str:
        return NOTICE_COLOURS[NoticeState(self.state)]

    @property
    def is_expired(self) -> bool:
        return bool(self.expire_at and self.expire_at <= timezone.now())

    @property
    def is_live(self) -> bool:
        return self.state == NoticeState.PUBLISHED and not self.is_expired


class AnnouncementEvent(models.Model):
    """The history of an announcement: who drafted, scheduled, published, withdrew it, and why."""

    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="events", verbose_name=_("公告")
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    action = models.CharField(_("动作"), max_length=12, choices=NoticeAction.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("公告记录")
        verbose_name_plural = _("公告记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.announcement} {self.get_action_display()}"


class AnnouncementRead(models.Model):
    """A resident account opened the announcement: the first time is kept."""

    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="reads", verbose_name=_("公告")
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first_read_at = models.DateTimeField(_("首次阅读时间"), default=timezone.now)

    class Meta:
        verbose_name = _("阅读记录")
        verbose_name_plural = _("阅读记录")
        constraints = [models.UniqueConstraint(fields=["announcement", "user"], name="notice_read_once")]
        indexes = [models.Index(fields=["user", "announcement"], name="notice_read_user")]

    def __str__(self) -> str:
        return f"{self.announcement} · {self.user}"


# ---------------------------------------------------------------- activities


class Activity(models.Model):
    """A community activity (社区文化活动) residents sign up for."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="activities", verbose_name=_("项目"))
    title = models.CharField(_("活动名称"), max_length=120)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=120)
    capacity = models.PositiveIntegerField(_("名额"), validators=[MinValueValidator(1)])
    signup_deadline = models.DateTimeField(_("报名截止"))
    waitlist = models.BooleanField(_("满员后可候补"), default=True)
    description = models.TextField(_("活动介绍"), blank=True, max_length=2000)
    state = models.PositiveSmallIntegerField(_("状态"), choices=ActivityState.choices, default=ActivityState.PLANNED)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    attendance_taken_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("组织人")
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("社区活动")
        verbose_name_plural = _("社区活动")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["project", "-starts_at", "-id"], name="activity_project_recent")]

    def __str__(self) -> str:
        return self.title

    @property
    def signup_open(self) -> bool:
        return self.state == ActivityState.PLANNED and timezone.now() <= self.signup_deadline

    @property
    def started(self) -> bool:
        return timezone.localdate(self.starts_at) <= timezone.localdate()


class Signup(models.Model):
    """A resident's place in an activity: confirmed, waitlisted or cancelled."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups", verbose_name=_("活动"))
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+", verbose_name=_("业户"))
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("房屋")
    )
    state = models.PositiveSmallIntegerField(_("状态"), choices=SignupState.choices, default=SignupState.CONFIRMED)
    signed_at = models.DateTimeField(_("报名时间"), default=timezone.now)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("登记人")
    )
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    attended = models.BooleanField(_("到场"), null=True, blank=True)
    attendance_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签到人"),
    )

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "resident"],
                condition=~Q(state=SignupState.CANCELLED),
                name="signup_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.resident}"

    @property
    def state_colour(self) -> str:
        return SIGNUP_COLOURS[SignupState(self.state)]


class Feedback(models.Model):
    """An attendee's rating (1–5) and comment after the activity."""

    signup = models.OneToOneField(Signup, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("报名"))
    rating = models.PositiveSmallIntegerField(_("评分"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.CharField(_("意见"), max_length=500, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("记录人")
    )

    class Meta:
        verbose_name = _("活动评价")
        verbose_name_plural = _("活动评价")
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_range")]

    def __str__(self) -> str:
        return f"{self.signup} {self.rating}"


# ---------------------------------------------------------------- visiting groups


class VisitGroup(models.Model):
    """A group visit received by the project (参观团体接待)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="visit_groups", verbose_name=_("项目"))
    organisation = models.CharField(_("来访单位"), max_length=120)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    size = models.PositiveSmallIntegerField(_("人数"), validators=[MinValueValidator(1)])
    visit_at = models.DateTimeField(_("参观时间"))
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    route = models.TextField(_("参观路线"), blank=True, max_length=500)
    receivers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("接待人员")
    )
    notes = models.TextField(_("备注"), blank=True, max_length=500)
    feedback = models.TextField(_("来访反馈"), blank=True, max_length=2000)
    rating = models.PositiveSmallIntegerField(
        _("满意度"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    personal_purged_at = models.DateTimeField(_("个人信息清除时间"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("参观团体")
        verbose_name_plural = _("参观团体")
        ordering = ["-visit_at", "-id"]
        indexes = [models.Index(fields=["project", "-visit_at", "-id"], name="visitgroup_project_recent")]

    def __str__(self) -> str:
        return f"{self.organisation} {timezone.localtime(self.visit_at):%Y-%m-%d}"


def photo_path(instance, filename: str) -> str:
    now = timezone.now()
    owner = f"activity/{instance.activity_id}" if instance.activity_id else f"visit/{instance.visit_id}"
    return f"community/{now:%Y/%m}/{owner}/{filename}"


class Photo(models.Model):
    """A photo of an activity or a group visit."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, null=True, blank=True, related_name="photos", verbose_name=_("活动")
    )
    visit = models.ForeignKey(
        VisitGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="photos", verbose_name=_("参观团体")
    )
    file = models.FileField(upload_to=photo_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(activity__isnull=False, visit__isnull=True) | Q(activity__isnull=True, visit__isnull=False),
                name="photo_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
