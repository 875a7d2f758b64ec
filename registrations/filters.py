"""One filter set per registration list (the list page; an API or export would share it)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.ids import IdChoiceFilter
from core.models import Project
from estate.models import Building
from estate.selectors import room_code_from_text
from registrations.models import Handover, Lease, MoveIn, Transfer

DATE = forms.DateInput(attrs={"type": "date"})

# Text fields a list's search box looks at (besides the room code).
SEARCH_FIELDS = {
    MoveIn: ("person_name",),
    Lease: ("tenant_name", "contract_no"),
    Transfer: ("new_owner_name", "old_owners"),
    Handover: ("developer",),
}


class RecordFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="filter_q")
    state = django_filters.TypedChoiceFilter(label=_("状态"), coerce=int)
    project = IdChoiceFilter(label=_("项目"), queryset=Project.objects.none(), empty_label=_("全部"))
    building = IdChoiceFilter(
        label=_("楼栋"), queryset=Building.objects.none(), method="filter_building", empty_label=_("全部")
    )
    created_from = django_filters.DateFilter(
        label=_("登记日期从"), field_name="created_at", lookup_expr="date__gte", widget=DATE
    )
    created_to = django_filters.DateFilter(label=_("至"), field_name="created_at", lookup_expr="date__lte", widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        model = self.queryset.model
        ids = user.project_ids()
        self.filters["state"].extra["choices"] = [("", _("全部"))] + list(model._meta.get_field("state").choices)
        self.filters["project"].queryset = Project.objects.filter(pk__in=ids)
        self.filters["building"].queryset = Building.objects.filter(project_id__in=ids)

    def filter_q(self, qs, name, value):
        value = (value or "").strip()
        if not value:
            return qs
        cond = Q()
        for field in SEARCH_FIELDS[qs.model]:
            cond |= Q(**{f"{field}__startswith": value})
        if qs.model is not Handover:
            code = room_code_from_text(value)
            cond |= Q(room__code=code) | Q(room__code__startswith=f"{code}-")
        return qs.filter(cond)

    def filter_building(self, qs, name, value):
        if not value:
            return qs
        if qs.model is Handover:
            return qs.filter(building=value)
        return qs.filter(room__building=value)


def filter_for(model):
    meta = type("Meta", (), {"model": model, "fields": ["q", "state", "project", "building"]})
    return type(f"{model.__name__}Filter", (RecordFilter,), {"Meta": meta})


FILTERS = {model: filter_for(model) for model in (MoveIn, Lease, Transfer, Handover)}
