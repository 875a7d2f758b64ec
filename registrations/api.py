"""Registrations under /api/ (propdesk/api_urls.py): move-ins, leases and transfers: lists
(cursor-paged, filtered), a record by id, and opening one through registrations/services.

Who reads: the staff the pages are for (registrations.rules.may_use) over their projects; a resident
their own rooms' leases and transfers and those about them (registrations/selectors.py `visible`,
as on the pages). Who opens one: whoever the service lets register in the room's project
(`rules.may_register`); a room the caller cannot see answers 404. Phone and ID numbers are masked.

- moveins/, leases/, transfers/           GET list (?project, ?room, ?state), POST open one
- moveins/{id}/, leases/{id}/, transfers/{id}/   GET one
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.access import Requires
from core.idempotency import Idempotent
from core.ids import ApiIdField, IdFilter
from core.paging import KeysetPagination
from core.privacy import mask_id
from core.text import text_limit
from desk.api import ERROR_RESPONSES
from estate.api import AUTHENTICATION_CLASSES, PhoneField
from estate.selectors import visible_rooms
from registrations import selectors, services
from registrations.choices import IdType, LeaseState, MoveInRelation, MoveInState, TransferState
from registrations.models import Lease, MoveIn, Transfer

reader = Requires(("registrations.use", "core.resident"), _("只有客服人员、管理人员和业户本人可以查看登记。"))
registrar = Requires("registrations.use", _("只有客服人员和管理人员可以办理登记。"))


def _state_field(choices):
    return serializers.ChoiceField(choices=choices, read_only=True, label=_("状态"))


class MoveInSerializer(serializers.ModelSerializer):
    room_code = serializers.CharField(source="room.code", read_only=True, label=_("房屋编号"))
    state = _state_field(MoveInState.choices)
    person_phone = PhoneField(label=_("手机"))
    relation = serializers.ChoiceField(choices=MoveInRelation.choices, read_only=True, label=_("与房屋的关系"))

    class Meta:
        model = MoveIn
        fields = [
            "id", "project", "room", "room_code", "state", "person_name", "person_phone", "relation",
            "move_in_on", "fees_noted_at", "rules_signed_at", "inspected_at", "completed_at", "created_at", "note",
        ]  # fmt: skip
        read_only_fields = fields


class LeaseSerializer(serializers.ModelSerializer):
    room_code = serializers.CharField(source="room.code", read_only=True, label=_("房屋编号"))
    state = _state_field(LeaseState.choices)
    tenant_phone = PhoneField(label=_("租户手机"))
    id_number_masked = serializers.SerializerMethodField(label=_("证件号码"))

    class Meta:
        model = Lease
        fields = [
            "id", "project", "room", "room_code", "state", "tenant_name", "tenant_phone", "id_number_masked",
            "start", "end", "contract_no", "confirmed_at", "activated_at", "moved_out_on", "created_at", "note",
        ]  # fmt: skip
        read_only_fields = fields

    def get_id_number_masked(self, lease) -> str:
        return mask_id(lease.id_number)


class TransferSerializer(serializers.ModelSerializer):
    room_code = serializers.CharField(source="room.code", read_only=True, label=_("房屋编号"))
    state = _state_field(TransferState.choices)
    new_owner_phone = PhoneField(label=_("新业主手机"))

    class Meta:
        model = Transfer
        fields = [
            "id", "project", "room", "room_code", "state", "old_owners", "new_owner_name", "new_owner_phone",
            "effective_on", "meters_read_at", "completed_at", "created_at", "note",
        ]  # fmt: skip
        read_only_fields = fields


def _note():
    return serializers.CharField(max_length=500, required=False, allow_blank=True, default="", label=_("备注"))


class MoveInInSerializer(serializers.Serializer):
    room = ApiIdField(label=_("房屋"))
    person_name = serializers.CharField(max_length=text_limit(MoveIn, "person_name"), label=_("入住人"))
    person_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="", label=_("手机"))
    relation = serializers.ChoiceField(choices=MoveInRelation.choices, default=MoveInRelation.OWNER, label=_("关系"))
    move_in_on = serializers.DateField(label=_("入住日期"))
    note = _note()


class LeaseInSerializer(serializers.Serializer):
    room = ApiIdField(label=_("房屋"))
    tenant_name = serializers.CharField(max_length=text_limit(Lease, "tenant_name"), label=_("租户姓名"))
    id_type = serializers.ChoiceField(choices=IdType.choices, default=IdType.ID_CARD, label=_("证件类型"))
    id_number = serializers.CharField(max_length=text_limit(Lease, "id_number"), label=_("证件号码"))
    tenant_phone = serializers.CharField(max_length=20, label=_("租户手机"))
    start = serializers.DateField(label=_("起租日期"))
    end = serializers.DateField(label=_("到期日期"))
    contract_no = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default="", label=_("合同编号")
    )
    emergency_name = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default="", label=_("紧急联系人")
    )
    emergency_phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", label=_("紧急联系人电话")
    )
    note = _note()


class TransferInSerializer(serializers.Serializer):
    room = ApiIdField(label=_("房屋"))
    new_owner_name = serializers.CharField(max_length=text_limit(Transfer, "new_owner_name"), label=_("新业主姓名"))
    new_owner_phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", label=_("新业主手机")
    )
    effective_on = serializers.DateField(label=_("过户日期"))
    note = _note()


def _filter(model_, states):
    class Filter(django_filters.FilterSet):
        project = IdFilter(label=_("项目"), field_name="project_id")
        room = IdFilter(label=_("房屋"), field_name="room_id")
        state = django_filters.TypedChoiceFilter(label=_("状态"), choices=states, coerce=int)

        class Meta:
            model = model_
            fields = ["project", "room", "state"]

    Filter.__name__ = f"{model_.__name__}Filter"
    return Filter


class NewestFirst(KeysetPagination):
    ordering = ("-created_at", "-id")


class _Registrations(Idempotent, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [reader]
    pagination_class = NewestFirst
    model = MoveIn
    input_serializer = MoveInInSerializer

    def get_queryset(self):
        return selectors.visible(self.model, self.request.user).select_related("room")

    def open(self, room, data):  # pragma: no cover - each kind says how it opens
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        if not registrar.has_permission(request, self):
            self.permission_denied(request, message=registrar.message)
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        room = visible_rooms(request.user).filter(pk=d.pop("room")).first()
        if room is None:
            raise NotFound(_("房屋不存在或您无权查看。"))
        record = self.open(room, d)
        return Response(
            self.serializer_class(record, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


def _schema(listed, one, opened, serializer, input_serializer):
    return extend_schema_view(
        list=extend_schema(summary=listed, tags=["registrations"]),
        retrieve=extend_schema(summary=one, tags=["registrations"]),
        create=extend_schema(
            summary=opened,
            tags=["registrations"],
            request=input_serializer,
            responses={201: serializer, **ERROR_RESPONSES},
        ),
    )


@_schema(_("收楼入住列表"), _("一份收楼入住"), _("办理收楼入住"), MoveInSerializer, MoveInInSerializer)
class MoveInViewSet(_Registrations):
    model = MoveIn
    serializer_class = MoveInSerializer
    input_serializer = MoveInInSerializer
    filterset_class = _filter(MoveIn, MoveInState.choices)

    def open(self, room, data):
        return services.movein_open(actor=self.request.user, room=room, **data)


@_schema(_("出租登记列表"), _("一份出租登记"), _("办理出租登记"), LeaseSerializer, LeaseInSerializer)
class LeaseViewSet(_Registrations):
    model = Lease
    serializer_class = LeaseSerializer
    input_serializer = LeaseInSerializer
    filterset_class = _filter(Lease, LeaseState.choices)

    def open(self, room, data):
        return services.lease_register(actor=self.request.user, room=room, **data)


@_schema(_("过户列表"), _("一份过户"), _("办理过户"), TransferSerializer, TransferInSerializer)
class TransferViewSet(_Registrations):
    model = Transfer
    serializer_class = TransferSerializer
    input_serializer = TransferInSerializer
    filterset_class = _filter(Transfer, TransferState.choices)

    def open(self, room, data):
        return services.transfer_open(actor=self.request.user, room=room, **data)
