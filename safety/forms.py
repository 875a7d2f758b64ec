from django import forms
from django.utils.translation import gettext_lazy as _

from core.choices import Role
from core.forms import ServiceErrorsMixin
from core.models import Department, Project, User
from core.text import text_limit
from desk.models import Category
from estate.models import Building, Room
from estate.selectors import room_code_from_text
from safety.choices import IncidentKind, IncidentLevel
from safety.models import CheckPoint, Incident, IncidentEntry, Route


class PointForm(ServiceErrorsMixin, forms.ModelForm):
    room_code = forms.CharField(
        label=_("房屋编号"), max_length=60, required=False, help_text=_("如 3-2-1502；公共区域留空。")
    )

    class Meta:
        model = CheckPoint
        fields = ["project", "code", "name", "kind", "place", "checklist", "active"]
        widgets = {"checklist": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(pk__in=user.project_ids())
        self.fields["project"].empty_label = None
        if self.instance.pk:
            self.fields["project"].disabled = True
            if self.instance.room_id:
                self.fields["room_code"].initial = self.instance.room.code

    def clean(self):
        data = super().clean()
        code, project = (data.get("room_code") or "").strip(), data.get("project")
        self.instance.room = None
        if code and project:
            room = Room.objects.filter(project=project, code=room_code_from_text(code)).first()
            if room is None:
                self.add_error("room_code", _("本项目没有这个房屋。"))
            self.instance.room = room
        return data


class RouteForm(ServiceErrorsMixin, forms.ModelForm):
    point_codes = forms.CharField(
        label=_("点位（按顺序）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("按巡检顺序填写点位编号，用逗号或换行分隔，如 A01,A02,F01"),
    )
    people = forms.ModelMultipleChoiceField(
        label=_("巡检人员"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Route
        fields = ["project", "name", "times", "grace_minutes", "department", "active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        projects = Project.objects.filter(pk__in=user.project_ids())
        self.fields["project"].queryset = projects
        self.fields["project"].empty_label = None
        self.fields["department"].queryset = Department.objects.filter(project__in=projects)
        self.fields["people"].queryset = User.objects.filter(
            projects__in=projects, is_active=True, role__in=[Role.WORKER, Role.DEPT_LEAD]
        ).distinct()
        if self.instance.pk:
            self.fields["project"].disabled = True
            self.fields["point_codes"].initial = ",".join(
                s.point.code for s in self.instance.stops.select_related("point")
            )
            self.fields["people"].initial = list(self.instance.people.all())


class IncidentForm(ServiceErrorsMixin, forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), empty_label=None)
    kind = forms.ChoiceField(label=_("事件类型"), choices=IncidentKind.choices, widget=forms.RadioSelect)
    level = forms.TypedChoiceField(
        label=_("级别"), choices=IncidentLevel.choices, coerce=int, initial=IncidentLevel.GENERAL
    )
    title = forms.CharField(label=_("标题"), max_length=200, help_text=_("如：5栋地下室水管爆裂"))
    place = forms.CharField(label=_("地点"), max_length=200)
    building = forms.ModelChoiceField(label=_("楼栋"), queryset=Building.objects.none(), required=False)
    room_code = forms.CharField(label=_("房屋编号"), max_length=60, required=False)
    reported_at = forms.DateTimeField(
        label=_("接报时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(
        label=_("情况说明"),
        max_length=text_limit(IncidentEntry, "text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        projects = Project.objects.filter(pk__in=user.project_ids())
        self.fields["project"].queryset = projects
        self.fields["building"].queryset = Building.objects.filter(project__in=projects)

    def clean(self):
        data = super().clean()
        code, project = (data.get("room_code") or "").strip(), data.get("project")
        data["room"] = None
        if code and project:
            rooms = Room.objects.filter(project=project, code=room_code_from_text(code))
            data["room"] = rooms.select_related("building").first()
            if data["room"] is None:
                self.add_error("room_code", _("本项目没有这个房屋。"))
        return data


class NoteForm(ServiceErrorsMixin, forms.Form):
    text = forms.CharField(
        label=_("处置情况"), max_length=text_limit(IncidentEntry, "text"), widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolveForm(ServiceErrorsMixin, forms.Form):
    text = forms.CharField(
        label=_("处置结果"), max_length=text_limit(IncidentEntry, "text"), widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewForm(ServiceErrorsMixin, forms.Form):
    cause = forms.CharField(
        label=_("原因"), max_length=text_limit(Incident, "cause"), widget=forms.Textarea(attrs={"rows": 2})
    )
    went_well = forms.CharField(
        label=_("做得好的"), max_length=text_limit(Incident, "went_well"), widget=forms.Textarea(attrs={"rows": 2})
    )
    to_improve = forms.CharField(
        label=_("需改进的"), max_length=text_limit(Incident, "to_improve"), widget=forms.Textarea(attrs={"rows": 2})
    )


class CallTreeRowForm(forms.Form):
    user = forms.ModelChoiceField(label=_("人员"), queryset=User.objects.none(), required=False)
    role = forms.ChoiceField(label=_("角色"), required=False)
    department = forms.ModelChoiceField(label=_("部门"), queryset=Department.objects.none(), required=False)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(projects=project, is_active=True).exclude(role=Role.RESIDENT)
        self.fields["role"].choices = [("", "—")] + [c for c in Role.choices if c[0] != Role.RESIDENT]
        self.fields["department"].queryset = Department.objects.filter(project=project)


class FindingRequestForm(forms.Form):
    kind = forms.ChoiceField(choices=[("repair", _("报修")), ("complaint", _("投诉"))])
    category = forms.ModelChoiceField(queryset=Category.objects.filter(active=True), required=False)
