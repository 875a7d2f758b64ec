"""One filter set for the request list page, the API and exports."""

from datetime import timedelta

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.ids import IdChoiceFilter, IdFilter
from core.models import Department, Project, User
from desk import board
from desk.choices import OPEN_STATES, Kind, Severity, State
from desk.models import Category, Escalation, ServiceRequest
from desk.search import request_search_q
from estate.models import Building


class RequestFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="filter_q")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=Kind.choices)
    state = django_filters.TypedMultipleChoiceFilter(
        label=_("状态"), choices=State.choices, coerce=int, widget=forms.SelectMultiple
    )
    open = django_filters.BooleanFilter(label=_("仅未结案"), method="filter_open")
    severity = django_filters.ChoiceFilter(label=_("级别"), choices=Severity.choices)
    category = IdChoiceFilter(label=_("分类"), queryset=Category.objects.none())
    project = IdChoiceFilter(label=_("项目"), queryset=Project.objects.none())
    building = IdChoiceFilter(label=_("楼栋"), queryset=Building.objects.none(), field_name="room__building")
    department = IdChoiceFilter(label=_("处理部门"), queryset=Department.objects.none())
    assignee = IdChoiceFilter(label=_("处理人"), queryset=User.objects.none())
    room = IdFilter(label=_("房屋"), field_name="room_id")
    due = django_filters.ChoiceFilter(
        label=_("时限"),
        choices=[("overdue", _("已超时")), ("soon", _("一小时内到期")), ("ok", _("正常"))],
        method="filter_due",
    )
    # The supervisor's board opens its figures with these (desk/board.py holds the definitions).
    hour = django_filters.ChoiceFilter(
        label=_("登记时段"), choices=[(str(h), f"{h:02d}:00–{h:02d}:59") for h in range(24)], method="filter_hour"
    )
    unassigned = django_filters.BooleanFilter(label=_("未指定处理人"), method="filter_unassigned")
    visit = django_filters.ChoiceFilter(
        label=_("回访"),
        choices=[("owed", _("待回访")), ("due_today", _("今天到期的待回访（含已超时）"))],
        method="filter_visit",
    )
    unsatisfied = django_filters.ChoiceFilter(
        label=_("回访不满意"), choices=[("week", _("本周回访不满意、尚未解决"))], method="filter_unsatisfied"
    )
    escalated = django_filters.ChoiceFilter(
        label=_("今日升级"),
        choices=[("today", _("今日触发升级（任一级）"))]
        + [(str(level.value), level.label) for level in Escalation.Level],
        method="filter_escalated",
    )
    created_from = django_filters.DateFilter(
        label=_("登记日期从"),
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = django_filters.DateFilter(
        label=_("至"),
        field_name="created_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = ServiceRequest
        fields = [
            "q",
            "kind",
            "state",
            "open",
            "due",
            "severity",
            "category",
            "project",
            "building",
            "department",
            "assignee",
        ]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            projects = user.project_ids()
            self.filters["project"].queryset = Project.objects.filter(pk__in=projects)
            self.filters["building"].queryset = Building.objects.filter(project_id__in=projects)
            self.filters["department"].queryset = Department.objects.filter(project_id__in=projects).select_related(
                "project"
            )
            self.filters["assignee"].queryset = (
                User.objects.filter(projects__in=projects, is_active=True).exclude(role="resident").distinct()
            )
            self.filters["category"].queryset = Category.objects.filter(company__projects__in=projects).distinct()

    def filter_q(self, queryset, name, value):
        return queryset.filter(request_search_q(value)) if value.strip() else queryset

    def filter_due(self, queryset, name, value):
        now = timezone.now()
        if value == "overdue":
            return queryset.filter(board.overdue_q(now))
        if value == "soon":
            return queryset.filter(board.soon_q(now))
        if value == "ok":
            return queryset.filter(due_at__gt=now + timedelta(hours=1))
        return queryset

    def filter_open(self, queryset, name, value):
        if value is True:
            return queryset.filter(state__in=OPEN_STATES)
        if value is False:
            return queryset.exclude(state__in=OPEN_STATES)
        return queryset

    def filter_hour(self, queryset, name, value):
        return queryset.filter(created_at__hour=int(value))  # local time (USE_TZ, TIME_ZONE)

    def filter_unassigned(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(assignee__isnull=value)

    def filter_visit(self, queryset, name, value):
        if value == "owed":
            return queryset.filter(board.visits_owed_q())
        if value == "due_today":
            return queryset.filter(board.visits_due_q(board.Moments.at().tomorrow))
        return queryset

    def filter_unsatisfied(self, queryset, name, value):
        return queryset.filter(board.unsatisfied_q(board.Moments.at().week)) if value == "week" else queryset

    def filter_escalated(self, queryset, name, value):
        today = board.Moments.at().today
        return queryset.filter(board.escalated_q(today, None if value == "today" else int(value)))


# The board's filters, shown on the list as removable labels (the filter form has no field for them).
BOARD_FILTERS = ("hour", "unassigned", "visit", "unsatisfied", "escalated")


def active_board_filters(filterset) -> list[tuple[str, str, str]]:
    """(name, value, label) of the board's filters in use, for the list page's labels."""
    data = filterset.data or {}
    found = []
    for name in BOARD_FILTERS:
        value = data.get(name)
        if value in (None, ""):
            continue
        field = filterset.form.fields[name]
        choices = dict((str(k), v) for k, v in getattr(field, "choices", []) or [])
        label = choices.get(str(value)) or (gettext("是") if value in ("true", "True", "1") else str(value))
        found.append((name, str(value), gettext("%(filter)s：%(value)s") % {"filter": field.label, "value": label}))
    return found
