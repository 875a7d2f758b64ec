from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ServiceErrorsMixin
from core.ids import IdChoiceField, IdField, parse_id
from core.models import Department, Project, User
from core.text import text_limit
from desk import dispatch, rules, selectors
from desk.choices import Action, Channel, Kind, Rating, Severity, Validity
from desk.models import Category, RequestEvent, ServiceRequest
from desk.services import ACTION_SERVICES, Intake
from estate.normalize import pinyin_keys


class CategorySelect(forms.Select):
    """The category select, each option carrying what the type-ahead matches (the name, its pinyin
    initials and full pinyin: `lsss` and `loushui` find 漏水渗水)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value:
            option["attrs"]["data-keys"] = " ".join(pinyin_keys(str(label)))
        return option


class DepartmentSelect(forms.Select):
    """The departments of the user's projects, each option saying its project and kind, so the
    page offers the chosen project's and picks the suggested kind's."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        department = getattr(value, "instance", None)
        if department is not None:
            option["attrs"].update({"data-project": department.project_id, "data-kind": department.kind})
        return option


class IntakeForm(ServiceErrorsMixin, forms.Form):
    """The phone-call intake: the fields in the order a call goes (who, what, how it is filed,
    where it goes)."""

    project = IdChoiceField(label=_("项目"), queryset=Project.objects.none(), empty_label=None)
    room = IdField(label=_("房屋"), required=False, widget=forms.HiddenInput)
    resident = IdField(label=_("业户"), required=False, widget=forms.HiddenInput)
    caller_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    caller_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices, initial=Kind.COMPLAINT, widget=forms.RadioSelect)
    channel = forms.ChoiceField(label=_("来源"), choices=Channel.choices, initial=Channel.PHONE)
    category = IdChoiceField(label=_("分类"), queryset=Category.objects.none(), required=False, widget=CategorySelect)
    severity = forms.ChoiceField(
        label=_("级别"), choices=Severity.choices, initial=Severity.GENERAL, widget=forms.RadioSelect
    )
    validity = forms.ChoiceField(label=_("投诉性质"), choices=Validity.choices, initial=Validity.VALID, required=False)
    paid = forms.NullBooleanField(
        label=_("有偿维修"),
        required=False,
        widget=forms.Select(
            choices=[("unknown", _("待定")), ("true", _("有偿（户内）")), ("false", _("无偿（公共区域/保修）"))]
        ),
    )
    location = forms.CharField(label=_("位置"), max_length=200, required=False, help_text=_("公共区域请填写具体位置"))
    title = forms.CharField(label=_("标题"), max_length=200)
    description = forms.CharField(
        label=_("描述"),
        max_length=text_limit(ServiceRequest, "description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    related_room = IdField(label=_("相关房屋"), required=False, widget=forms.HiddenInput)
    department = IdChoiceField(
        label=_("派给部门"),
        queryset=Department.objects.none(),
        required=False,
        widget=DepartmentSelect,
        help_text=_("“登记并派单”时派给这个部门"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        projects = Project.objects.filter(pk__in=user.project_ids())
        self.fields["project"].queryset = projects
        self.fields["category"].queryset = Category.objects.filter(
            active=True, company__projects__in=projects
        ).distinct()
        self.fields["department"].queryset = Department.objects.filter(project__in=projects).order_by(
            "project_id", "id"
        )

    def intake(self) -> Intake:
        d = self.cleaned_data
        return Intake(
            project_id=d["project"].pk,
            kind=d["kind"],
            title=d["title"],
            description=d["description"],
            channel=d["channel"],
            category_id=d["category"].pk if d["category"] else None,
            severity=d["severity"],
            # The validity and paid selects stay in the page (hidden) whatever the kind: only the
            # kind they belong to carries them to the service.
            validity=d["validity"] if d["kind"] == Kind.COMPLAINT else "",
            paid=d["paid"] if d["kind"] == Kind.REPAIR else None,
            room_id=d["room"],
            resident_id=d["resident"],
            caller_name=d["caller_name"],
            caller_phone=d["caller_phone"],
            location=d["location"],
            related_room_id=d["related_room"],
        )


class AssigneeField(IdChoiceField):
    """A person who may take the work, or "least loaded on duty" (desk/dispatch.py), which the
    service resolves to a person at the moment of dispatch."""

    def to_python(self, value):
        return dispatch.LEAST_LOADED if value == dispatch.LEAST_LOADED else super().to_python(value)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ActionForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    department = IdChoiceField(label=_("处理部门"), queryset=Department.objects.none(), required=False)
    assignee = AssigneeField(label=_("处理人"), queryset=User.objects.none(), required=False)
    result = forms.CharField(
        label=_("处理结果"),
        max_length=text_limit(ServiceRequest, "result"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    paid = forms.NullBooleanField(
        label=_("有偿维修（现场确认）"),
        required=False,
        widget=forms.Select(choices=[("unknown", _("不变")), ("true", _("有偿")), ("false", _("无偿"))]),
    )
    reply = forms.CharField(
        label=_("回复业户"),
        max_length=text_limit(ServiceRequest, "reply"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    rating = forms.ChoiceField(label=_("回访结果"), choices=Rating.choices, widget=forms.RadioSelect, required=False)
    comment = forms.CharField(
        label=_("业户意见"),
        max_length=text_limit(ServiceRequest, "visit_comment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    files = MultipleFileField(label=_("照片/附件"), required=False)
    severity = forms.ChoiceField(label=_("级别"), choices=Severity.choices, required=False)
    category = IdChoiceField(label=_("分类"), queryset=Category.objects.none(), required=False)
    validity = forms.ChoiceField(label=_("投诉性质"), choices=Validity.choices, required=False)
    note = forms.CharField(
        label=_("说明"),
        max_length=text_limit(RequestEvent, "note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args, action: str, request_obj, **kwargs):
        kwargs.setdefault("auto_id", f"{action}-%s-{request_obj.pk}")
        super().__init__(*args, **kwargs)
        self.action = action
        keep = set(ACTION_SERVICES[action][1]) | {"version"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "note" in self.fields:
            self.fields["note"].label = _("原因") if action in rules.NOTE_REQUIRED else _("说明（可选）")
        if action == Action.CLOSE and request_obj.state == 10:
            self.fields["note"].label = _("向业户所作的解释")
        if "department" in self.fields:
            # Exactly who may be sent work (rules.may_be_assigned), and the departments that have
            # somebody: the service refuses anything else.
            departments = selectors.assignable_departments(request_obj.project_id)
            self.fields["department"].queryset = departments
            self.fields["assignee"].queryset = (
                selectors.assignable_people(request_obj.project_id)
                .select_related("department")
                .order_by("department__kind", "display_name")
            )
            kind = request_obj.category.department_kind if request_obj.category_id else ""
            if kind:
                # The category's default department, preselected (the desk may choose another).
                default = departments.filter(kind=kind).values_list("pk", flat=True).first()
                if default:
                    self.initial.setdefault("department", default)
            self.fields["assignee"].label_from_instance = lambda u: (
                _("%(name)s（%(department)s）")
                % {"name": u.name, "department": u.department.name if u.department else ""}
            )
        if "category" in self.fields:
            self.fields["category"].queryset = Category.objects.filter(
                active=True, company__projects=request_obj.project_id
            )
            self.initial.setdefault("category", request_obj.category_id)
            self.initial.setdefault("severity", request_obj.severity)
        if "validity" in self.fields:
            # Offered to change: the other one.
            other = Validity.VALID if request_obj.validity == Validity.INVALID else Validity.INVALID
            self.initial.setdefault("validity", other)
        if "files" in self.fields and action == Action.RESOLVE:
            self.fields["files"].widget.attrs["capture"] = "environment"
        self.initial.setdefault("version", request_obj.version)
        self.request_obj = request_obj

    def assignee_choices(self) -> list[tuple[str, str, bool]]:
        """The person list of the department shown (the one chosen, else the category's): who may
        take it, their load and today's shifts, and "least loaded on duty" (desk/dispatch.py)."""
        department = parse_id(self["department"].value())  # another project's: nobody is listed
        selected = self["assignee"].value() if self.is_bound else None
        return dispatch.assignee_choices(
            self.request_obj.project_id,
            department,
            None if selected is None else str(selected),
            exclude=self.request_obj.assignee_id,
        )

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        kwargs = {name: d.get(name) for name in self.fields if name != "version"}
        if "paid" in kwargs and kwargs["paid"] is None:
            kwargs.pop("paid")
        for text in ("note", "result", "reply", "comment", "rating", "severity", "validity"):
            if text in kwargs and kwargs[text] is None:
                kwargs[text] = ""
        kwargs["expected_version"] = d["version"]
        return kwargs
