"""Patrols and emergencies under /api/ (propdesk/api_urls.py), scoped like the pages
(safety/selectors.py): patrol runs and check points for the people who patrol or watch patrols
(safety.rules.sees_patrols; a worker sees their own routes' runs), incidents for staff (a worker
those whose call tree names them), started by the desk and supervisors (`incident_start`).

- patrols/runs/         GET list (?project, ?route, ?state), POST start a run of a route, GET runs/{id}/
                        (its stops and findings); POST runs/{id}/check/ (JSON, or multipart/form-data
                        with `results` JSON-encoded and `photos` files, as the page's stop check),
                        all-normal/, finish/
- patrols/findings/     GET the findings waiting to become requests (as the findings page), GET one,
                        POST findings/{id}/request/ (services.finding_request)
- patrols/points/       GET list (?project, ?kind), GET points/{id}/ (those who maintain points, as the page)
- incidents/            GET list (?project, ?state, ?kind), POST start one, GET incidents/{id}/ (its
                        call list, timeline and links); POST incidents/{id}/ack/, note/, link/,
                        resolve/, review/, close/

The steps are the pages' (safety/views.py, safety/quick.py): the same services, the same records
found the same way (a record the user may not see is a 404), the service's refusal as its
ServiceError (403/409) or its field errors (400), nothing changed.
"""

import json

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from core.access import Requires
from core.api import ERROR_RESPONSES, FileSerializer, step_schema, valid
from core.idempotency import Idempotent
from core.ids import ApiIdField, IdFilter
from core.models import Project
from core.paging import NewestIdFirst
from core.text import text_limit
from desk.models import Category, ServiceRequest
from estate.api import AUTHENTICATION_CLASSES
from estate.selectors import visible_rooms
from safety import selectors, services
from safety.choices import (
    EntryKind,
    FindingState,
    IncidentKind,
    IncidentLevel,
    IncidentState,
    PointKind,
    RunState,
    StopState,
)
from safety.models import (
    CheckPoint,
    Finding,
    Incident,
    IncidentCall,
    IncidentEntry,
    PatrolRun,
    RunStop,
    StopPhoto,
)

patrollers = Requires("safety.patrols", _("只有客服、秩序、工程人员和管理人员可以查看巡检。"))
setup = Requires("safety.setup", _("只有主管和经理可以维护巡检点。"))
staff = Requires("safety.incidents", _("只有物业员工可以查看突发事件。"))


class RunSerializer(serializers.ModelSerializer):
    route_name = serializers.CharField(source="route.name", read_only=True, label=_("路线"))
    state = serializers.ChoiceField(choices=RunState.choices, read_only=True, label=_("状态"))

    class Meta:
        model = PatrolRun
        fields = [
            "id", "project", "route", "route_name", "scheduled_for", "state", "started_by", "started_at",
            "finished_at", "points_total", "points_missed", "findings_count", "note",
        ]  # fmt: skip
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer):
    run = serializers.IntegerField(source="stop.run_id", read_only=True, label=_("巡检"))
    point_code = serializers.CharField(source="stop.point.code", read_only=True, label=_("点位编号"))
    point_name = serializers.CharField(source="stop.point.name", read_only=True, label=_("点位"))
    problem = serializers.CharField(source="wording", read_only=True, label=_("问题"))
    state = serializers.ChoiceField(choices=FindingState.choices, read_only=True, label=_("状态"))

    class Meta:
        model = Finding
        fields = [
            "id", "project", "run", "stop", "point_code", "point_name", "item", "problem", "note", "state",
            "request_kind", "request", "found_by", "found_at", "handed_at",
        ]  # fmt: skip
        read_only_fields = fields


class StopFindingSerializer(FindingSerializer):
    class Meta(FindingSerializer.Meta):
        fields = ["id", "item", "problem", "note", "state", "request_kind", "request"]
        read_only_fields = fields


