"""Parcels, visitors and goods passes under /api/ (propdesk/api_urls.py): lists cursor-paged and
filtered, a record by id, and the desk's and the gate's actions through frontdesk/services.

Who: the front (frontdesk.rules.is_front, the pages' `front_only`) for their projects; a resident
for their own rooms' records (frontdesk/selectors.py, via estate.selectors.resident_records); anyone
else 403. A record that is not the caller's answers 404. The gate devices' older endpoints under
/frontdesk/api/ (frontdesk/api.py) stay as they are.

- parcels/                GET list (?project, ?room, ?state), POST log an arrival (the front)
- parcels/{id}/           GET one
- parcels/collect/        POST hand over against a pickup code (the front)
- visits/                 GET list (?project, ?room, ?state), POST register a walk-in visitor (the front)
- visits/{id}/            GET one (ID number masked)
- visits/invite/          POST a resident invites a visitor to their own room: a one-time code
- visits/admit/           POST admit a pre-registered visitor by code (the front)
- visits/{id}/checkout/   POST record the visitor leaving (the front)
- passes/                 GET list (?project, ?room, ?state, ?valid_on), POST apply (the front on
                          someone's behalf, or a resident for their own room: a tenant's waits for the owner)
- passes/{id}/            GET one, with its items
- passes/{id}/confirm/    POST the owner confirms a tenant's pass (or the desk records the owner's word)
- passes/lookup/          GET a pass by code at the gate (frontdesk/api.py PassLookupView, mounted here too)
- passes/{id}/verify/     POST the guard's check at the gate (goods_pass_verify: a refusal is
                          recorded as a refused check and answered 403 with its reason, as on the page)
- contractor-passes/      GET list (?project, ?current), POST issue a contractor's temporary pass (the
                          front only, as the page frontdesk:contractors; residents 403)
- contractor-passes/{id}/ GET one
- contractor-passes/{id}/revoke/  POST revoke it (contractor_pass_revoke)
"""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.access import Requires
from core.api import ERROR_RESPONSES, step_schema, valid
from core.idempotency import Idempotent
from core.ids import ApiIdField, IdFilter
from core.paging import NewestIdFirst
from core.privacy import mask_id
from core.text import text_limit
from estate.api import AUTHENTICATION_CLASSES, PhoneField
from estate.selectors import visible_rooms
from frontdesk import selectors, services
from frontdesk.api import (
    CodeSerializer,
    GoodsPassSerializer,
    ParcelSerializer,
    PassApplySerializer,
    PassItemInputSerializer,
    _project_id,
    front_only,
)
from frontdesk.choices import AgreedVia, HandoverMethod, IdType, ParcelKind, ParcelState, PassState, VisitState
from frontdesk.models import ContractorPass, GoodsCheck, GoodsPass, Parcel, Visit

front_or_resident = Requires(("frontdesk.front", "core.resident"), _("只有前台、客服、秩序部人员和业户本人可以查看。"))

# ---------------------------------------------------------------- serializers


class ParcelOutSerializer(serializers.ModelSerializer):
    room_code = serializers.CharField(source="room.code", read_only=True, label=_("房屋编号"))
    kind = serializers.ChoiceField(choices=ParcelKind.choices, read_only=True, label=_("类型"))
    state = serializers.ChoiceField(choices=ParcelState.choices, read_only=True, label=_("状态"))
    state_display = serializers.CharField(source="get_state_display", read_only=True, label=_("状态名称"))
    method = serializers.ChoiceField(choices=HandoverMethod.choices, read_only=True, label=_("领取方式"))

    class Meta:
        model = Parcel
        fields = [
            "id",
            "project",
            "room",
            "room_code",
            "kind",
            "tracking_number",
            "carrier",
            "shelf",
            "pickup_code",
            "state",
            "state_display",
            "arrived_at",
            "due_at",
            "handed_at",
            "method",
            "collector_name",
            "returned_at",
        ]
        read_only_fields = fields


