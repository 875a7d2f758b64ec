from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import Project
from estate.choices import Relation, RoomState, RoomUse
from estate.models import Building
from importer.choices import ImportKind
from importer.fields import columns
from importer.reader import MAX_BYTES


class UploadForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), empty_label=None)
    kind = forms.ChoiceField(label=_("导入类型"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("文件"),
        help_text=_("Excel（.xlsx）或 CSV（UTF-8 或 GBK），不超过 %(mb)s MB") % {"mb": MAX_BYTES // 1048576},
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(pk__in=user.project_ids()).order_by("name")


class MappingForm(forms.Form):
    """One choice per column of the kind: which column of the file holds it."""

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        untitled = _("（无标题）")
        options = [("", _("（不导入）"))] + [
            (str(i), f"{_letter(i)} · {h or untitled}") for i, h in enumerate(session.headers)
        ]
        self.columns = columns(session.kind)
        for col in self.columns:
            current = session.mapping.get(col.name)
            self.fields[col.name] = forms.ChoiceField(
                label=col.label,
                choices=options,
                required=False,
                initial="" if current is None else str(current),
                help_text=col.note,
            )
            self.fields[col.name].widget.attrs["class"] = "form-select form-select-sm"
            self.fields[col.name].is_required_column = col.required

    def mapping(self) -> dict[str, int | None]:
        return {name: (int(v) if v not in (None, "") else None) for name, v in self.cleaned_data.items()}


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


column_letter = _letter


class EstateExportForm(forms.Form):
    """The filters of the rooms/residents export: the same names as the estate room list's filter
    (building, state, use, tag), so its query string can be passed on as it is."""

    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), required=False)
    building = forms.ModelChoiceField(label=_("楼栋"), queryset=Building.objects.none(), required=False)
    state = forms.ChoiceField(label=_("房屋状态"), choices=[("", _("全部"))] + list(RoomState.choices), required=False)
    use = forms.ChoiceField(label=_("用途"), choices=[("", _("全部"))] + list(RoomUse.choices), required=False)
    relation = forms.ChoiceField(label=_("关系"), choices=[("", _("全部"))] + list(Relation.choices), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        projects = user.project_ids()
        self.fields["project"].queryset = Project.objects.filter(pk__in=projects).order_by("name")
        self.fields["building"].queryset = Building.objects.filter(project_id__in=projects).select_related("project")
        try:
            from estate.models import CareTag
        except ImportError:  # pragma: no cover - an estate without care tags
            CareTag = None
        if CareTag is not None:
            self.fields["tag"] = forms.ModelChoiceField(
                label=_("关怀标签"),
                queryset=CareTag.objects.filter(company_id=user.company_id, active=True),
                required=False,
            )
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def clean(self):
        data = super().clean()
        building, project = data.get("building"), data.get("project")
        if building and project and building.project_id != project.pk:
            self.add_error("building", _("这个楼栋不属于所选项目。"))
        if not project and building:
            data["project"] = building.project
        elif not project:
            choices = list(self.fields["project"].queryset[:2])
            if len(choices) == 1:
                data["project"] = choices[0]
            else:
                self.add_error("project", _("请选择项目。"))
        return data