class StopPhotoSerializer(FileSerializer):
    url_name = "safety:photo"

    class Meta:
        model = StopPhoto
        fields = ["id", "name", "content_type", "size", "url"]
        read_only_fields = fields


class StopSerializer(serializers.ModelSerializer):
    point_code = serializers.CharField(source="point.code", read_only=True, label=_("点位编号"))
    point_name = serializers.CharField(source="point.name", read_only=True, label=_("点位"))
    place = serializers.CharField(source="point.place", read_only=True, label=_("位置"))
    items = serializers.ListField(
        source="point.items", child=serializers.CharField(), read_only=True, label=_("检查项")
    )
    state = serializers.ChoiceField(choices=StopState.choices, read_only=True, label=_("状态"))
    findings = StopFindingSerializer(many=True, read_only=True, label=_("巡检发现"))
    photos = StopPhotoSerializer(many=True, read_only=True, label=_("现场照片"))

    class Meta:
        model = RunStop
        fields = [
            "id", "order", "point", "point_code", "point_name", "place", "items", "state", "results", "note",
            "checked_by", "checked_at", "findings", "photos",
        ]  # fmt: skip
        read_only_fields = fields


class RunDetailSerializer(RunSerializer):
    stops = StopSerializer(many=True, read_only=True, label=_("点位"))

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "stops"]
        read_only_fields = fields


class RunStartSerializer(serializers.Serializer):
    route = ApiIdField(label=_("路线"))


class StopPickSerializer(serializers.Serializer):
    """The stop of the run: by its id, or by the code of its point (the code scanned on the card)."""

    stop = ApiIdField(required=False, allow_null=True, default=None, label=_("点位记录"))
    code = serializers.CharField(
        max_length=text_limit(CheckPoint, "code"), required=False, default="", label=_("点位编号")
    )

    def validate(self, data):
        if data["stop"] is None and not data["code"].strip():
            raise serializers.ValidationError({"stop": [_("请指明点位：点位记录或点位编号。")]})
        return data

    def stop_of(self, run: PatrolRun) -> RunStop:
        d = self.validated_data
        stops = RunStop.objects.select_related("run__route", "point").filter(run=run)
        if d["stop"] is not None:
            stop = stops.filter(pk=d["stop"]).first()
            if stop is None:
                raise serializers.ValidationError({"stop": [_("这次巡检没有这个点位。")]})
            return stop
        code = d["code"].strip()
        stop = stops.filter(point__code__iexact=code).first()
        if stop is None:
            raise serializers.ValidationError({"code": [_("这次巡检没有编号为 %(code)s 的点位。") % {"code": code}]})
        return stop


class CheckResultSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=200, label=_("检查项"))
    ok = serializers.BooleanField(label=_("正常"))
    note = serializers.CharField(
        max_length=text_limit(Finding, "note"), required=False, allow_blank=True, default="", label=_("说明")
    )


# A check list (CheckPoint.checklist) holds at most one check per two of its characters (one and a
# newline): a stop check answers each, so more results than that are never a real check.
MAX_RESULTS = (text_limit(CheckPoint, "checklist") + 1) // 2


class StopCheckSerializer(StopPickSerializer):
    results = CheckResultSerializer(many=True, max_length=MAX_RESULTS, label=_("逐项结果"))
    note = serializers.CharField(
        max_length=text_limit(RunStop, "note"), required=False, allow_blank=True, default="", label=_("说明")
    )
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, label=_("现场照片"),
        help_text=_("仅 multipart/form-data：photos 字段，可多个图片（JPEG/PNG/WebP/GIF）。"),
    )  # fmt: skip


class StopCheckFormSerializer(StopCheckSerializer):
    """The same check as multipart/form-data (the page's stop check sends photos): `results` is the
    JSON array as a string, `photos` the files."""

    results = serializers.CharField(label=_("逐项结果"), help_text=_('JSON 数组：[{"item", "ok", "note"}]'))


