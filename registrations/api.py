"""Registrations under /api/ (propdesk/api_urls.py): move-ins, leases and transfers: lists
(cursor-paged, filtered), a record by id, and opening one through registrations/services.

Who reads: the staff the pages are for (registrations.rules.may_use) over their projects; a resident
their own rooms' leases and transfers and those about them (registrations/selectors.py `visible`,
as on the pages). Who opens one: whoever the service lets register in the room's project
(`rules.may_register`); a room the caller cannot see answers 404. Phone and ID numbers are masked.

The steps that close a record are the page's (registrations/views.py `record_act`), each through
the same service: a record the caller cannot see answers 404; one they see but may not act on
(`rules.may_register`: a resident, another role) 403; the service's refusal (a wrong state,
items still missing) 403 with its reason, bad input 400 with field errors; nothing is changed.

- moveins/, leases/, transfers/           GET list (?project, ?room, ?state), POST open one
- moveins/{id}/, leases/{id}/, transfers/{id}/   GET one
- moveins/{id}/check/, fees/, rules/, key/, inspect/, defect/, repair/: the steps that make a move-in
  ready (a checklist item ticked, the fees paid ahead, the rules signed, keys handed over, the
  inspection, a defect found there and its hand-off as a repair request)
- transfers/{id}/item/, settle/, meters/: a transfer's items to settle, settling one, the meters read
- moveins/{id}/complete/, moveins/{id}/cancel/, transfers/{id}/complete/, transfers/{id}/cancel/
- handovers/ (接管验收, the desk's only: a resident is refused) GET list (?project, ?building, ?state),
  POST open one; handovers/{id}/ GET one; item/, defect/, repair/, sign/ (the project manager: the
  service refuses anyone else), cancel/
- leases/{id}/confirm-owner/ (the desk records the owner's agreement), activate/, move-out/, cancel/
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.access import Requires
from core.api import ERROR_RESPONSES, step_schema, valid
from core.idempotency import Idempotent
from core.ids import ApiIdField, IdFilter
from core.models import Project
from core.paging import KeysetPagination
from core.privacy import mask_id
from core.text import text_limit
from estate.api import AUTHENTICATION_CLASSES, PhoneField
from estate.models import Building
from estate.selectors import visible_rooms
from registrations import rules, selectors, services
from registrations.choices import (
    ConfirmMethod,
    HandoverState,
    IdType,
    KeyKind,
    LeaseState,
    MoveInRelation,
    MoveInState,
    Result,
    Section,
    TransferState,
)
from registrations.models import (
    QUANTITY_MAX,
    Defect,
    Event,
    Handover,
    HandoverItem,
    Lease,
    MoveIn,
    MoveInCheck,
    MoveInKey,
    Transfer,
    TransferItem,
)

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


class MoveInCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = MoveInCheck
        fields = ["id", "label", "mandatory", "checked_at", "note"]
        read_only_fields = fields


class MoveInKeySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=KeyKind.choices, read_only=True, label=_("钥匙/卡类别"))

    class Meta:
        model = MoveInKey
        fields = ["id", "kind", "count", "receiver", "handed_at"]
        read_only_fields = fields


class DefectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Defect
        fields = ["id", "location", "description", "request", "created_at"]
        read_only_fields = fields


class TransferItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = TransferItem
        fields = ["id", "label", "account_check", "settled_at", "note"]
        read_only_fields = fields


def _missing_field():
    return serializers.SerializerMethodField(
        label=_("尚缺事项"), help_text=_("办结前还缺的事项，与页面所列相同；为空即可办结。")
    )


class MoveInDetailSerializer(MoveInSerializer):
    """One move-in with what its steps name by id: the checklist, the keys, the defects."""

    checks = MoveInCheckSerializer(many=True, read_only=True, label=_("资料核验项"))
    keys = MoveInKeySerializer(many=True, read_only=True, label=_("钥匙交付"))
    defects = DefectSerializer(many=True, read_only=True, label=_("缺陷"))
    missing = _missing_field()

    class Meta(MoveInSerializer.Meta):
        fields = [*MoveInSerializer.Meta.fields, "fees_amount", "fees_months", "fees_receipt", "inspection_note"]
        fields += ["checks", "keys", "defects", "missing"]
        read_only_fields = fields

    def get_missing(self, movein) -> list[str]:
        return services.movein_missing(movein)


class TransferDetailSerializer(TransferSerializer):
    """One transfer with its items to settle (by id) and the meter readings."""

    items = TransferItemSerializer(many=True, read_only=True, label=_("待结清事项"))
    missing = _missing_field()

    class Meta(TransferSerializer.Meta):
        fields = [*TransferSerializer.Meta.fields, "water", "electricity", "gas", "items", "missing"]
        read_only_fields = fields

    def get_missing(self, transfer) -> list[str]:
        return services.transfer_missing(transfer)


class AcceptanceItemSerializer(serializers.ModelSerializer):
    section = serializers.ChoiceField(choices=Section.choices, read_only=True, label=_("类别"))
    result = serializers.ChoiceField(choices=Result.choices, read_only=True, allow_blank=True, label=_("结果"))

    class Meta:
        model = HandoverItem
        fields = ["id", "section", "name", "result", "quantity", "note", "recorded_at"]
        read_only_fields = fields


class AcceptanceSerializer(serializers.ModelSerializer):
    state = _state_field(HandoverState.choices)

    class Meta:
        model = Handover
        fields = [
            "id", "project", "building", "state", "developer", "developer_contact", "accepted_on", "signed_at",
            "created_at", "note",
        ]  # fmt: skip
        read_only_fields = fields


class AcceptanceDetailSerializer(AcceptanceSerializer):
    """One acceptance with its items and defects (by id) and what still stands before the signature."""

    items = AcceptanceItemSerializer(many=True, read_only=True, label=_("验收项"))
    defects = DefectSerializer(many=True, read_only=True, label=_("缺陷"))
    missing = _missing_field()

    class Meta(AcceptanceSerializer.Meta):
        fields = [*AcceptanceSerializer.Meta.fields, "sign_note", "items", "defects", "missing"]
        read_only_fields = fields

    def get_missing(self, handover) -> list[str]:
        return services.handover_missing(handover)


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


# ---------------------------------------------------------------- the steps (the page's forms)

EVENT_NOTE = text_limit(Event, "note")


class RegistrationNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=EVENT_NOTE, required=False, allow_blank=True, default="", label=_("说明"))


class RegistrationCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=EVENT_NOTE, label=_("原因"))


class ConfirmOwnerSerializer(serializers.Serializer):
    owner_name = serializers.CharField(max_length=text_limit(Lease, "owner_name"), label=_("确认业主"))
    method = serializers.ChoiceField(
        choices=[c for c in ConfirmMethod.choices if c[0] != ConfirmMethod.APP],
        label=_("确认方式"),
        help_text=_("业主本人在手机上的确认不经客服登记。"),
    )
    confirmed_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, label=_("确认时间"), help_text=_("不填为现在。")
    )
    note = serializers.CharField(
        max_length=text_limit(Lease, "confirm_note"), required=False, allow_blank=True, default="", label=_("确认说明")
    )


class MoveOutSerializer(serializers.Serializer):
    on = serializers.DateField(label=_("退租日期"))
    note = serializers.CharField(
        max_length=text_limit(Lease, "move_out_note"), required=False, allow_blank=True, default="", label=_("退租说明")
    )
    override_reason = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        label=_("欠费批准原因"),
        help_text=_("该户有欠费且公司要求批准时，由主管写明原因批准退租。"),
    )


class MoveInCheckInSerializer(serializers.Serializer):
    check = ApiIdField(label=_("核验项"), help_text=_("这份入住登记的 checks 中的一项。"))
    checked = serializers.BooleanField(default=True, label=_("已核验"), help_text=_("false 为撤销核验。"))
    note = serializers.CharField(
        max_length=text_limit(MoveInCheck, "note"), required=False, allow_blank=True, default="", label=_("说明")
    )


class FeesSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, label=_("预交金额(元)"))
    months = serializers.IntegerField(
        min_value=0, max_value=36, required=False, allow_null=True, default=None, label=_("预交月数")
    )
    receipt = serializers.CharField(
        max_length=text_limit(MoveIn, "fees_receipt"), required=False, allow_blank=True, default="", label=_("收据号")
    )


class KeySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KeyKind.choices, label=_("钥匙/卡类别"))
    count = serializers.IntegerField(min_value=1, max_value=99, default=1, label=_("数量"))
    receiver = serializers.CharField(max_length=text_limit(MoveInKey, "receiver"), label=_("领取人"))


class DefectInSerializer(serializers.Serializer):
    location = serializers.CharField(max_length=text_limit(Defect, "location"), label=_("部位"))
    description = serializers.CharField(max_length=text_limit(Defect, "description"), label=_("缺陷描述"))


class DefectRepairSerializer(serializers.Serializer):
    defect = ApiIdField(label=_("缺陷"), help_text=_("这份入住登记的 defects 中的一项。"))


class TransferItemInSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=text_limit(TransferItem, "label"), label=_("待结清事项"))


class SettleSerializer(serializers.Serializer):
    item = ApiIdField(label=_("事项"), help_text=_("这份过户的 items 中的一项。"))
    note = serializers.CharField(
        max_length=text_limit(TransferItem, "note"),
        required=False,
        allow_blank=True,
        default="",
        label=_("结清说明"),
        help_text=_("如收据号、金额、无欠费；按房屋账户核对的一项不填。"),
    )


def _reading(label):
    return serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True, default=None, label=label
    )


class MetersSerializer(serializers.Serializer):
    water = _reading(_("水表读数"))
    electricity = _reading(_("电表读数"))
    gas = _reading(_("燃气表读数"))


class AcceptanceInSerializer(serializers.Serializer):
    project = ApiIdField(label=_("项目"))
    building = ApiIdField(
        required=False, allow_null=True, default=None, label=_("楼栋"), help_text=_("不填为整个项目。")
    )
    developer = serializers.CharField(max_length=text_limit(Handover, "developer"), label=_("移交单位（开发商）"))
    developer_contact = serializers.CharField(
        max_length=text_limit(Handover, "developer_contact"),
        required=False,
        allow_blank=True,
        default="",
        label=_("开发商代表"),
    )
    accepted_on = serializers.DateField(label=_("验收日期"))
    note = serializers.CharField(
        max_length=text_limit(Handover, "note"), required=False, allow_blank=True, default="", label=_("备注")
    )


class AcceptanceItemInSerializer(serializers.Serializer):
    section = serializers.ChoiceField(choices=Section.choices, label=_("类别"))
    name = serializers.CharField(max_length=text_limit(HandoverItem, "name"), label=_("项目名称"))
    result = serializers.ChoiceField(
        choices=Result.choices,
        required=False,
        allow_blank=True,
        default="",
        label=_("结果"),
        help_text=_("房屋本体和设施设备填写；钥匙、资料不填。"),
    )
    quantity = serializers.IntegerField(
        min_value=0,
        max_value=QUANTITY_MAX,
        required=False,
        allow_null=True,
        default=None,
        label=_("数量"),
        help_text=_("钥匙、资料填接收数量。"),
    )
    note = serializers.CharField(
        max_length=text_limit(HandoverItem, "note"), required=False, allow_blank=True, default="", label=_("说明")
    )


class AcceptanceSignSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=min(EVENT_NOTE, text_limit(Handover, "sign_note")),
        required=False,
        allow_blank=True,
        default="",
        label=_("验收意见"),
    )


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


class _Registrations(Idempotent, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [reader]
    pagination_class = KeysetPagination  # newest first
    model = MoveIn
    input_serializer = MoveInInSerializer
    detail_serializer = MoveInDetailSerializer
    children = ()  # what the detail shows of the record's own rows
    place = "room"

    def get_queryset(self):
        qs = selectors.visible(self.model, self.request.user).select_related(self.place)
        return qs if self.action == "list" else qs.prefetch_related(*self.children)

    def get_serializer_class(self):
        return self.serializer_class if self.action == "list" else self.detail_serializer

    def _detail(self, request, record, **kwargs):
        record = self.get_queryset().get(pk=record.pk)  # as it now is, with its rows
        return Response(self.detail_serializer(record, context={"request": request}).data, **kwargs)

    def open(self, room, data):  # pragma: no cover - each kind says how it opens
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        registrar.check(request.user)
        d = dict(valid(self.input_serializer, request).validated_data)
        room = visible_rooms(request.user).filter(pk=d.pop("room")).first()
        if room is None:
            raise NotFound(_("房屋不存在或您无权查看。"))
        record = self.open(room, d)
        return self._detail(request, record, status=status.HTTP_201_CREATED)

    def _step(self, request, body_class, run):
        """One step, as the page takes it: the record (404 if not the caller's to see), who may act
        in its project (403), the body (400), then the service; the record as it now is."""
        record = self.get_object()
        if not rules.may_register(request.user, record.project_id):
            self.permission_denied(request, message=_("您不能在这个项目办理登记。"))
        run(request.user, record, valid(body_class, request).validated_data)
        return self._detail(request, record)


def _repair(actor, record, data):
    """A defect of this record (a move-in's or a handover's) handed off as a repair request."""
    defect = selectors.defect_of(record, data["defect"])
    if defect is None:
        raise serializers.ValidationError({"defect": [_("缺陷不存在。")]})
    services.defect_to_repair(actor=actor, defect=defect)


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


@_schema(_("收楼入住列表"), _("一份收楼入住"), _("办理收楼入住"), MoveInDetailSerializer, MoveInInSerializer)
class MoveInViewSet(_Registrations):
    model = MoveIn
    serializer_class = MoveInSerializer
    input_serializer = MoveInInSerializer
    detail_serializer = MoveInDetailSerializer
    children = ("checks", "keys", "defects")
    filterset_class = _filter(MoveIn, MoveInState.choices)

    def open(self, room, data):
        return services.movein_open(actor=self.request.user, room=room, **data)

    @step_schema(
        _("核验入住资料"),
        tag="registrations",
        request=MoveInCheckInSerializer,
        response=MoveInDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="check", url_name="check")
    def check(self, request, pk=None):
        return self._step(
            request,
            MoveInCheckInSerializer,
            lambda a, r, d: services.movein_check(
                actor=a, movein=r, check_id=d["check"], checked=d["checked"], note=d["note"]
            ),
        )

    @step_schema(
        _("登记预交费用"),
        tag="registrations",
        request=FeesSerializer,
        response=MoveInDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="fees", url_name="fees")
    def fees(self, request, pk=None):
        return self._step(request, FeesSerializer, lambda a, r, d: services.movein_note_fees(actor=a, movein=r, **d))

    @step_schema(
        _("登记管理规约已签署"),
        tag="registrations",
        request=RegistrationNoteSerializer,
        response=MoveInDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="rules", url_name="rules")
    def sign_rules(self, request, pk=None):
        return self._step(
            request,
            RegistrationNoteSerializer,
            lambda a, r, d: services.movein_sign_rules(actor=a, movein=r, note=d["note"]),
        )

    @step_schema(
        _("交付钥匙"),
        tag="registrations",
        request=KeySerializer,
        response=MoveInDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="key", url_name="key")
    def key(self, request, pk=None):
        return self._step(request, KeySerializer, lambda a, r, d: services.movein_add_key(actor=a, movein=r, **d))

    @step_schema(
        _("登记验房完成"),
        tag="registrations",
        request=RegistrationNoteSerializer,
        response=MoveInDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="inspect", url_name="inspect")
    def inspect(self, request, pk=None):
        return self._step(
            request,
            RegistrationNoteSerializer,
            lambda a, r, d: services.movein_inspect(actor=a, movein=r, note=d["note"]),
        )

    @step_schema(
        _("记录验房缺陷"),
        tag="registrations",
        request=DefectInSerializer,
        response=MoveInDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="defect", url_name="defect")
    def defect(self, request, pk=None):
        return self._step(request, DefectInSerializer, lambda a, r, d: services.defect_add(actor=a, movein=r, **d))

    @step_schema(
        _("验房缺陷转报修"),
        tag="registrations",
        request=DefectRepairSerializer,
        response=MoveInDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="repair", url_name="repair")
    def repair(self, request, pk=None):
        return self._step(request, DefectRepairSerializer, _repair)

    @step_schema(
        _("办结入住"),
        tag="registrations",
        request=RegistrationNoteSerializer,
        response=MoveInDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="complete", url_name="complete")
    def complete(self, request, pk=None):
        return self._step(
            request,
            RegistrationNoteSerializer,
            lambda a, r, d: services.movein_complete(actor=a, movein=r, note=d["note"]),
        )

    @step_schema(
        _("取消收楼入住"),
        tag="registrations",
        request=RegistrationCancelSerializer,
        response=MoveInDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="cancel", url_name="cancel")
    def cancel(self, request, pk=None):
        return self._step(
            request,
            RegistrationCancelSerializer,
            lambda a, r, d: services.movein_cancel(actor=a, movein=r, reason=d["reason"]),
        )


@_schema(_("出租登记列表"), _("一份出租登记"), _("办理出租登记"), LeaseSerializer, LeaseInSerializer)
class LeaseViewSet(_Registrations):
    model = Lease
    serializer_class = LeaseSerializer
    input_serializer = LeaseInSerializer
    detail_serializer = LeaseSerializer
    filterset_class = _filter(Lease, LeaseState.choices)

    def open(self, room, data):
        return services.lease_register(actor=self.request.user, room=room, **data)

    @step_schema(
        _("登记业主确认出租"),
        tag="registrations",
        request=ConfirmOwnerSerializer,
        response=LeaseSerializer,
    )
    @action(detail=True, methods=["post"], url_path="confirm-owner", url_name="confirm-owner")
    def confirm_owner(self, request, pk=None):
        return self._step(
            request,
            ConfirmOwnerSerializer,
            lambda a, r, d: services.lease_confirm_owner(actor=a, lease=r, **d),
        )

    @step_schema(
        _("租约生效"),
        tag="registrations",
        request=RegistrationNoteSerializer,
        response=LeaseSerializer,
    )
    @action(detail=True, methods=["post"], url_path="activate", url_name="activate")
    def activate(self, request, pk=None):
        return self._step(
            request,
            RegistrationNoteSerializer,
            lambda a, r, d: services.lease_activate(actor=a, lease=r, note=d["note"]),
        )

    @step_schema(
        _("办理退租"),
        tag="registrations",
        request=MoveOutSerializer,
        response=LeaseSerializer,
    )
    @action(detail=True, methods=["post"], url_path="move-out", url_name="move-out")
    def move_out(self, request, pk=None):
        return self._step(request, MoveOutSerializer, lambda a, r, d: services.lease_move_out(actor=a, lease=r, **d))

    @step_schema(
        _("取消出租登记"),
        tag="registrations",
        request=RegistrationCancelSerializer,
        response=LeaseSerializer,
    )
    @action(detail=True, methods=["post"], url_path="cancel", url_name="cancel")
    def cancel(self, request, pk=None):
        return self._step(
            request,
            RegistrationCancelSerializer,
            lambda a, r, d: services.lease_cancel(actor=a, lease=r, reason=d["reason"]),
        )


@_schema(_("过户列表"), _("一份过户"), _("办理过户"), TransferDetailSerializer, TransferInSerializer)
class TransferViewSet(_Registrations):
    model = Transfer
    serializer_class = TransferSerializer
    input_serializer = TransferInSerializer
    detail_serializer = TransferDetailSerializer
    children = ("items",)
    filterset_class = _filter(Transfer, TransferState.choices)

    def open(self, room, data):
        return services.transfer_open(actor=self.request.user, room=room, **data)

    @step_schema(
        _("增加过户待结清事项"),
        tag="registrations",
        request=TransferItemInSerializer,
        response=TransferDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="item", url_name="item")
    def item(self, request, pk=None):
        return self._step(
            request,
            TransferItemInSerializer,
            lambda a, r, d: services.transfer_add_item(actor=a, transfer=r, label=d["label"]),
        )

    @step_schema(
        _("结清过户事项"),
        tag="registrations",
        request=SettleSerializer,
        response=TransferDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="settle", url_name="settle")
    def settle(self, request, pk=None):
        return self._step(
            request,
            SettleSerializer,
            lambda a, r, d: services.transfer_settle_item(actor=a, transfer=r, item_id=d["item"], note=d["note"]),
        )

    @step_schema(
        _("过户抄表"),
        tag="registrations",
        request=MetersSerializer,
        response=TransferDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="meters", url_name="meters")
    def meters(self, request, pk=None):
        return self._step(
            request, MetersSerializer, lambda a, r, d: services.transfer_read_meters(actor=a, transfer=r, **d)
        )

    @step_schema(
        _("办结过户"),
        tag="registrations",
        request=RegistrationNoteSerializer,
        response=TransferDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="complete", url_name="complete")
    def complete(self, request, pk=None):
        return self._step(
            request,
            RegistrationNoteSerializer,
            lambda a, r, d: services.transfer_complete(actor=a, transfer=r, note=d["note"]),
        )

    @step_schema(
        _("取消过户"),
        tag="registrations",
        request=RegistrationCancelSerializer,
        response=TransferDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="cancel", url_name="cancel")
    def cancel(self, request, pk=None):
        return self._step(
            request,
            RegistrationCancelSerializer,
            lambda a, r, d: services.transfer_cancel(actor=a, transfer=r, reason=d["reason"]),
        )


class AcceptanceFilter(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    building = IdFilter(label=_("楼栋"), field_name="building_id")
    state = django_filters.TypedChoiceFilter(label=_("状态"), choices=HandoverState.choices, coerce=int)

    class Meta:
        model = Handover
        fields = ["project", "building", "state"]


@_schema(_("接管验收列表"), _("一份接管验收"), _("办理接管验收"), AcceptanceDetailSerializer, AcceptanceInSerializer)
class AcceptanceViewSet(_Registrations):
    """The acceptance of a project or a building from the developer: the desk's, as the pages are
    (a resident is refused, not shown an empty list)."""

    permission_classes = [registrar]
    model = Handover
    serializer_class = AcceptanceSerializer
    input_serializer = AcceptanceInSerializer
    detail_serializer = AcceptanceDetailSerializer
    children = ("items", "defects")
    place = "building"
    filterset_class = AcceptanceFilter

    def create(self, request, *args, **kwargs):
        d = dict(valid(AcceptanceInSerializer, request).validated_data)
        ids = request.user.project_ids()
        project = Project.objects.filter(pk=d.pop("project"), pk__in=ids).first()
        if project is None:
            raise NotFound(_("项目不存在或您无权查看。"))
        building = None
        if d["building"] is not None:
            building = Building.objects.filter(pk=d["building"], project_id__in=ids).first()
            if building is None:
                raise serializers.ValidationError({"building": [_("楼栋不存在。")]})
        d["building"] = building
        record = services.handover_open(actor=request.user, project=project, **d)
        return self._detail(request, record, status=status.HTTP_201_CREATED)

    @step_schema(
        _("记录接管验收项"),
        tag="registrations",
        request=AcceptanceItemInSerializer,
        response=AcceptanceDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="item", url_name="item")
    def item(self, request, pk=None):
        return self._step(
            request,
            AcceptanceItemInSerializer,
            lambda a, r, d: services.handover_add_item(actor=a, handover=r, **d),
        )

    @step_schema(
        _("记录接管遗留缺陷"),
        tag="registrations",
        request=DefectInSerializer,
        response=AcceptanceDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="defect", url_name="defect")
    def defect(self, request, pk=None):
        return self._step(request, DefectInSerializer, lambda a, r, d: services.defect_add(actor=a, handover=r, **d))

    @step_schema(
        _("接管缺陷转报修"),
        tag="registrations",
        request=DefectRepairSerializer,
        response=AcceptanceDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="repair", url_name="repair")
    def repair(self, request, pk=None):
        return self._step(request, DefectRepairSerializer, _repair)

    @step_schema(
        _("项目经理签字确认接管"),
        tag="registrations",
        request=AcceptanceSignSerializer,
        response=AcceptanceDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="sign", url_name="sign")
    def sign(self, request, pk=None):
        return self._step(
            request,
            AcceptanceSignSerializer,
            lambda a, r, d: services.handover_sign(actor=a, handover=r, note=d["note"]),
        )

    @step_schema(
        _("取消接管验收"),
        tag="registrations",
        request=RegistrationCancelSerializer,
        response=AcceptanceDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="cancel", url_name="cancel")
    def cancel(self, request, pk=None):
        return self._step(
            request,
            RegistrationCancelSerializer,
            lambda a, r, d: services.handover_cancel(actor=a, handover=r, reason=d["reason"]),
        )
