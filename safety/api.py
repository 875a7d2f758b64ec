"""Patrols and emergencies under /api/ (propdesk/api_urls.py), scoped like the pages
(safety/selectors.py): patrol runs and check points for the people who patrol or watch patrols
(safety.rules.sees_patrols; a worker sees their own routes' runs), incidents for staff (a worker
those whose call tree names them), started by the desk and supervisors (`incident_start`).

- patrols/runs/         GET list (?project, ?route, ?state), GET runs/{id}/
- patrols/points/       GET list (?project, ?kind), GET points/{id}/ (those who maintain points, as the page)
- incidents/            GET list (?project, ?state, ?kind), POST start one, GET incidents/{id}/
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
from core.models import Project
from core.paging import KeysetPagination
from core.text import text_limit
from desk.api import ERROR_RESPONSES
from estate.api import AUTHENTICATION_CLASSES
from estate.selectors import visible_rooms
from safety import selectors, services
from safety.choices import IncidentKind, IncidentLevel, IncidentState, PointKind, RunState
from safety.models import CheckPoint, Incident, PatrolRun

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


class NewestFirst(KeysetPagination):
    ordering = ("-pk",)


@extend_schema_view(
    list=extend_schema(summary=_("巡检记录"), tags=["safety"]),
    retrieve=extend_schema(summary=_("一次巡检"), tags=["safety"]),
)
class RunViewSet(viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [patrollers]
    serializer_class = RunSerializer
    filterset_class = RunFilter
    pagination_class = NewestFirst

    def get_queryset(self):
        return selectors.visible_runs(self.request.user).select_related("route")


@extend_schema_view(
    list=extend_schema(summary=_("巡检点"), tags=["safety"]),
    retrieve=extend_schema(summary=_("一个巡检点"), tags=["safety"]),
)
class PointViewSet(viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [setup]  # as the points pages (safety:points): those who maintain them
    serializer_class = PointSerializer
    filterset_class = PointFilter
    pagination_class = NewestFirst

    def get_queryset(self):
        return selectors.visible_points(self.request.user)


@extend_schema_view(
    list=extend_schema(summary=_("突发事件列表"), tags=["safety"]),
    retrieve=extend_schema(summary=_("一起突发事件"), tags=["safety"]),
    create=extend_schema(
        summary=_("登记突发事件"),
        tags=["safety"],
        request=IncidentInSerializer,
        responses={201: IncidentSerializer, **ERROR_RESPONSES},
    ),
)
class IncidentViewSet(Idempotent, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [staff]
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    pagination_class = NewestFirst

    def get_queryset(self):
        return selectors.visible_incidents(self.request.user).distinct()

    def create(self, request, *args, **kwargs):
        data = IncidentInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
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
