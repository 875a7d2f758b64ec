from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Project, User
from core.phone import mask_phone
from estate.choices import Relation, RoomState, RoomUse


class Building(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="buildings", verbose_name=_("项目"))
    number = models.CharField(_("楼栋号"), max_length=20)
    name = models.CharField(_("名称"), max_length=50, blank=True)
    floors = models.PositiveSmallIntegerField(_("层数"), default=1)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="building_number_unique")]
        ordering = ["project_id", "number"]

    def __str__(self) -> str:
        return self.name or _("%(n)s栋") % {"n": self.number}


class Unit(models.Model):
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="units", verbose_name=_("楼栋"))
    number = models.CharField(_("单元号"), max_length=20)

    class Meta:
        verbose_name = _("单元")
        verbose_name_plural = _("单元")
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="unit_number_unique")]
        ordering = ["building_id", "number"]

    def __str__(self) -> str:
        return _("%(n)s单元") % {"n": self.number}


class Room(models.Model):
    """A household (户). `code` is the desk's everyday name for it, e.g. '3-2-1502' (building-unit-room)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="rooms", verbose_name=_("项目"))
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="rooms", verbose_name=_("楼栋"))
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="rooms", verbose_name=_("单元")
    )
    number = models.CharField(_("房号"), max_length=20)
    code = models.CharField(_("房屋编号"), max_length=60, editable=False)
    floor = models.SmallIntegerField(_("楼层"), null=True, blank=True)
    area = models.DecimalField(_("产权面积(m²)"), max_digits=9, decimal_places=2, null=True, blank=True)
    use = models.CharField(_("用途"), max_length=20, choices=RoomUse.choices, default=RoomUse.RESIDENTIAL)
    state = models.CharField(_("状态"), max_length=20, choices=RoomState.choices, default=RoomState.VACANT)

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="room_code_unique")]
        indexes = [models.Index(fields=["project", "number"], name="room_project_number")]
        ordering = ["project_id", "code"]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs):
        self.code = self.make_code(self.building.number, self.unit.number if self.unit_id else None, self.number)
        if self.building_id and not self.project_id:
            self.project_id = self.building.project_id
        super().save(*args, **kwargs)

    @staticmethod
    def make_code(building: str, unit: str | None, number: str) -> str:
        return "-".join(part for part in (building, unit, number) if part)


class Resident(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="residents", verbose_name=_("项目"))
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机"), max_length=20, blank=True, help_text=_("保存为规范形式，如 13812345678"))
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="resident", verbose_name=_("登录账号")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("业户")
        verbose_name_plural = _("业户")
        indexes = [
            models.Index(fields=["project", "phone"], name="resident_phone"),
            models.Index(fields=["project", "phone_last4"], name="resident_phone_last4"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.phone_last4 = self.phone[-4:] if self.phone else ""
        super().save(*args, **kwargs)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class OccupancyQuerySet(models.QuerySet):
    def current(self, on=None):
        day = on or timezone.localdate()
        return self.filter(Q(start__isnull=True) | Q(start__lte=day), Q(end__isnull=True) | Q(end__gte=day))


class Occupancy(models.Model):
    """A resident's relation to a room, with the dates it holds."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="occupancies", verbose_name=_("房屋"))
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="occupancies", verbose_name=_("业户"))
    relation = models.CharField(_("关系"), max_length=20, choices=Relation.choices)
    start = models.DateField(_("起始日期"), null=True, blank=True)
    end = models.DateField(_("结束日期"), null=True, blank=True)

    objects = OccupancyQuerySet.as_manager()

    class Meta:
        verbose_name = _("居住关系")
        verbose_name_plural = _("居住关系")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(start__isnull=True) | Q(end__gte=models.F("start")),
                name="occupancy_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.room} · {self.get_relation_display()}"