class VisitSerializer(serializers.ModelSerializer):
    room_code = serializers.CharField(source="room.code", read_only=True, label=_("房屋编号"))
    state = serializers.ChoiceField(choices=VisitState.choices, read_only=True, label=_("状态"))
    state_display = serializers.CharField(source="get_state_display", read_only=True, label=_("状态名称"))
    id_number_masked = serializers.SerializerMethodField(label=_("证件号码"))
    phone = PhoneField(label=_("手机"))
    agreed_via = serializers.ChoiceField(choices=AgreedVia.choices, read_only=True, label=_("确认方式"))

    class Meta:
        model = Visit
        fields = [
            "id",
            "project",
            "room",
            "room_code",
            "name",
            "id_number_masked",
            "phone",
            "people",
            "purpose",
            "state",
            "state_display",
            "time_in",
            "time_out",
            "agreed_by",
            "agreed_via",
            "expected_on",
            "code_expires_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_id_number_masked(self, visit) -> str:
        return mask_id(visit.id_number)


class WalkInSerializer(serializers.Serializer):
    room = ApiIdField(label=_("被访房屋"))
    name = serializers.CharField(max_length=text_limit(Visit, "name"), label=_("访客姓名"))
    purpose = serializers.CharField(max_length=text_limit(Visit, "purpose"), label=_("来访事由"))
    agreed_by = serializers.CharField(max_length=text_limit(Visit, "agreed_by"), label=_("同意人"))
    agreed_via = serializers.ChoiceField(
        choices=[(v.value, v.label) for v in (AgreedVia.PHONE, AgreedVia.IN_PERSON, AgreedVia.APP)],
        label=_("确认方式"),
    )
    id_type = serializers.ChoiceField(choices=IdType.choices, default=IdType.ID_CARD, label=_("证件类型"))
    id_number = serializers.CharField(max_length=text_limit(Visit, "id_number"), label=_("证件号码"))
    phone = serializers.CharField(
        max_length=text_limit(Visit, "phone"), required=False, allow_blank=True, default="", label=_("手机")
    )
    people = serializers.IntegerField(min_value=1, max_value=99, default=1, label=_("人数"))


class InviteSerializer(serializers.Serializer):
    """A resident invites a visitor to their own room: a one-time code the gate admits."""

    room = ApiIdField(label=_("被访房屋"))
    name = serializers.CharField(max_length=text_limit(Visit, "name"), label=_("访客姓名"))
    purpose = serializers.CharField(max_length=text_limit(Visit, "purpose"), label=_("来访事由"))
    phone = serializers.CharField(
        max_length=text_limit(Visit, "phone"), required=False, allow_blank=True, default="", label=_("手机")
    )
    people = serializers.IntegerField(min_value=1, max_value=50, default=1, label=_("人数"))
    expected_on = serializers.DateField(required=False, allow_null=True, default=None, label=_("预计来访日期"))


class InvitationSerializer(VisitSerializer):
    code = serializers.CharField(read_only=True, label=_("预约码"))

    class Meta(VisitSerializer.Meta):
        fields = [*VisitSerializer.Meta.fields, "code"]
        read_only_fields = fields


class ConfirmSerializer(serializers.Serializer):
    """The owner's confirmation of a tenant's pass: from the owner's own account nothing else is
    needed; the desk records who confirmed and how."""

    authorised_via = serializers.ChoiceField(
        choices=[(v.value, v.label) for v in (AgreedVia.PHONE, AgreedVia.IN_PERSON)],
        required=False,
        allow_blank=True,
        default="",
        label=_("业主确认方式"),
    )
    owner_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="", label=_("业主"))


class CheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = GoodsCheck
        fields = ["id", "goods_pass", "at", "outcome", "reason", "differences"]
        read_only_fields = fields


class ReleasedItemSerializer(serializers.Serializer):
    item = ApiIdField(label=_("放行单上的物品"))
    quantity = serializers.IntegerField(min_value=0, max_value=99999, label=_("实际放行数量"))


class VerifySerializer(serializers.Serializer):
    released = ReleasedItemSerializer(many=True, label=_("实际放行的物品"))
    extra_items = PassItemInputSerializer(many=True, required=False, default=list, label=_("放行单上没有的物品"))
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", label=_("说明"))