def _check_data(request):
    """A JSON body as it is; multipart/form-data with `results` JSON-encoded: decoded, the photos
    kept as files (`results[0]item`-style form fields are DRF's own nested form input, left as they are)."""
    data = request.data
    raw = data.get("results") if hasattr(data, "getlist") else None
    if not isinstance(raw, str):
        return data
    try:
        results = json.loads(raw)
    except ValueError:
        raise ValidationError({"results": [_("逐项结果须为 JSON 数组。")]}) from None
    plain = {k: data.get(k) for k in data if k not in ("results", "photos")}
    return plain | {"results": results, "photos": data.getlist("photos")}


class RunFinishSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=text_limit(PatrolRun, "note"), required=False, allow_blank=True, default="", label=_("说明")
    )


class FindingRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[(k.value, k.label) for k in services.FINDING_KINDS], label=_("工单类型"))
    category = ApiIdField(required=False, allow_null=True, default=None, label=_("分类"))


class PointSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=PointKind.choices, read_only=True, label=_("类型"))

    class Meta:
        model = CheckPoint
        fields = ["id", "project", "code", "name", "kind", "place", "room", "checklist", "active"]
        read_only_fields = fields


class IncidentSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=IncidentKind.choices, read_only=True, label=_("类型"))
    level = serializers.ChoiceField(choices=IncidentLevel.choices, read_only=True, label=_("级别"))
    state = serializers.ChoiceField(choices=IncidentState.choices, read_only=True, label=_("状态"))

    class Meta:
        model = Incident
        fields = [
            "id", "project", "kind", "level", "title", "place", "building", "room", "reported_at", "reported_by",
            "state", "resolved_at", "closed_at",
        ]  # fmt: skip
        read_only_fields = fields


class IncidentCallSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.name", read_only=True, label=_("姓名"))

    class Meta:
        model = IncidentCall
        fields = ["user", "user_name", "notified_at", "acked_at"]
        read_only_fields = fields


class IncidentEntrySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=EntryKind.choices, read_only=True, label=_("类型"))
    actor_name = serializers.CharField(source="actor.name", read_only=True, label=_("记录人"))

    class Meta:
        model = IncidentEntry
        fields = ["id", "at", "kind", "text", "actor", "actor_name"]
        read_only_fields = fields


class IncidentDetailSerializer(IncidentSerializer):
    calls = IncidentCallSerializer(many=True, read_only=True, label=_("通知名单"))
    entries = IncidentEntrySerializer(many=True, read_only=True, label=_("时间线"))
    requests = serializers.SerializerMethodField(label=_("关联工单"))

    class Meta(IncidentSerializer.Meta):
        fields = [
            *IncidentSerializer.Meta.fields, "cause", "went_well", "to_improve", "reviewer", "reviewed_at",
            "calls", "entries", "requests",
        ]  # fmt: skip
        read_only_fields = fields

    def get_requests(self, incident) -> list[int]:
        return [link.request_id for link in incident.links.all()]


class IncidentTextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=text_limit(IncidentEntry, "text"), label=_("内容"))


class IncidentLinkSerializer(serializers.Serializer):
    requests = serializers.ListField(child=ApiIdField(), min_length=1, max_length=100, label=_("工单"))


class IncidentReviewSerializer(serializers.Serializer):
    cause = serializers.CharField(max_length=text_limit(Incident, "cause"), label=_("原因"))
    went_well = serializers.CharField(max_length=text_limit(Incident, "went_well"), label=_("做得好的"))
    to_improve = serializers.CharField(max_length=text_limit(Incident, "to_improve"), label=_("需改进的"))


