import re

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Company, Project, User
from core.phone import mask_phone
from estate.choices import Gender, IdType, Orientation, ParkingKind, PetKind, Relation, RoomState, RoomUse, TagColour
from estate.normalize import name_grams, name_initials, name_pinyin, normalize_plate, phone_last4, plate_body

_NUMBER = re.compile(r"\d+")


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
    # the code with every number padded ('1-1-101' -> '00000001-00000001-00000101'): rooms sort
    # by building, unit and room number numerically (1-1-101 before 1-1-1001). Kept by save() and
    # by every bulk path through Room.make_sort_key.
    sort_key = models.CharField(max_length=160, editable=False, db_default="")
    floor = models.SmallIntegerField(_("楼层"), null=True, blank=True)
    area = models.DecimalField(_("产权面积(m²)"), max_digits=9, decimal_places=2, null=True, blank=True)
    use = models.CharField(_("用途"), max_length=20, choices=RoomUse.choices, default=RoomUse.RESIDENTIAL)
    state = models.CharField(_("状态"), max_length=20, choices=RoomState.choices, default=RoomState.VACANT)
    orientation = models.CharField(_("朝向"), max_length=4, choices=Orientation.choices, blank=True, db_default="")
    layout = models.CharField(_("户型"), max_length=30, blank=True, db_default="", help_text=_("如 三室两厅"))
    delivered_on = models.DateField(_("交付日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="room_code_unique")]
        indexes = [
            models.Index(fields=["project", "number"], name="room_project_number"),
            # prefix search ('3-2-' finds the unit's rooms) on PostgreSQL whatever the collation
            models.Index(fields=["code"], name="room_code_prefix", opclasses=["varchar_pattern_ops"]),
            # the rooms list and the API page through rooms in this order
            models.Index(fields=["sort_key", "id"], name="room_sort_key"),
        ]
        ordering = ["project_id", "sort_key"]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs):
        self.code = self.make_code(self.building.number, self.unit.number if self.unit_id else None, self.number)
        self.sort_key = self.make_sort_key(self.code)
        if self.building_id and not self.project_id:
            self.project_id = self.building.project_id
        super().save(*args, **kwargs)

    @staticmethod
    def make_code(building: str, unit: str | None, number: str) -> str:
        return "-".join(part for part in (building, unit, number) if part)

    @staticmethod
    def make_sort_key(code: str) -> str:
        """'1-1-1001' -> '00000001-00000001-00001001': text order is then natural order."""
        return _NUMBER.sub(lambda m: m.group().zfill(8), code)[:160]


class CareTag(models.Model):
    """A care label staff must see when a call comes in (独居老人, 残障, 敏感…), editable per company."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="care_tags", verbose_name=_("公司"))
    name = models.CharField(_("名称"), max_length=20)
    colour = models.CharField(_("颜色"), max_length=10, choices=TagColour.choices, default=TagColour.WARNING)
    hint = models.CharField(_("接待提示"), max_length=100, blank=True, help_text=_("如 来电请放慢语速"))
    order = models.PositiveSmallIntegerField(_("排序"), default=10)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("关怀标签")
        verbose_name_plural = _("关怀标签")
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="caretag_name_unique")]
        ordering = ["company_id", "order", "id"]

    def __str__(self) -> str:
        return self.name


class Resident(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="residents", verbose_name=_("项目"))
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机"), max_length=20, blank=True, help_text=_("保存为规范形式，如 13812345678"))
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="resident", verbose_name=_("登录账号")
    )
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True, db_default="")
    id_type = models.CharField(_("证件类型"), max_length=20, choices=IdType.choices, blank=True, db_default="")
    id_number = models.CharField(_("证件号码"), max_length=40, blank=True, db_default="")
    name_initials = models.CharField(_("姓名首字母"), max_length=20, blank=True, editable=False, db_default="")
    name_pinyin = models.CharField(_("姓名拼音"), max_length=60, blank=True, editable=False, db_default="")
    care_tags = models.ManyToManyField(CareTag, blank=True, related_name="residents", verbose_name=_("关怀标签"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("业户")
        verbose_name_plural = _("业户")
        indexes = [
            models.Index(fields=["project", "phone"], name="resident_phone"),
            models.Index(fields=["project", "phone_last4"], name="resident_phone_last4"),
            models.Index(fields=["project", "name_initials"], name="resident_initials"),
            models.Index(fields=["name_initials"], name="resident_initials_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name_pinyin"], name="resident_pinyin_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["phone"], name="resident_phone_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.phone_last4 = phone_last4(self.phone)
        self.name_initials = name_initials(self.name)
        self.name_pinyin = name_pinyin(self.name)
        super().save(*args, **kwargs)
        self.index_name()

    def index_name(self) -> None:
        """Keep the name's substrings (the search index) in step with the name."""
        grams = name_grams(self.name)
        have = set(self.name_grams.values_list("gram", flat=True))
        if have != grams:
            self.name_grams.exclude(gram__in=grams).delete()
            ResidentNameGram.objects.bulk_create(
                [ResidentNameGram(resident=self, project_id=self.project_id, gram=g) for g in grams - have]
            )

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class ResidentNameGram(models.Model):
    """One substring of a resident's name (up to 6 characters): a search for any part of a name is
    an equality lookup on (gram, project) instead of a LIKE '%…%' scan. Kept by Resident.save()."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="name_grams")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    gram = models.CharField(max_length=6)

    class Meta:
        verbose_name = _("姓名索引")
        verbose_name_plural = _("姓名索引")
        indexes = [models.Index(fields=["gram", "project"], name="resident_gram")]
        constraints = [models.UniqueConstraint(fields=["resident", "gram"], name="resident_gram_unique")]

    def __str__(self) -> str:
        return self.gram


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


class Vehicle(models.Model):
    """A household's vehicle. The plate is kept in one normal form (浙A12345) for search."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="vehicles", verbose_name=_("项目"))
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="vehicles", verbose_name=_("房屋"))
    resident = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="vehicles", verbose_name=_("车主")
    )
    plate = models.CharField(_("车牌号"), max_length=12)
    plate_body = models.CharField(max_length=12, editable=False)
    brand = models.CharField(_("品牌型号"), max_length=40, blank=True)
    colour = models.CharField(_("颜色"), max_length=10, blank=True)
    registered_on = models.DateField(_("登记日期"), default=timezone.localdate)
    ended_on = models.DateField(_("注销日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("车辆")
        verbose_name_plural = _("车辆")
        ordering = ["room_id", "ended_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "plate"], condition=Q(ended_on__isnull=True), name="vehicle_plate_active_unique"
            )
        ]
        indexes = [
            models.Index(fields=["plate"], name="vehicle_plate", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["plate_body"], name="vehicle_plate_body", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.plate

    def save(self, *args, **kwargs):
        self.plate = normalize_plate(self.plate)
        self.plate_body = plate_body(self.plate)
        if self.room_id and not self.project_id:
            self.project_id = self.room.project_id
        super().save(*args, **kwargs)


class ParkingSpace(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="parking", verbose_name=_("项目"))
    number = models.CharField(_("车位号"), max_length=20)
    kind = models.CharField(_("性质"), max_length=10, choices=ParkingKind.choices, default=ParkingKind.OWNED)
    room = models.ForeignKey(
        Room, on_delete=models.SET_NULL, null=True, blank=True, related_name="parking", verbose_name=_("房屋")
    )
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.SET_NULL, null=True, blank=True, related_name="parking", verbose_name=_("车辆")
    )
    start = models.DateField(_("起始日期"), null=True, blank=True)
    end = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("车位")
        verbose_name_plural = _("车位")
        ordering = ["project_id", "number"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="parking_number_unique")]

    def __str__(self) -> str:
        return self.number


class Pet(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="pets", verbose_name=_("房屋"))
    kind = models.CharField(_("种类"), max_length=10, choices=PetKind.choices, default=PetKind.DOG)
    name = models.CharField(_("名字"), max_length=30, blank=True)
    breed = models.CharField(_("品种"), max_length=30, blank=True)
    licence = models.CharField(_("犬证号"), max_length=30, blank=True)
    vaccinated_on = models.DateField(_("疫苗接种日期"), null=True, blank=True)
    registered_on = models.DateField(_("登记日期"), default=timezone.localdate)
    gone_on = models.DateField(_("迁出日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("宠物")
        verbose_name_plural = _("宠物")
        ordering = ["room_id", "gone_on", "-id"]

    def __str__(self) -> str:
        return self.name or self.get_kind_display()


class HouseholdNote(models.Model):
    """A staff note on a household. Never edited: a correction is a new note."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="notes", verbose_name=_("房屋"))
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人"))
    text = models.TextField(_("内容"), max_length=1000)
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("户档备注")
        verbose_name_plural = _("户档备注")
        indexes = [models.Index(fields=["room", "-created_at", "-id"], name="householdnote_room_time")]

    def __str__(self) -> str:
        return self.text[:30]
