"""The estate over the API: rooms and residents, read-only, scoped like the pages.

Staff see the rooms and residents of the projects they work in; a resident sees only their own
rooms and household. Phone numbers are shown in full only to roles that may see them
(`user.sees_full_phone`), masked (138****5678) to everyone else.
"""

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.authentication import SessionAuthentication

from core.auth import TokenAuthentication
from core.ids import IdFilter
from core.paging import KeysetPagination
from core.phone import mask_phone
from estate.choices import Relation, RoomState, RoomUse
from estate.models import Occupancy, Resident, Room
from estate.selectors import find_people, lookup_rooms, resident_scope, visible_residents, visible_rooms, with_occupants

# Token first: an anonymous client gets 401 with `WWW-Authenticate: Token`, not a bare 403.
AUTHENTICATION_CLASSES = [TokenAuthentication, SessionAuthentication]


class PhoneField(serializers.CharField):
    """A phone number as the current user may see it: full or masked."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        value = str(value or "")
        if user is not None and user.is_authenticated and user.sees_full_phone:
            return value
        return mask_phone(value)


# ---------------------------------------------------------------- serializers


class OccupantSerializer(serializers.Serializer):
    resident = serializers.IntegerField(source="resident_id", label=_("业户"))
    name = serializers.CharField(source="resident.name", label=_("姓名"))
    phone = PhoneField(source="resident.phone", label=_("手机"))
    relation = serializers.ChoiceField(choices=Relation.choices, label=_("关系"))
    relation_display = serializers.CharField(source="get_relation_display", label=_("关系名称"))
    start = serializers.DateField(label=_("起始日期"), allow_null=True)
    end = serializers.DateField(label=_("结束日期"), allow_null=True)


class RoomSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True, label=_("项目名称"))
    building = serializers.CharField(source="building.number", read_only=True, label=_("楼栋号"))
    unit = serializers.CharField(source="unit.number", read_only=True, allow_null=True, label=_("单元号"))
    use_display = serializers.CharField(source="get_use_display", read_only=True, label=_("用途名称"))
    state_display = serializers.CharField(source="get_state_display", read_only=True, label=_("状态名称"))
    occupants = OccupantSerializer(source="current", many=True, read_only=True, label=_("当前住户"))

    class Meta:
        model = Room
        fields = [
            "id",
            "code",
            "project",
            "project_name",
            "building",
            "unit",
            "number",
            "floor",
            "area",
            "use",
            "use_display",
            "state",
            "state_display",
            "occupants",
        ]
        read_only_fields = fields


class ResidentRoomSerializer(serializers.Serializer):
    room = serializers.IntegerField(source="room_id", label=_("房屋"))
    code = serializers.CharField(source="room.code", label=_("房屋编号"))
    relation = serializers.ChoiceField(choices=Relation.choices, label=_("关系"))
    relation_display = serializers.CharField(source="get_relation_display", label=_("关系名称"))


class ResidentSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True, label=_("项目名称"))
    phone = PhoneField(label=_("手机"))
    rooms = ResidentRoomSerializer(source="current_rooms", many=True, read_only=True, label=_("当前房屋"))

    class Meta:
        model = Resident
        fields = ["id", "project", "project_name", "name", "phone", "rooms"]
        read_only_fields = fields


# ---------------------------------------------------------------- filters


class RoomFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("房号、手机号（或后四位）、业户姓名，如 3-2-1502"), method="filter_q", max_length=60
    )
    project = IdFilter(label=_("项目"), field_name="project_id")
    building = IdFilter(label=_("楼栋"), field_name="building_id")
    use = django_filters.ChoiceFilter(label=_("用途"), choices=RoomUse.choices)
    state = django_filters.ChoiceFilter(label=_("状态"), choices=RoomState.choices)

    class Meta:
        model = Room
        fields = ["q", "project", "building", "use", "state"]

    def filter_q(self, queryset, name, value):
        if not value.strip():
            return queryset
        project_id = self.form.cleaned_data.get("project")
        found = lookup_rooms(self.request.user, value, project_id=int(project_id) if project_id else None, limit=100)
        return queryset.filter(pk__in=[room.pk for room in found])


API_SEARCH_CAP = 500


class ResidentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("姓名（或其中几个字、拼音首字母、全拼）、手机号（或后四位）、房号、车牌"),
        method="filter_q",
        max_length=50,
    )
    project = IdFilter(label=_("项目"), field_name="project_id")
    room = IdFilter(label=_("房屋"), method="filter_room")

    class Meta:
        model = Resident
        fields = ["q", "project", "room"]

    def filter_q(self, queryset, name, value):
        """The people search every box uses (estate.selectors.find_people), up to API_SEARCH_CAP
        people per kind of match."""
        if not value.strip():
            return queryset
        found = find_people(self.request.user, value, cap=API_SEARCH_CAP)
        return queryset.filter(pk__in=found.resident_ids())

    def filter_room(self, queryset, name, value):
        rooms = Occupancy.objects.current().filter(room_id=value).values("resident_id")
        return queryset.filter(pk__in=rooms)


# ---------------------------------------------------------------- views


class RoomPagination(KeysetPagination):
    ordering = ("sort_key", "id")  # natural order: 1-1-101 before 1-1-1001


class ResidentPagination(KeysetPagination):
    ordering = ("id",)


@extend_schema_view(
    list=extend_schema(summary=_("房屋列表"), description=_("员工看到所负责项目的房屋，业户只看到自己的房屋。")),
    retrieve=extend_schema(summary=_("房屋详情"), description=_("房屋及其当前住户。")),
)
class RoomViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RoomSerializer
    authentication_classes = AUTHENTICATION_CLASSES
    filterset_class = RoomFilter
    pagination_class = RoomPagination
    lookup_value_regex = r"[0-9]+"
    queryset = Room.objects.none()  # for the schema; the real one depends on the user

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Room.objects.none()
        rooms = visible_rooms(self.request.user)
        if self.request.user.is_resident:
            # visible_rooms is DISTINCT over a join; keep the prefetch and pagination on plain rows.
            rooms = Room.objects.filter(pk__in=rooms.values("pk"))
        return with_occupants(rooms).select_related("project", "unit")


@extend_schema_view(
    list=extend_schema(summary=_("业户列表"), description=_("员工看到所负责项目的业户，业户只看到自己一户的成员。")),
    retrieve=extend_schema(summary=_("业户详情"), description=_("业户及其当前房屋。")),
)
class ResidentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ResidentSerializer
    authentication_classes = AUTHENTICATION_CLASSES
    filterset_class = ResidentFilter
    pagination_class = ResidentPagination
    lookup_value_regex = r"[0-9]+"
    queryset = Resident.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Resident.objects.none()
        residents = visible_residents(self.request.user)
        current = Occupancy.objects.current().select_related("room").order_by("room__code", "id")
        if self.request.user.is_resident:
            residents = Resident.objects.filter(pk__in=residents.values("pk"))
            # a housemate's other homes are not this resident's business: only the rooms they share
            current = current.filter(room_id__in=list(resident_scope(self.request.user).rooms))
        return residents.select_related("project").prefetch_related(
            Prefetch("occupancies", queryset=current, to_attr="current_rooms")
        )


# ---------------------------------------------------------------- the household file (read-only)


class HouseholdPersonSerializer(serializers.Serializer):
    resident = serializers.IntegerField(source="resident_id", label=_("业户"))
    name = serializers.CharField(source="resident.name", label=_("姓名"))
    gender = serializers.CharField(source="resident.gender", label=_("性别"))
    phone = PhoneField(source="resident.phone", label=_("手机"))
    id_type = serializers.CharField(source="resident.id_type", label=_("证件类型"))
    id_number = serializers.SerializerMethodField(label=_("证件号码"))
    care_tags = serializers.SerializerMethodField(label=_("关怀标签"))
    relation = serializers.ChoiceField(choices=Relation.choices, label=_("关系"))
    start = serializers.DateField(label=_("起始日期"), allow_null=True)
    end = serializers.DateField(label=_("结束日期"), allow_null=True)
    current = serializers.BooleanField(source="is_current", label=_("当前"))

    def get_id_number(self, occ) -> str:
        from core.privacy import mask_id

        return mask_id(occ.resident.id_number)  # the API never gives a full ID number

    def get_care_tags(self, occ) -> list[str]:
        return [tag.name for tag in occ.resident.care_tags.all()]


class HouseholdVehicleSerializer(serializers.Serializer):
    plate = serializers.CharField(label=_("车牌号"))
    brand = serializers.CharField(label=_("品牌型号"))
    colour = serializers.CharField(label=_("颜色"))
    resident = serializers.IntegerField(source="resident_id", allow_null=True, label=_("车主"))
    registered_on = serializers.DateField(label=_("登记日期"))
    ended_on = serializers.DateField(allow_null=True, label=_("注销日期"))


class HouseholdParkingSerializer(serializers.Serializer):
    number = serializers.CharField(label=_("车位号"))
    kind = serializers.CharField(label=_("性质"))
    plate = serializers.CharField(source="vehicle.plate", allow_null=True, default=None, label=_("车牌号"))
    start = serializers.DateField(allow_null=True, label=_("起始日期"))
    end = serializers.DateField(allow_null=True, label=_("结束日期"))


class HouseholdPetSerializer(serializers.Serializer):
    kind = serializers.CharField(label=_("种类"))
    name = serializers.CharField(label=_("名字"))
    breed = serializers.CharField(label=_("品种"))
    vaccinated_on = serializers.DateField(allow_null=True, label=_("疫苗接种日期"))
    gone_on = serializers.DateField(allow_null=True, label=_("迁出日期"))


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField(label=_("时间"))
    source = serializers.CharField(label=_("来源"))
    title = serializers.CharField(label=_("标题"))
    detail = serializers.CharField(label=_("说明"))
    url = serializers.CharField(label=_("链接"))
    state = serializers.CharField(label=_("状态"))
    actor = serializers.CharField(label=_("经办人"))


class HouseholdSerializer(RoomSerializer):
    orientation = serializers.CharField(read_only=True, label=_("朝向"))
    layout = serializers.CharField(read_only=True, label=_("户型"))
    people = HouseholdPersonSerializer(many=True, read_only=True, label=_("人员"))
    vehicles = HouseholdVehicleSerializer(source="file_vehicles", many=True, read_only=True, label=_("车辆"))
    parking = HouseholdParkingSerializer(source="file_parking", many=True, read_only=True, label=_("车位"))
    pets = HouseholdPetSerializer(source="file_pets", many=True, read_only=True, label=_("宠物"))
    timeline = TimelineEntrySerializer(many=True, read_only=True, label=_("档案时间线"))

    class Meta(RoomSerializer.Meta):
        fields = [f for f in RoomSerializer.Meta.fields if f != "occupants"] + [
            "orientation",
            "layout",
            "people",
            "vehicles",
            "parking",
            "pets",
            "timeline",
        ]
        read_only_fields = fields


@extend_schema_view(
    retrieve=extend_schema(
        summary=_("一户一档"),
        description=_("房屋、全部人员（含历史）、车辆、车位、宠物和档案时间线。仅限本项目员工；证件号码始终打码。"),
    ),
)
class HouseholdViewSet(viewsets.GenericViewSet):
    serializer_class = HouseholdSerializer
    authentication_classes = AUTHENTICATION_CLASSES
    lookup_value_regex = r"[0-9]+"
    queryset = Room.objects.none()

    def retrieve(self, request, pk=None):
        from django.http import Http404
        from rest_framework.response import Response

        from estate.selectors import household, household_people, household_things
        from estate.timeline import room_timeline

        source = request.query_params.get("source")
        room = household(request.user, pk)
        if room is None:
            raise Http404
        room.people = household_people(room)
        for key, value in household_things(room).items():
            setattr(room, f"file_{key}", value)
        room.timeline = room_timeline(room=room, user=request.user, only={source} if source else None)
        return Response(self.get_serializer(room).data)