class ContractorPassSerializer(serializers.ModelSerializer):
    people = serializers.ListField(
        child=serializers.CharField(), source="people_list", read_only=True, label=_("人员名单")
    )
    room_codes = serializers.SerializerMethodField(label=_("房屋编号"))
    is_current = serializers.SerializerMethodField(label=_("当前有效"))

    class Meta:
        model = ContractorPass
        fields = [
            "id", "project", "company_name", "people", "contact_phone", "rooms", "room_codes", "areas", "purpose",
            "valid_from", "valid_to", "issued_by", "issued_at", "revoked_at", "is_current",
        ]  # fmt: skip
        read_only_fields = fields

    def get_room_codes(self, item) -> list[str]:
        return [room.code for room in item.rooms.all()]

    def get_is_current(self, item) -> bool:
        return item.revoked_at is None and item.valid_from <= timezone.now() <= item.valid_to


class ContractorPassIssueSerializer(serializers.Serializer):
    """What the page's form takes (frontdesk.forms.ContractorPassForm), the rooms by id."""

    project = ApiIdField(label=_("项目"))
    company_name = serializers.CharField(max_length=text_limit(ContractorPass, "company_name"), label=_("施工单位"))
    people = serializers.ListField(
        child=serializers.CharField(max_length=50), allow_empty=False, max_length=200, label=_("人员名单")
    )
    contact_phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default="", label=_("负责人手机")
    )
    rooms = serializers.ListField(child=ApiIdField(), required=False, default=list, max_length=200, label=_("房屋"))
    areas = serializers.CharField(
        max_length=text_limit(ContractorPass, "areas"), required=False, allow_blank=True, default="", label=_("区域")
    )
    purpose = serializers.CharField(max_length=text_limit(ContractorPass, "purpose"), label=_("事由"))
    valid_from = serializers.DateTimeField(label=_("有效期自"))
    valid_to = serializers.DateTimeField(label=_("有效期至"))

    def validate_people(self, names):
        limit = text_limit(ContractorPass, "people")
        if len("\n".join(names)) > limit:
            raise serializers.ValidationError(_("最多 %(limit)s 个字。") % {"limit": limit})
        return names


# ---------------------------------------------------------------- filters