class IncidentInSerializer(serializers.Serializer):
    project = ApiIdField(label=_("项目"))
    kind = serializers.ChoiceField(choices=IncidentKind.choices, label=_("类型"))
    level = serializers.ChoiceField(choices=IncidentLevel.choices, default=IncidentLevel.GENERAL, label=_("级别"))
    title = serializers.CharField(max_length=text_limit(Incident, "title"), label=_("标题"))
    place = serializers.CharField(max_length=text_limit(Incident, "place"), label=_("地点"))
    room = ApiIdField(required=False, allow_null=True, default=None, label=_("房屋"))
    reported_at = serializers.DateTimeField(required=False, allow_null=True, default=None, label=_("报告时间"))
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="", label=_("说明"))


class RunFilter(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    route = IdFilter(label=_("路线"), field_name="route_id")
    state = django_filters.TypedChoiceFilter(label=_("状态"), choices=RunState.choices, coerce=int)

    class Meta:
        model = PatrolRun
        fields = ["project", "route", "state"]


class FindingFilter(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")

    class Meta:
        model = Finding
        fields = ["project"]


class PointFilter(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=PointKind.choices)

    class Meta:
        model = CheckPoint
        fields = ["project", "kind"]


class IncidentFilter(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    state = django_filters.TypedChoiceFilter(label=_("状态"), choices=IncidentState.choices, coerce=int)
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=IncidentKind.choices)

    class Meta:
        model = Incident
        fields = ["project", "state", "kind"]


@extend_schema_view(
    list=extend_schema(summary=_("巡检记录"), tags=["safety"]),
    retrieve=extend_schema(summary=_("一次巡检（含点位与发现）"), tags=["safety"], responses=RunDetailSerializer),
)
class RunViewSet(Idempotent, viewsets.ReadOnlyModelViewSet):
    """A patrol walked from the phone: start a route's run, answer its points (by id or by the code
    on the point's card), finish it. Who may walk is the service's (safety.rules.walks): the desk
    sees a run but may not walk it (403); a run of a route not theirs to see is a 404."""

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [patrollers]
    serializer_class = RunSerializer
    filterset_class = RunFilter
    pagination_class = NewestIdFirst

    def get_queryset(self):
        return selectors.visible_runs(self.request.user).select_related("route")

    def get_serializer_class(self):
        return RunSerializer if self.action == "list" else RunDetailSerializer

    def _detail(self, pk) -> Response:
        return Response(RunDetailSerializer(selectors.run_detail(self.request.user, pk)).data)

    def retrieve(self, request, *args, **kwargs):
        self.get_object()  # 404 as the list
        return self._detail(self.kwargs["pk"])

    @extend_schema(
        summary=_("开始巡检"),
        tags=["safety"],
        request=RunStartSerializer,
        responses={201: RunDetailSerializer, **ERROR_RESPONSES},
    )
    def create(self, request, *args, **kwargs):
        data = valid(RunStartSerializer, request)
        route = selectors.visible_routes(request.user).filter(pk=data.validated_data["route"]).first()
        if route is None:
            raise NotFound(_("没有找到这条路线。"))
        run = services.run_start(actor=request.user, route=route)
        response = self._detail(run.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @step_schema(
        _("检查一个点位"),
        tag="safety",
        request={"application/json": StopCheckSerializer, "multipart/form-data": StopCheckFormSerializer},
        response=RunDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="check", url_name="check")
    def check(self, request, pk=None):
        run = self.get_object()
        data = StopCheckSerializer(data=_check_data(request))
        data.is_valid(raise_exception=True)
        d = data.validated_data
        services.stop_check(  # the photos checked by the service (core/uploads.py check_uploads), as the page's
            actor=request.user,
            stop=data.stop_of(run),
            results=[{"item": r["item"], "ok": r["ok"], "note": r["note"]} for r in d["results"]],
            note=d["note"],
            files=d["photos"],
        )
        return self._detail(run.pk)

    @step_schema(
        _("点位全部正常"),
        tag="safety",
        request=StopPickSerializer,
        response=RunDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="all-normal", url_name="all-normal")
    def all_normal(self, request, pk=None):
        run = self.get_object()
        data = valid(StopPickSerializer, request)
        services.stop_all_normal(actor=request.user, stop=data.stop_of(run))
        return self._detail(run.pk)

    @step_schema(
        _("结束巡检"),
        tag="safety",
        request=RunFinishSerializer,
        response=RunDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="finish", url_name="finish")
    def finish(self, request, pk=None):
        run = self.get_object()
        data = valid(RunFinishSerializer, request)
        services.run_finish(actor=request.user, run=run, note=data.validated_data["note"])
        return self._detail(run.pk)


@extend_schema_view(
    list=extend_schema(summary=_("待转工单的巡检发现"), tags=["safety"]),
    retrieve=extend_schema(summary=_("一条巡检发现"), tags=["safety"]),
)
class FindingViewSet(Idempotent, viewsets.ReadOnlyModelViewSet):
    """Findings of the user's projects, as the findings page (safety:findings) and its one tap:
    the desk registers the request, the route's people hand it to the desk (the service decides)."""

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [patrollers]
    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    pagination_class = NewestIdFirst

    def get_queryset(self):
        user = self.request.user
        if not user.is_authenticated:  # the schema's fake request
            return Finding.objects.none()
        if self.action == "list":
            return selectors.findings_for_desk(user)
        return Finding.objects.filter(project_id__in=user.project_ids()).select_related("stop__point")

    @step_schema(
        _("巡检发现转为工单"),
        description=_("客服人员直接登记工单；巡检人员转交客服登记（与巡检页面相同）。"),
        tag="safety",
        request=FindingRequestSerializer,
        response=FindingSerializer,
    )
    @action(detail=True, methods=["post"], url_path="request", url_name="request")
    def make_request(self, request, pk=None):
        finding = self.get_object()
        data = valid(FindingRequestSerializer, request)
        d = data.validated_data
        category = None
        if d["category"] is not None:
            company = finding.project.company_id
            category = Category.objects.filter(pk=d["category"], company_id=company, active=True).first()
            if category is None:
                raise serializers.ValidationError({"category": [_("没有这个分类。")]})
        finding = services.finding_request(actor=request.user, finding=finding, kind=d["kind"], category=category)
        return Response(FindingSerializer(self.get_queryset().get(pk=finding.pk)).data)


@extend_schema_view(
    list=extend_schema(summary=_("巡检点"), tags=["safety"]),
    retrieve=extend_schema(summary=_("一个巡检点"), tags=["safety"]),
)
class PointViewSet(viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [setup]  # as the points pages (safety:points): those who maintain them
    serializer_class = PointSerializer
    filterset_class = PointFilter
    pagination_class = NewestIdFirst

    def get_queryset(self):
        return selectors.visible_points(self.request.user)


@extend_schema_view(
    list=extend_schema(summary=_("突发事件列表"), tags=["safety"]),
    retrieve=extend_schema(summary=_("一起突发事件"), tags=["safety"], responses=IncidentDetailSerializer),
    create=extend_schema(
        summary=_("登记突发事件"),
        tags=["safety"],
        request=IncidentInSerializer,
        responses={201: IncidentSerializer, **ERROR_RESPONSES},
    ),
)
class IncidentViewSet(Idempotent, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The incident's steps are the page's (safety:incident_act): those called acknowledge and write
    what they did; the desk and supervisors link requests and resolve; supervisors review and close.
    Each step answers the incident as GET incidents/{id}/ does."""

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [staff]
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    pagination_class = NewestIdFirst

    def get_queryset(self):
        return selectors.visible_incidents(self.request.user).distinct()

    def get_serializer_class(self):
        return IncidentSerializer if self.action in ("list", "create") else IncidentDetailSerializer

    def _detail(self, pk) -> Response:
        incident = (
            Incident.objects.prefetch_related("links", "calls__user", "entries__actor")
            .select_related("project")
            .get(pk=pk)
        )
        return Response(IncidentDetailSerializer(incident).data)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    def create(self, request, *args, **kwargs):
        data = valid(IncidentInSerializer, request)
        d = data.validated_data
        if d["project"] not in request.user.project_ids():
            raise NotFound(_("没有找到这个项目。"))
        project = Project.objects.get(pk=d["project"])
        room = None
        if d["room"] is not None:
            room = visible_rooms(request.user).filter(pk=d["room"], project_id=project.pk).first()
            if room is None:
                raise serializers.ValidationError({"room": [_("房屋不属于这个项目。")]})
        incident = services.incident_start(
            actor=request.user,
            project=project,
            kind=d["kind"],
            title=d["title"],
            place=d["place"],
            level=d["level"],
            room=room,
            reported_at=d["reported_at"],
            note=d["note"],
        )
        return Response(IncidentSerializer(incident).data, status=status.HTTP_201_CREATED)

    @step_schema(
        _("确认收到事件通知"),
        tag="safety",
        request=None,
        response=IncidentDetailSerializer,
        description=_("通知名单中的人员确认收到；已确认过的再次确认不变。"),
    )
    @action(detail=True, methods=["post"], url_path="ack", url_name="ack")
    def ack(self, request, pk=None):
        incident = self.get_object()
        services.incident_ack(actor=request.user, incident=incident)
        return self._detail(incident.pk)

    @step_schema(
        _("记录处置情况"),
        tag="safety",
        request=IncidentTextSerializer,
        response=IncidentDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="note", url_name="note")
    def note(self, request, pk=None):
        incident = self.get_object()
        data = valid(IncidentTextSerializer, request)
        services.incident_note(actor=request.user, incident=incident, text=data.validated_data["text"])
        return self._detail(incident.pk)

    @step_schema(
        _("关联工单"),
        tag="safety",
        request=IncidentLinkSerializer,
        response=IncidentDetailSerializer,
        description=_("只能关联本项目未结案、尚未关联的工单。"),
    )
    @action(detail=True, methods=["post"], url_path="link", url_name="link")
    def link(self, request, pk=None):
        incident = self.get_object()
        data = valid(IncidentLinkSerializer, request)
        ids = data.validated_data["requests"]
        found = list(ServiceRequest.objects.filter(pk__in=ids).only("id"))  # as the page: the service says which
        if len(found) != len(set(ids)):
            raise serializers.ValidationError({"requests": [_("只能关联本项目未结案、尚未关联的工单。")]})
        services.incident_link(actor=request.user, incident=incident, requests=found)
        return self._detail(incident.pk)

    @step_schema(
        _("确认事件已排除"),
        tag="safety",
        request=IncidentTextSerializer,
        response=IncidentDetailSerializer,
        description=_("通知关联工单的业户、受理人和本项目客服。"),
    )
    @action(detail=True, methods=["post"], url_path="resolve", url_name="resolve")
    def resolve(self, request, pk=None):
        incident = self.get_object()
        data = valid(IncidentTextSerializer, request)
        services.incident_resolve(actor=request.user, incident=incident, text=data.validated_data["text"])
        return self._detail(incident.pk)

    @step_schema(
        _("事件复盘"),
        tag="safety",
        request=IncidentReviewSerializer,
        response=IncidentDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="review", url_name="review")
    def review(self, request, pk=None):
        incident = self.get_object()
        data = valid(IncidentReviewSerializer, request)
        services.incident_review(actor=request.user, incident=incident, **data.validated_data)
        return self._detail(incident.pk)

    @step_schema(
        _("事件结案"),
        tag="safety",
        request=None,
        response=IncidentDetailSerializer,
        description=_("复盘之后，主管结案。"),
    )
    @action(detail=True, methods=["post"], url_path="close", url_name="close")
    def close(self, request, pk=None):
        incident = self.get_object()
        services.incident_close(actor=request.user, incident=incident)
        return self._detail(incident.pk)
