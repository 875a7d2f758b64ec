"""The front desk over the API, for scanners and the gate's devices (under /frontdesk/api/).

Thin: reads come from frontdesk/selectors.py, writes go through frontdesk/services/, and errors
take the one shape of core/api.py ({"detail", "code", "errors"}): 400 with field errors, 403 for
a refusal (a used pickup code, an expired visit code...), 404 for another project's record.

- parcels/                GET a room's parcels (?room=, ?state=waiting), POST log an arrival
- parcels/collect/        POST hand over against a pickup code
- visits/admit/           POST admit a pre-registered visitor by code
- passes/                 POST register a goods pass for one of the room's people (applicant = resident id)
- passes/lookup/          GET a goods pass by code (?project=, ?code=), items included, with `refused` and
                          its `reason`; a used pass scanned again is recorded as a refused check
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import Requires
from core.api import valid
from core.idempotency import Idempotent
from core.ids import ApiIdField, parse_id
from core.privacy import mask_id
from core.text import text_limit
from estate.api import AUTHENTICATION_CLASSES
from frontdesk import selectors, services
from frontdesk.choices import AgreedVia, ParcelKind
from frontdesk.models import GoodsItem, GoodsPass, Parcel


class ParcelSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    room = ApiIdField(source="room_id", label=_("房屋"))
    kind = serializers.ChoiceField(choices=ParcelKind.choices, default=ParcelKind.PARCEL, label=_("类型"))
    tracking_number = serializers.CharField(max_length=60, required=False, allow_blank=True, label=_("运单号"))
    carrier = serializers.CharField(
        max_length=text_limit(Parcel, "carrier"), required=False, allow_blank=True, label=_("快递公司")
    )
    shelf = serializers.CharField(
        max_length=text_limit(Parcel, "shelf"), required=False, allow_blank=True, label=_("货架位置")
    )
    pickup_code = serializers.CharField(read_only=True, label=_("取件码"))
    state = serializers.IntegerField(read_only=True, label=_("状态"))
    arrived_at = serializers.DateTimeField(read_only=True, label=_("到件时间"))
    due_at = serializers.DateTimeField(read_only=True, label=_("送达时限"))


class CodeSerializer(serializers.Serializer):
    project = ApiIdField(label=_("项目"))
    code = serializers.CharField(max_length=12, label=_("取件码"))
    collector_name = serializers.CharField(
        max_length=text_limit(Parcel, "collector_name"), required=False, allow_blank=True, label=_("领取人")
    )


class GoodsItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(label=_("物品"))
    quantity = serializers.IntegerField(min_value=1, max_value=9999, label=_("数量"))
    released_quantity = serializers.IntegerField(allow_null=True, label=_("实际放行数量"))


class GoodsPassSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    room = serializers.CharField(source="room.code", label=_("房屋"))
    valid_on = serializers.DateField(label=_("放行日期"))
    state = serializers.IntegerField(label=_("状态"))
    state_label = serializers.CharField(source="get_state_display", label=_("状态"))
    applicant_name = serializers.CharField(label=_("申请人"))
    carrier_name = serializers.CharField(label=_("搬运人"))
    carrier_id_masked = serializers.SerializerMethodField(label=_("搬运人证件号"))
    items = GoodsItemSerializer(many=True, source="items.all")

    def get_carrier_id_masked(self, obj) -> str:
        return mask_id(obj.carrier_id_number)


class PassScanSerializer(GoodsPassSerializer):
    """The pass as the gate sees it: whether it may leave, and why not. A used pass scanned again is
    recorded as a refused check, as on the gate page."""

    refused = serializers.BooleanField(label=_("不予放行"))
    reason = serializers.CharField(allow_blank=True, label=_("不予放行原因"))


class PassItemInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=text_limit(GoodsItem, "name"), label=_("物品"))
    quantity = serializers.IntegerField(min_value=1, max_value=9999, label=_("数量"))


class PassApplySerializer(serializers.Serializer):
    """What the desk registers, or a resident for their own room. For the desk the applicant is a
    person (resident id) linked to the room today; whether they are the owner follows from that link:
    no relation is taken from the client. A resident applies as themself: `applicant` is left out."""

    room = ApiIdField(label=_("房屋"))
    applicant = ApiIdField(
        label=_("申请人"),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("前台代办时必填：这套房屋现登记的业主、家庭成员或租户；业户本人申请时不填。"),
    )
    authorised_via = serializers.ChoiceField(
        choices=[(v.value, v.label) for v in (AgreedVia.PHONE, AgreedVia.IN_PERSON)],
        required=False,
        allow_blank=True,
        label=_("业主确认方式"),
    )
    valid_on = serializers.DateField(label=_("放行日期"))
    carrier_name = serializers.CharField(max_length=text_limit(GoodsPass, "carrier_name"), label=_("搬运人"))
    carrier_id_number = serializers.CharField(
        max_length=text_limit(GoodsPass, "carrier_id_number"), label=_("搬运人证件号")
    )
    items = PassItemInputSerializer(many=True, label=_("物品清单"))
    note = serializers.CharField(
        max_length=text_limit(GoodsPass, "note"), required=False, allow_blank=True, label=_("备注")
    )

    def application(self) -> services.PassApplication:
        """The validated body as the service's application (the page's API and the /api/ set share it)."""
        d = self.validated_data
        return services.PassApplication(
            room_id=d["room"],
            valid_on=d["valid_on"],
            carrier_name=d["carrier_name"],
            carrier_id_number=d["carrier_id_number"],
            items=[(i["name"], i["quantity"]) for i in d["items"]],
            applicant_id=d["applicant"],
            authorised_via=d.get("authorised_via", ""),
            note=d.get("note", ""),
        )


# The front desk's question (frontdesk/apps.py), as its pages ask it (frontdesk/views.py front_only).
front_only = Requires("frontdesk.front", _("只有前台、客服和秩序部人员可以使用这个页面。"))


def _project_id(request, value) -> int:
    if value not in request.user.project_ids():
        raise NotFound()
    return value


class ParcelsView(Idempotent, APIView):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [front_only]

    @extend_schema(responses=ParcelSerializer(many=True))
    def get(self, request):
        room = parse_id(request.query_params.get("room", ""))
        if room is None:
            raise serializers.ValidationError({"room": [_("请选择本项目的房屋。")]})
        if request.query_params.get("state", "waiting") == "waiting":
            rows = selectors.room_waiting_parcels(request.user, room)
        else:
            rows = list(selectors.visible_parcels(request.user).filter(room_id=room).order_by("-arrived_at")[:100])
        return Response(ParcelSerializer(rows, many=True).data)

    @extend_schema(request=ParcelSerializer, responses={201: ParcelSerializer})
    def post(self, request):
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
        return Response(ParcelSerializer(parcel).data, status=status.HTTP_201_CREATED)


class ParcelCollectView(Idempotent, APIView):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [front_only]

    @extend_schema(request=CodeSerializer, responses=ParcelSerializer)
    def post(self, request):
        data = valid(CodeSerializer, request)
        d = data.validated_data
        parcel = services.parcel_collect_by_code(
            actor=request.user,
            project_id=_project_id(request, d["project"]),
            code=d["code"],
            collector_name=d.get("collector_name", ""),
        )
        return Response(ParcelSerializer(parcel).data)


class VisitAdmitView(Idempotent, APIView):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [front_only]

    @extend_schema(request=CodeSerializer, responses={200: None})
    def post(self, request):
        data = valid(CodeSerializer, request)
        d = data.validated_data
        visit = services.visit_admit_by_code(
            actor=request.user, project_id=_project_id(request, d["project"]), code=d["code"]
        )
        return Response(
            {"id": visit.pk, "name": visit.name, "room": visit.room.code, "people": visit.people, "state": visit.state}
        )


class PassLookupView(APIView):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [front_only]

    @extend_schema(
        summary=_("凭放行码查放行单（门岗）"),
        description=_("已放行的放行单再次出示时记录一次拒绝，与门岗页面相同。"),
        responses=PassScanSerializer,
    )
    def get(self, request):
        project = parse_id(request.query_params.get("project", ""))
        if project is None:
            raise serializers.ValidationError({"project": [_("请选择项目。")]})
        scan = services.goods_pass_scan(
            actor=request.user,
            project_id=_project_id(request, project),
            code=request.query_params.get("code", ""),
        )
        return Response({**GoodsPassSerializer(scan.goods_pass).data, "refused": scan.refused, "reason": scan.refusal})


class PassApplyView(Idempotent, APIView):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [front_only]

    @extend_schema(request=PassApplySerializer, responses={201: GoodsPassSerializer})
    def post(self, request):
        data = valid(PassApplySerializer, request)
        goods_pass = services.goods_pass_apply(actor=request.user, data=data.application())
        return Response(GoodsPassSerializer(goods_pass).data, status=status.HTTP_201_CREATED)
