"""Service requests over the API. Thin: reads come from desk/selectors.py, writes go through
desk/services/, and errors take the one shape of core/api.py ({"detail", "code", "errors"}).

- /api/requests/                  GET list (filters of RequestFilter, cursor-paged), POST register
- /api/requests/{id}/             GET detail with allowed actions, version, timeline, attachments
- /api/requests/{id}/{action}/    POST one action of ACTION_SERVICES (dispatch, accept, ...)
"""

from collections.abc import Mapping
from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.fields import SkipField, get_error_detail
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.api import ERROR_RESPONSES as COMMON_ERRORS
from core.api import ApiErrorSerializer, FileSerializer
from core.filters import FilterBackend
from core.idempotency import Idempotent
from core.ids import ApiIdField
from core.models import Department
from core.paging import KeysetPagination
from core.text import text_limit
from desk import rules, sla
from desk.api_rows import open_deadlines, request_detail_data, request_list_rows
from desk.choices import Action, Channel, Kind, Rating, Severity, State, Validity
from desk.dispatch import LEAST_LOADED
from desk.filters import RequestFilter
from desk.models import Attachment, Category, RequestEvent, ServiceRequest
from desk.selectors import assignable_people, list_queryset, request_detail, request_timeline, visible_requests
from desk.services import ACTION_SERVICES, Intake, request_register
from estate.api import AUTHENTICATION_CLASSES, PhoneField

# ---------------------------------------------------------------- small pieces


# The shared errors (core/api.py) in the requests' own words.
ERROR_RESPONSES = {
    **COMMON_ERRORS,
    404: OpenApiResponse(ApiErrorSerializer, description=_("工单不存在或您无权查看。")),
    409: OpenApiResponse(ApiErrorSerializer, description=_("工单刚被其他人修改过（version 已过期），请刷新后再试。")),
}


