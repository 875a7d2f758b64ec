"""Renovation under /api/renovations/ (propdesk/api_urls.py): the applications a user may see (staff:
their projects'; a resident: their rooms' and their own, renovation/selectors.py), one by id, and an
application through `renovation_apply` (the desk for an owner, or the owner for their own room;
the service decides, as on the page). Drawings are added on the page.

- renovations/        GET list (?project, ?room, ?state), POST apply
- renovations/{id}/   GET one
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
from core.text import text_limit
from desk.api import ERROR_RESPONSES
from estate.api import AUTHENTICATION_CLASSES, PhoneField
from estate.selectors import visible_rooms
from renovation import rules, selectors, services
from renovation.choices import State
from renovation.models import Renovation, Worker

browser = Requires("renovation.browse", _("请先登录。"))


class RenovationSerializer(serializers.ModelSerializer):
    room_code = serializers.CharField(source="room.code", read_only=True, label=_("房屋编号"))
    state = serializers.ChoiceField(choices=State.choices, read_only=True, label=_("状态"))
    state_display = serializers.CharField(source="get_state_display", read_only=True, label=_("状态名称"))
    owner_phone = PhoneField(label=_("业主手机"))
    contractor_phone = PhoneField(label=_("施工负责人手机"))

    class Meta:
        model = Renovation
        fields = [
            "id", "number", "project", "room", "room_code", "owner_name", "owner_phone", "scope",
            "planned_start", "planned_end", "contractor_name", "contractor_person", "contractor_phone",
            "state", "state_display", "version", "by_resident", "submitted_at", "review_due_at", "reviewed_at",
            "review_note", "deposit_due", "fee_due", "permit_number", "permit_issued_at", "accepted_at",
            "refund_due_on", "refunded_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class WorkerInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=text_limit(Worker, "name"), label=_("姓名"))
    id_number = serializers.CharField(max_length=text_limit(Worker, "id_number"), label=_("身份证号"))
    phone = serializers.CharField(max_length=20, label=_("手机"))
    trade = serializers.CharField(
        max_length=text_limit(Worker, "trade"), required=False, allow_blank=True, default="", label=_("工种")
    )


class ApplicationSerializer(serializers.Serializer):
    room = ApiIdField(label=_("房屋"))
    scope = serializers.CharField(max_length=text_limit(Renovation, "scope"), label=_("装修内容"))
    planned_start = serializers.DateField(label=_("计划开工"))
    planned_end = serializers.DateField(label=_("计划完工"))
    contractor_name = serializers.CharField(max_length=text_limit(Renovation, "contractor_name"), label=_("施工单位"))
    contractor_licence = serializers.CharField(
        max_length=text_limit(Renovation, "contractor_licence"), label=_("营业执照或资质证号")
    )
    contractor_person = serializers.CharField(
        max_length=text_limit(Renovation, "contractor_person"), label=_("施工负责人")
    )
    contractor_phone = serializers.CharField(max_length=20, label=_("施工负责人手机"))
    owner_phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", label=_("业主手机")
    )
    workers = WorkerInSerializer(many=True, required=False, default=list, label=_("施工人员"))


class RenovationFilter(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    room = IdFilter(label=_("房屋"), field_name="room_id")
    state = django_filters.TypedChoiceFilter(label=_("状态"), choices=State.choices, coerce=int)

    class Meta:
        model = Renovation
        fields = ["project", "room", "state"]


class NewestFirst(KeysetPagination):
    ordering = ("-created_at", "-id")


@extend_schema_view(
    list=extend_schema(summary=_("装修申请列表"), tags=["renovation"]),
    retrieve=extend_schema(summary=_("一份装修申请"), tags=["renovation"]),
    create=extend_schema(
        summary=_("申请装修"),
        tags=["renovation"],
        request=ApplicationSerializer,
        responses={201: RenovationSerializer, **ERROR_RESPONSES},
    ),
)
class RenovationViewSet(Idempotent, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [browser]
    serializer_class = RenovationSerializer
    filterset_class = RenovationFilter
    pagination_class = NewestFirst

    def get_queryset(self):
        return selectors.visible_renovations(self.request.user).select_related("room")

    def create(self, request, *args, **kwargs):
        # The service's own question, asked before the body is read: a refusal is a 403, not field errors.
        if not (request.user.is_resident or rules.may_apply_for_others(request.user)):
            self.permission_denied(request, message=_("只有客服人员可以代业主登记装修申请。"))
        data = ApplicationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        if not visible_rooms(request.user).filter(pk=d["room"]).exists():
            raise NotFound(_("房屋不存在或您无权查看。"))
        renovation = services.renovation_apply(
            actor=request.user,
            data=services.Application(
                room_id=d["room"],
                scope=d["scope"],
                planned_start=d["planned_start"],
                planned_end=d["planned_end"],
                contractor_name=d["contractor_name"],
                contractor_licence=d["contractor_licence"],
                contractor_person=d["contractor_person"],
                contractor_phone=d["contractor_phone"],
                owner_phone=d["owner_phone"],
                workers=[services.WorkerInput(**w) for w in d["workers"]],
            ),
        )
        return Response(
            RenovationSerializer(renovation, context={"request": request}).data, status=status.HTTP_201_CREATED
        )
