"""The duty desk under /api/duty/ (propdesk/api_urls.py): the roster (read) and the duty log (read,
write), for the people the duty pages are for (duty.rules.may_view: the desk and those above it),
over the projects they work in.

- duty/roster/          GET the roster's assignments (?project, ?day_from, ?day_to, ?user, ?state)
- duty/roster/{id}/     GET one
- duty/log/             GET the duty log (?project, ?category, ?hand_over), POST a line (services.log_add)
- duty/log/{id}/        GET one line
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from core.access import Requires
from core.idempotency import Idempotent
from core.ids import ApiIdField, IdFilter
from core.paging import KeysetPagination
from core.text import text_limit
from desk.api import ERROR_RESPONSES
from duty import rules, selectors, services
from duty.choices import AssignmentState, LogCategory
from duty.models import Assignment, LogEntry
from estate.api import AUTHENTICATION_CLASSES

viewer = Requires("duty.view", _("只有客服人员和管理人员可以查看值班。"))


class AssignmentSerializer(serializers.ModelSerializer):
    shift_name = serializers.CharField(source="shift.name", read_only=True, label=_("班次"))
    shift_start = serializers.TimeField(source="shift.start", read_only=True, label=_("开始"))
    shift_end = serializers.TimeField(source="shift.end", read_only=True, label=_("结束"))
    user_name = serializers.CharField(source="user.name", read_only=True, label=_("值班人"))
    state = serializers.ChoiceField(choices=AssignmentState.choices, read_only=True, label=_("状态"))

    class Meta:
        model = Assignment
        fields = [
            "id",
            "project",
            "day",
            "shift",
            "shift_name",
            "shift_start",
            "shift_end",
            "user",
            "user_name",
            "state",
        ]
        read_only_fields = fields


class LogEntrySerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.name", read_only=True, label=_("记录人"))
    category = serializers.ChoiceField(choices=LogCategory.choices, label=_("类别"))

    class Meta:
        model = LogEntry
        fields = [
            "id",
            "project",
            "at",
            "category",
            "text",
            "hand_over",
            "author",
            "author_name",
            "created_at",
            "corrects",
        ]
        read_only_fields = ["id", "project", "author", "author_name", "created_at", "corrects"]


class LogEntryInSerializer(serializers.Serializer):
    project = ApiIdField(label=_("项目"))
    category = serializers.ChoiceField(choices=LogCategory.choices, label=_("类别"))
    text = serializers.CharField(max_length=text_limit(LogEntry, "text"), label=_("内容"))
    at = serializers.DateTimeField(required=False, allow_null=True, default=None, label=_("发生时间"))
    hand_over = serializers.BooleanField(default=False, label=_("需交接"))
    corrects = ApiIdField(required=False, allow_null=True, default=None, label=_("更正哪条记录"))


class AssignmentFilter(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    user = IdFilter(label=_("值班人"), field_name="user_id")
    day_from = django_filters.DateFilter(label=_("日期自"), field_name="day", lookup_expr="gte")
    day_to = django_filters.DateFilter(label=_("日期至"), field_name="day", lookup_expr="lte")
    state = django_filters.TypedChoiceFilter(label=_("状态"), choices=AssignmentState.choices, coerce=int)

    class Meta:
        model = Assignment
        fields = ["project", "user", "day_from", "day_to", "state"]


class LogEntryFilter(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    category = django_filters.ChoiceFilter(label=_("类别"), choices=LogCategory.choices)
    hand_over = django_filters.BooleanFilter(label=_("需交接"))

    class Meta:
        model = LogEntry
        fields = ["project", "category", "hand_over"]


class ByDay(KeysetPagination):
    ordering = ("-day", "-id")


class NewestFirst(KeysetPagination):
    ordering = ("-at", "-id")


@extend_schema_view(
    list=extend_schema(summary=_("排班"), tags=["duty"]),
    retrieve=extend_schema(summary=_("一条排班"), tags=["duty"]),
)
class AssignmentViewSet(viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [viewer]
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    pagination_class = ByDay

    def get_queryset(self):
        return selectors.visible_assignments(self.request.user)


@extend_schema_view(
    list=extend_schema(summary=_("值班记录"), tags=["duty"]),
    retrieve=extend_schema(summary=_("一条值班记录"), tags=["duty"]),
)
class LogEntryViewSet(Idempotent, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [viewer]
    serializer_class = LogEntrySerializer
    filterset_class = LogEntryFilter
    pagination_class = NewestFirst

    def get_queryset(self):
        return selectors.visible_log_entries(self.request.user)

    @extend_schema(
        summary=_("写值班记录"),
        tags=["duty"],
        request=LogEntryInSerializer,
        responses={201: LogEntrySerializer, **ERROR_RESPONSES},
    )
    def create(self, request, *args, **kwargs):
        data = LogEntryInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        project = rules.project_for(request.user, d["project"])
        corrects = None
        if d["corrects"] is not None:
            corrects = LogEntry.objects.filter(project=project, pk=d["corrects"]).first()
            if corrects is None:
                raise serializers.ValidationError({"corrects": [_("被更正的记录不属于这个项目。")]})
        entry = services.log_add(
            actor=request.user,
            project=project,
            category=d["category"],
            text=d["text"],
            at=d["at"],
            hand_over=d["hand_over"],
            corrects=corrects,
        )
        return Response(LogEntrySerializer(entry).data, status=status.HTTP_201_CREATED)