@extend_schema_field({"type": "integer", "enum": State.values}, component_name="RequestState")
class StateField(serializers.ChoiceField):
    """A request's state code (10 已登记 … 90 已取消); one named enum in the schema."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(choices=State.choices, **kwargs)


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RoomRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(label=_("房屋编号"))


class ResidentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(label=_("姓名"))
    phone = PhoneField(label=_("手机"))


# ---------------------------------------------------------------- reading

DUE_STATES = ["overdue", "soon", "ok", "paused", ""]


class DeadlineSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=[(step, step) for step in sla.STEPS], label=_("环节"))
    step_display = serializers.CharField(label=_("环节名称"))
    due = serializers.DateTimeField(label=_("时限"))
    overdue = serializers.BooleanField(label=_("已超时"))


# A list row: only what list_queryset fetches in its one query.
class RequestListSerializer(serializers.ModelSerializer):
    project = RefSerializer(read_only=True, label=_("项目"))
    kind_display = serializers.CharField(source="get_kind_display", read_only=True, label=_("类型名称"))
    severity_display = serializers.CharField(source="get_severity_display", read_only=True, label=_("级别名称"))
    state = StateField(label=_("状态"))
    state_display = serializers.CharField(source="get_state_display", read_only=True, label=_("状态名称"))
    category = RefSerializer(read_only=True, allow_null=True, label=_("分类"))
    room = RoomRefSerializer(read_only=True, allow_null=True, label=_("房屋"))
    department = RefSerializer(read_only=True, allow_null=True, label=_("处理部门"))
    assignee = RefSerializer(read_only=True, allow_null=True, label=_("处理人"))
    receiver = RefSerializer(read_only=True, label=_("首问责任人"))
    caller_phone = PhoneField(label=_("联系电话"))
    due_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        label=_("最近时限"),
        help_text=_("尚未完成的环节中最早的时限；无时限、已暂停或已结案时为空。列表可按它排序：ordering=due_at。"),
    )
    due_state = serializers.SerializerMethodField(
        label=_("时限状态"), help_text=_("overdue 已超时、soon 一小时内到期、ok 正常、paused 计时已暂停；空为无时限。")
    )
    overdue = serializers.SerializerMethodField(label=_("已超时"))
    deadlines = serializers.SerializerMethodField(label=_("各环节时限"), help_text=_("尚未完成的各环节及其时限。"))

    class Meta:
        model = ServiceRequest
        fields = [
            "id",
            "number",
            "project",
            "kind",
            "kind_display",
            "severity",
            "severity_display",
            "state",
            "state_display",
            "title",
            "category",
            "room",
            "location",
            "caller_name",
            "caller_phone",
            "department",
            "assignee",
            "receiver",
            "created_at",
            "updated_at",
            "due_at",
            "due_state",
            "overdue",
            "deadlines",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=DUE_STATES))
    def get_due_state(self, sr) -> str:
        return sla.status(sr)

    def get_overdue(self, sr) -> bool:
        return sla.status(sr) == "overdue"

    @extend_schema_field(DeadlineSerializer(many=True))
    def get_deadlines(self, sr) -> list[dict]:
        return open_deadlines(sr, timezone.now())


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.name", read_only=True, label=_("操作人"))
    action_display = serializers.CharField(source="get_action_display", read_only=True, label=_("动作名称"))
    from_state = StateField(label=_("原状态"), allow_null=True)
    to_state = StateField(label=_("新状态"))
    from_state_display = serializers.CharField(
        source="get_from_state_display", read_only=True, allow_null=True, label=_("原状态名称")
    )
    to_state_display = serializers.CharField(source="get_to_state_display", read_only=True, label=_("新状态名称"))
    attachments = serializers.SerializerMethodField(label=_("本次上传的附件"))

    class Meta:
        model = RequestEvent
        fields = [
            "id",
            "at",
            "actor",
            "action",
            "action_display",
            "from_state",
            "from_state_display",
            "to_state",
            "to_state_display",
            "note",
            "attachments",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_attachments(self, event) -> list[int]:
        return [attachment.pk for attachment in event.attachments.all()]


class AttachmentSerializer(FileSerializer):
    url_name = "desk:attachment"

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "uploaded_at", "url"]
        read_only_fields = fields


# Everything about one request, the actions the current user may take, and its history.
class RequestDetailSerializer(RequestListSerializer):
    channel_display = serializers.CharField(source="get_channel_display", read_only=True, label=_("来源名称"))
    validity_display = serializers.CharField(source="get_validity_display", read_only=True, label=_("投诉性质名称"))
    rating_display = serializers.CharField(source="get_rating_display", read_only=True, label=_("回访评价名称"))
    resident = ResidentRefSerializer(read_only=True, allow_null=True, label=_("业户"))
    related_room = RoomRefSerializer(
        read_only=True, allow_null=True, label=_("相关房屋"), help_text=_("工单涉及的另一户，如漏水来源的楼上住户。")
    )
    implementer = RefSerializer(read_only=True, allow_null=True, label=_("完成人"))
    allowed_actions = serializers.SerializerMethodField(label=_("当前用户可执行的操作"))
    events = EventSerializer(source="timeline", many=True, read_only=True, label=_("处理记录"))
    attachments = AttachmentSerializer(source="attachment_list", many=True, read_only=True, label=_("附件"))

    class Meta(RequestListSerializer.Meta):
        fields = RequestListSerializer.Meta.fields + [
            "version",
            "channel",
            "channel_display",
            "validity",
            "validity_display",
            "paid",
            "resident",
            "related_room",
            "description",
            "implementer",
            "needs_return_visit",
            "result",
            "reply",
            "rating",
            "rating_display",
            "visit_comment",
            "reopen_count",
            "pause_reason",
            "dispatched_at",
            "accepted_at",
            "arrived_at",
            "resolved_at",
            "replied_at",
            "visited_at",
            "closed_at",
            "allowed_actions",
            "events",
            "attachments",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=list(ACTION_SERVICES))))
    def get_allowed_actions(self, sr) -> list[str]:
        return rules.allowed_actions(self.context["request"].user, sr)


def _detail_response(request, sr: ServiceRequest, status_code=status.HTTP_200_OK) -> Response:
    events = request_timeline(sr)
    for event in events:
        event.attachment_ids = [attachment.pk for attachment in event.attachments.all()]
    data = request_detail_data(sr, request, events, list(Attachment.objects.filter(request=sr)))
    return Response(data, status=status_code)


def _visible(user, pk) -> ServiceRequest:
    """The request with what its detail needs; 404 (never 403) when the user may not see it."""
    try:
        return request_detail(user, pk)
    except ServiceRequest.DoesNotExist:
        raise Http404 from None


# ---------------------------------------------------------------- registering


# What the desk takes down on a call; the rules are checked by request_register.
class IntakeSerializer(serializers.Serializer):
    project = ApiIdField(label=_("项目"))
    kind = serializers.ChoiceField(label=_("类型"), choices=Kind.choices)
    title = serializers.CharField(label=_("标题"), max_length=200)
    description = serializers.CharField(
        label=_("描述"),
        max_length=text_limit(ServiceRequest, "description"),
        required=False,
        allow_blank=True,
        default="",
    )
    channel = serializers.ChoiceField(label=_("来源"), choices=Channel.choices, default=Channel.PHONE)
    category = ApiIdField(label=_("分类"), required=False, allow_null=True)
    severity = serializers.ChoiceField(label=_("级别"), choices=Severity.choices, default=Severity.GENERAL)
    validity = serializers.ChoiceField(
        label=_("投诉性质"),
        choices=Validity.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("仅投诉：有效或无效；不填为有效投诉。"),
    )
    paid = serializers.BooleanField(
        label=_("有偿维修"), required=False, allow_null=True, default=None, help_text=_("仅报修：是否有偿。")
    )
    room = ApiIdField(label=_("房屋"), required=False, allow_null=True)
    resident = ApiIdField(label=_("业户"), required=False, allow_null=True)
    related_room = ApiIdField(
        label=_("相关房屋"),
        required=False,
        allow_null=True,
        help_text=_("本项目另一户的 id，如漏水来源的楼上住户；该工单也显示在那一户的户档中。"),
    )
    caller_name = serializers.CharField(label=_("联系人"), max_length=50, required=False, allow_blank=True, default="")
    caller_phone = serializers.CharField(
        label=_("联系电话"), max_length=30, required=False, allow_blank=True, default=""
    )
    location = serializers.CharField(
        label=_("位置"),
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("不选房屋时必填（公共区域）。"),
    )

    def to_intake(self) -> Intake:
        return _intake(self.validated_data)


@cache
def _intake_fields(language: str):
    """IntakeSerializer's fields, bound once per process and language. DRF deep-copies a
    serializer's declared fields for every instance it builds (about 0.5 ms here, the largest
    single cost of registering after the SQL work); the fields keep no state between calls, except
    that a validator's message (e.g. min_value's) is put into words once, in the language of the
    moment: hence one set per language."""
    return list(IntakeSerializer().fields.values())


def parse_intake(data) -> Intake:
    """What `IntakeSerializer(data=data).is_valid(raise_exception=True)` then `.to_intake()` give,
    field for field and error for error (desk/tests/test_api_intake.py compares them), without
    building the serializer."""
    if not isinstance(data, Mapping):
        serializer = IntakeSerializer(data=data)
        serializer.is_valid(raise_exception=True)  # raises DRF's own "expected a dictionary"
        return serializer.to_intake()
    values, errors = {}, {}
    for field in _intake_fields(get_language()):
        try:
            values[field.field_name] = field.run_validation(field.get_value(data))
        except serializers.ValidationError as exc:
            errors[field.field_name] = exc.detail
        except DjangoValidationError as exc:
            errors[field.field_name] = get_error_detail(exc)
        except SkipField:
            pass
    if errors:
        raise serializers.ValidationError(errors)
    return _intake(values)


def _intake(data) -> Intake:
    return Intake(
        project_id=data["project"],
        kind=data["kind"],
        title=data["title"],
        description=data["description"],
        channel=data["channel"],
        category_id=data.get("category"),
        severity=data["severity"],
        validity=data["validity"],
        paid=data.get("paid"),
        room_id=data.get("room"),
        resident_id=data.get("resident"),
        caller_name=data["caller_name"],
        caller_phone=data["caller_phone"],
        location=data["location"],
        related_room_id=data.get("related_room"),
    )


# The list's orders (`?ordering=`): newest first, or soonest open deadline first (as the page's
# ?sort=due; requests without one are left out of that order, as core/paging.py does).
ORDERINGS = {"-created_at": ("-created_at", "-id"), "due_at": ("due_at", "id")}


def list_ordering(request) -> str:
    ordering = request.query_params.get("ordering") or "-created_at"
    if ordering not in ORDERINGS:
        raise ValidationError({"ordering": [_("可选值：%(choices)s。") % {"choices": "、".join(ORDERINGS)}]})
    return ordering


class RequestPagination(KeysetPagination):
    """Newest first or soonest deadline first (`?ordering=`), keyset-paged (core/paging.py): no
    COUNT over millions of rows."""

    ordering = ORDERINGS["-created_at"]

    def get_ordering(self, request, queryset, view):
        return ORDERINGS[list_ordering(request)]


@extend_schema_view(
    list=extend_schema(
        summary=_("工单列表"),
        description=_("当前用户可见的工单，最新的在前（或按最近时限），按游标分页。"),
        parameters=[
            OpenApiParameter(
                "ordering",
                str,
                enum=list(ORDERINGS),
                description=_("-created_at：最新登记的在前（默认）；due_at：最近时限最早的在前，只含有时限的工单。"),
            )
        ],
    ),
    retrieve=extend_schema(
        summary=_("工单详情"),
        description=_("全部字段、当前用户可执行的操作、版本号、处理记录和附件。"),
        responses={200: RequestDetailSerializer, 404: ERROR_RESPONSES[404]},
    ),
    create=extend_schema(
        summary=_("登记工单"),
        request=IntakeSerializer,
        responses={201: RequestDetailSerializer, 400: ERROR_RESPONSES[400], 403: ERROR_RESPONSES[403]},
    ),
)
class RequestViewSet(
    Idempotent, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    authentication_classes = AUTHENTICATION_CLASSES
    filter_backends = [FilterBackend]  # an invalid filter: 400 with its errors (core/filters.py)
    filterset_class = RequestFilter
    pagination_class = RequestPagination
    lookup_value_regex = r"[0-9]+"
    queryset = ServiceRequest.objects.none()  # for the schema; the real one depends on the user

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ServiceRequest.objects.none()
        return list_queryset(visible_requests(self.request.user)).order_by("-created_at", "-id")

    def get_serializer_class(self):
        return {"list": RequestListSerializer, "create": IntakeSerializer}.get(self.action, RequestDetailSerializer)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(request_list_rows(page, request))

    def retrieve(self, request, pk=None):
        return _detail_response(request, _visible(request.user, pk))

    def create(self, request):
        sr = request_register(actor=request.user, data=parse_intake(request.data))
        # The new request is in memory with its room, resident, category and receiver, and its one
        # timeline entry (no attachments yet): answer from memory rather than reading it back.
        events = sr.new_events  # the registration, and its dispatch when the company dispatches at once
        for event in events:
            event.attachment_ids = []
        data = request_detail_data(sr, request, events, [])
        return Response(data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- actions

FILE_ACTIONS = {action for action, (_service, fields) in ACTION_SERVICES.items() if "files" in fields}


@extend_schema_field({"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "enum": [LEAST_LOADED]}]})
class AssigneeField(ApiIdField):
    """A person's id, or "least": the least loaded person on duty of the chosen department, named by
    the service at the moment of dispatch (desk/dispatch.py `resolve_assignee`), as on the page."""

    def to_internal_value(self, data):
        if data == LEAST_LOADED:
            return LEAST_LOADED
        return super().to_internal_value(data)

    def run_validators(self, value):
        if value != LEAST_LOADED:  # the id's range applies to ids only
            super().run_validators(value)


def _field(action: str, name: str) -> serializers.Field:
    """The API field for one argument a service takes."""
    if name == "note":
        if action in rules.NOTE_REQUIRED:
            help_text = _("必填：说明原因。")
        elif action == Action.CLOSE:
            help_text = _("无效投诉直接结案时必填：向业户所作的解释。")
        else:
            help_text = _("可选的说明。")
        return serializers.CharField(
            label=_("说明"),
            max_length=text_limit(RequestEvent, "note"),
            required=False,
            allow_blank=True,
            default="",
            help_text=help_text,
        )
    if name == "department":
        return ApiIdField(
            label=_("处理部门"), required=False, allow_null=True, help_text=_("本项目部门的 id；与处理人至少填一个。")
        )
    if name == "assignee":
        return AssigneeField(
            label=_("处理人"),
            required=False,
            allow_null=True,
            help_text=_('在本项目工作的员工的 id，或 "least"：所选部门在班最空闲的人（派单时按排班和在办工单选定）。'),
        )
    if name == "result":
        return serializers.CharField(
            label=_("处理结果"), max_length=text_limit(ServiceRequest, "result"), allow_blank=True
        )
    if name == "reply":
        return serializers.CharField(
            label=_("回复内容"), max_length=text_limit(ServiceRequest, "reply"), allow_blank=True
        )
    if name == "rating":
        return serializers.ChoiceField(
            label=_("回访评价"), choices=Rating.choices, help_text=_("A 满意、B 基本满意、C 不满意（工单将重新打开）。")
        )
    if name == "comment":
        return serializers.CharField(
            label=_("回访意见"),
            max_length=text_limit(ServiceRequest, "visit_comment"),
            required=False,
            allow_blank=True,
            default="",
            help_text=_("不满意时必填。"),
        )
    if name == "paid":
        return serializers.BooleanField(
            label=_("有偿维修"),
            required=False,
            allow_null=True,
            default=None,
            help_text=_("仅报修：现场确认是否有偿。"),
        )
    if name == "files":
        required = action == Action.ATTACH
        return serializers.ListField(
            label=_("照片或文件"),
            child=serializers.FileField(),
            required=required,
            allow_empty=not required,
            help_text=_("multipart 的 files 字段，可多个；JPEG/PNG/WebP/GIF 图片或 PDF。"),
        )
    if name == "severity":
        return serializers.ChoiceField(
            label=_("级别"), choices=Severity.choices, required=False, allow_blank=True, default=""
        )
    if name == "category":
        return ApiIdField(label=_("分类"), required=False, allow_null=True, help_text=_("分类的 id。"))
    if name == "validity":
        return serializers.ChoiceField(
            label=_("投诉性质"),
            choices=Validity.choices,
            help_text=_("valid 有效投诉、invalid 无效投诉；改为无效时已派出的工单撤回客服。"),
        )
    raise ImproperlyConfigured(
        f"ACTION_SERVICES[{action!r}] takes {name!r}, which desk/api.py does not know how to read"
    )


# Base of the per-action bodies: every action takes an optional `version`.
class ActionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        label=_("版本号"),
        required=False,
        min_value=1,
        help_text=_("客户端所见详情中的 version；若工单已被他人修改则返回 409。"),
    )

    def validate_department(self, value):
        if value is None:
            return None
        sr = self.context["service_request"]
        department = Department.objects.filter(pk=value, project_id=sr.project_id).first()
        if department is None:
            raise ValidationError(_("部门不存在或不属于这个项目。"))
        return department

    def validate_category(self, value):
        if value is None:
            return None
        sr = self.context["service_request"]
        category = Category.objects.filter(pk=value, active=True, company__projects=sr.project_id).first()
        if category is None:
            raise ValidationError(_("分类不存在或已停用。"))
        return category

    def validate_assignee(self, value):
        if value is None or value == LEAST_LOADED:
            return value
        sr = self.context["service_request"]
        # The one rule of who may be sent work (rules.may_be_assigned, as selectors.assignable_people).
        user = assignable_people(sr.project_id).select_related("department").filter(pk=value).first()
        if user is None:
            raise ValidationError(
                _("处理人不存在，或不是这个项目可以接单的人员（一线人员、部门主管、客服中心的客服人员）。")
            )
        return user


def _action_serializer(action: str) -> type[ActionSerializer]:
    _service, names = ACTION_SERVICES[action]
    attrs = {name: _field(action, name) for name in names}
    return type(f"{action.capitalize()}ActionSerializer", (ActionSerializer,), attrs)


# Service errors speak of the page's form fields; the API's field for uploads is `files`.
_ERROR_FIELD_NAMES = {"photos": "files"}


class RequestActionView(Idempotent, GenericAPIView):
    """POST one action on a request; the action name picks the service from ACTION_SERVICES."""

    authentication_classes = AUTHENTICATION_CLASSES
    action_name: str = ""
    serializer_class = ActionSerializer

    def post(self, request, pk: int):
        sr = self.service_request = _visible(request.user, pk)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service, names = ACTION_SERVICES[self.action_name]
        data = serializer.validated_data
        kwargs = {name: data[name] for name in names if name in data}
        try:
            service(actor=request.user, request=sr, expected_version=data.get("version"), **kwargs)
        except DjangoValidationError as exc:
            if not hasattr(exc, "error_dict"):
                raise
            raise ValidationError(
                {_ERROR_FIELD_NAMES.get(field, field): messages for field, messages in exc.message_dict.items()}
            ) from None
        try:
            sr = _visible(request.user, pk)
        except Http404:
            pass  # e.g. a technician returned the job: show the result once, then it leaves their view
        return _detail_response(request, sr)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["service_request"] = getattr(self, "service_request", None)
        return context


def _action_view(action: str):
    serializer = _action_serializer(action)
    label = Action(action).label
    attrs = {
        "action_name": action,
        "serializer_class": serializer,
        "parser_classes": [MultiPartParser, JSONParser]
        if action in FILE_ACTIONS
        else [JSONParser, FormParser, MultiPartParser],
        "__doc__": RequestActionView.__doc__,
    }
    view = type(f"Request{action.capitalize()}View", (RequestActionView,), attrs)
    return extend_schema_view(
        post=extend_schema(
            operation_id=f"requests_{action}",
            summary=label,
            description=format_lazy(_("对工单执行“{action}”。成功返回更新后的工单详情。"), action=label),
            request=serializer,
            responses={200: RequestDetailSerializer, **ERROR_RESPONSES},
        )
    )(view)


ACTION_VIEWS = {action: _action_view(action) for action in ACTION_SERVICES}