class ParcelFilter(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    room = IdFilter(label=_("房屋"), field_name="room_id")
    state = django_filters.TypedChoiceFilter(label=_("状态"), choices=ParcelState.choices, coerce=int)

    class Meta:
        model = Parcel
        fields = ["project", "room", "state"]


class VisitFilter(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    room = IdFilter(label=_("房屋"), field_name="room_id")
    state = django_filters.TypedChoiceFilter(label=_("状态"), choices=VisitState.choices, coerce=int)

    class Meta:
        model = Visit
        fields = ["project", "room", "state"]


class PassFilter(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    room = IdFilter(label=_("房屋"), field_name="room_id")
    state = django_filters.TypedChoiceFilter(label=_("状态"), choices=PassState.choices, coerce=int)
    valid_on = django_filters.DateFilter(label=_("放行日期"))

    class Meta:
        model = GoodsPass
        fields = ["project", "room", "state", "valid_on"]


class ContractorPassFilter(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    current = django_filters.BooleanFilter(label=_("只看当前有效"), method="filter_current")

    class Meta:
        model = ContractorPass
        fields = ["project", "current"]

    def filter_current(self, queryset, name, value):
        now = timezone.now()
        current = queryset.filter(valid_to__gte=now, revoked_at__isnull=True)
        return current if value else queryset.exclude(pk__in=current.values("pk"))


# ---------------------------------------------------------------- views


@extend_schema_view(
    list=extend_schema(summary=_("快递/信件列表"), tags=["frontdesk"]),
    retrieve=extend_schema(summary=_("一件快递/信件"), tags=["frontdesk"]),
)
class ParcelViewSet(Idempotent, viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [front_or_resident]
    serializer_class = ParcelOutSerializer
    filterset_class = ParcelFilter
    pagination_class = NewestIdFirst

    def get_queryset(self):
        return selectors.visible_parcels(self.request.user).select_related("room")

    @extend_schema(
        summary=_("登记到件"),
        tags=["frontdesk"],
        request=ParcelSerializer,
        responses={201: ParcelOutSerializer, **ERROR_RESPONSES},
    )
    def create(self, request):
        front_only.check(request.user)
        data = valid(ParcelSerializer, request)
        d = data.validated_data
        parcel = services.parcel_log(
            actor=request.user,
            room_id=d["room_id"],
            kind=d["kind"],
            tracking_number=d.get("tracking_number", ""),
            carrier=d.get("carrier", ""),
            shelf=d.get("shelf", ""),
        )
        return Response(ParcelOutSerializer(parcel).data, status=status.HTTP_201_CREATED)

    @step_schema(
        _("凭取件码领取"),
        tag="frontdesk",
        request=CodeSerializer,
        response=ParcelOutSerializer,
    )
    @action(detail=False, methods=["post"], url_path="collect", url_name="collect")
    def collect(self, request):
        front_only.check(request.user)
        data = valid(CodeSerializer, request)
        d = data.validated_data
        parcel = services.parcel_collect_by_code(
            actor=request.user,
            project_id=_project_id(request, d["project"]),
            code=d["code"],
            collector_name=d.get("collector_name", ""),
        )
        return Response(ParcelOutSerializer(parcel).data)


@extend_schema_view(
    list=extend_schema(summary=_("访客列表"), tags=["frontdesk"]),
    retrieve=extend_schema(summary=_("一位访客"), tags=["frontdesk"]),
)
class VisitViewSet(Idempotent, viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [front_or_resident]
    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    pagination_class = NewestIdFirst

    def get_queryset(self):
        return selectors.visible_visits(self.request.user).select_related("room")

    @extend_schema(
        summary=_("登记来访（已征得被访户同意）"),
        tags=["frontdesk"],
        request=WalkInSerializer,
        responses={201: VisitSerializer, **ERROR_RESPONSES},
    )
    def create(self, request):
        front_only.check(request.user)
        data = valid(WalkInSerializer, request)
        d = data.validated_data
        visit = services.visit_register(
            actor=request.user,
            data=services.WalkIn(
                room_id=d["room"],
                name=d["name"],
                purpose=d["purpose"],
                agreed_by=d["agreed_by"],
                agreed_via=d["agreed_via"],
                id_type=d["id_type"],
                id_number=d["id_number"],
                phone=d["phone"],
                people=d["people"],
            ),
        )
        return Response(VisitSerializer(visit, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("业户邀请访客（生成一次性预约码）"),
        tags=["frontdesk"],
        request=InviteSerializer,
        responses={201: InvitationSerializer, **ERROR_RESPONSES},
    )
    @action(detail=False, methods=["post"], url_path="invite", url_name="invite")
    def invite(self, request):
        data = valid(InviteSerializer, request)
        d = data.validated_data
        if request.user.is_resident and not visible_rooms(request.user).filter(pk=d["room"]).exists():
            raise NotFound(_("房屋不存在或您无权查看。"))
        visit = services.visit_preregister(
            actor=request.user,
            room_id=d["room"],
            name=d["name"],
            purpose=d["purpose"],
            phone=d["phone"],
            people=d["people"],
            expected_on=d["expected_on"],
        )
        return Response(InvitationSerializer(visit, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @step_schema(
        _("凭预约码放行访客"),
        tag="frontdesk",
        request=CodeSerializer,
        response=VisitSerializer,
    )
    @action(detail=False, methods=["post"], url_path="admit", url_name="admit")
    def admit(self, request):
        front_only.check(request.user)
        data = valid(CodeSerializer, request)
        d = data.validated_data
        visit = services.visit_admit_by_code(
            actor=request.user, project_id=_project_id(request, d["project"]), code=d["code"]
        )
        return Response(VisitSerializer(visit, context={"request": request}).data)

    @step_schema(
        _("登记访客离开"),
        tag="frontdesk",
        request=None,
        response=VisitSerializer,
    )
    @action(detail=True, methods=["post"], url_path="checkout", url_name="checkout")
    def checkout(self, request, pk=None):
        visit = self.get_object()
        front_only.check(request.user)
        visit = services.visit_checkout(actor=request.user, visit=visit)
        return Response(VisitSerializer(visit, context={"request": request}).data)


@extend_schema_view(
    list=extend_schema(summary=_("放行单列表"), tags=["frontdesk"]),
    retrieve=extend_schema(summary=_("一张放行单及其物品"), tags=["frontdesk"]),
)
class PassViewSet(Idempotent, viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [front_or_resident]
    serializer_class = GoodsPassSerializer
    filterset_class = PassFilter
    pagination_class = NewestIdFirst

    def get_queryset(self):
        return selectors.visible_goods_passes(self.request.user).select_related("room").prefetch_related("items")

    @extend_schema(
        summary=_("登记物品放行单"),
        description=_(
            "前台代业户登记，或业户本人为自己的房屋申请（不填申请人）。业主申请的立即生效；租户申请的需业主确认。"
        ),
        tags=["frontdesk"],
        request=PassApplySerializer,
        responses={201: GoodsPassSerializer, **ERROR_RESPONSES},
    )
    def create(self, request):
        resident = request.user.is_resident
        if not resident:
            front_only.check(request.user)
        data = valid(PassApplySerializer, request)
        if resident and not visible_rooms(request.user).filter(pk=data.validated_data["room"]).exists():
            raise NotFound(_("房屋不存在或您无权查看。"))
        goods_pass = services.goods_pass_apply(actor=request.user, data=data.application())
        return Response(GoodsPassSerializer(goods_pass).data, status=status.HTTP_201_CREATED)

    @step_schema(
        _("业主确认租户的放行申请"),
        tag="frontdesk",
        request=ConfirmSerializer,
        response=GoodsPassSerializer,
    )
    @action(detail=True, methods=["post"], url_path="confirm", url_name="confirm")
    def confirm(self, request, pk=None):
        goods_pass = self.get_object()
        data = valid(ConfirmSerializer, request)
        d = data.validated_data
        goods_pass = services.goods_pass_confirm(
            actor=request.user, goods_pass=goods_pass, via=d["authorised_via"], owner_name=d["owner_name"]
        )
        return Response(GoodsPassSerializer(goods_pass).data)

    @extend_schema(
        summary=_("门岗核对放行"),
        description=_(
            "按实际放行的物品核对。不予放行（日期不符、已放行、数量超出、有单外物品……）时记录一次拒绝，"
            "返回 403 及原因，与门岗页面相同。"
        ),
        tags=["frontdesk"],
        request=VerifySerializer,
        responses={201: CheckSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="verify", url_name="verify")
    def verify(self, request, pk=None):
        goods_pass = self.get_object()
        front_only.check(request.user)
        data = valid(VerifySerializer, request)
        d = data.validated_data
        check = services.goods_pass_verify(
            actor=request.user,
            goods_pass=goods_pass,
            released={r["item"]: r["quantity"] for r in d["released"]},
            extra_items=[(i["name"], i["quantity"]) for i in d["extra_items"]],
            note=d["note"],
        )
        return Response(CheckSerializer(check).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary=_("施工临时出入证列表"), tags=["frontdesk"]),
    retrieve=extend_schema(summary=_("一张施工临时出入证"), tags=["frontdesk"]),
)
class ContractorPassViewSet(Idempotent, viewsets.ReadOnlyModelViewSet):
    """The front's page frontdesk:contractors: who may see the project's passes issues and revokes them."""

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [front_only]
    serializer_class = ContractorPassSerializer
    filterset_class = ContractorPassFilter
    pagination_class = NewestIdFirst

    def get_queryset(self):
        return selectors.visible_contractor_passes(self.request.user).prefetch_related("rooms")

    @extend_schema(
        summary=_("签发施工临时出入证"),
        tags=["frontdesk"],
        request=ContractorPassIssueSerializer,
        responses={201: ContractorPassSerializer, **ERROR_RESPONSES},
    )
    def create(self, request):
        data = valid(ContractorPassIssueSerializer, request)
        d = data.validated_data
        item = services.contractor_pass_issue(
            actor=request.user,
            project_id=_project_id(request, d["project"]),
            company_name=d["company_name"],
            people="\n".join(d["people"]),
            purpose=d["purpose"],
            valid_from=d["valid_from"],
            valid_to=d["valid_to"],
            contact_phone=d["contact_phone"],
            room_ids=d["rooms"],
            areas=d["areas"],
        )
        return Response(ContractorPassSerializer(item).data, status=status.HTTP_201_CREATED)

    @step_schema(
        _("作废施工临时出入证"),
        tag="frontdesk",
        request=None,
        response=ContractorPassSerializer,
    )
    @action(detail=True, methods=["post"], url_path="revoke", url_name="revoke")
    def revoke(self, request, pk=None):
        item = services.contractor_pass_revoke(actor=request.user, item=self.get_object())
        return Response(ContractorPassSerializer(item).data)
