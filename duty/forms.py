from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ServiceErrorsMixin
from core.ids import IdField
from core.models import User
from core.text import text_limit
from duty.choices import DUTY_ROLES, LogCategory
from duty.models import Handover, Key, KeyLoan, LogEntry, Shift

DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ServiceForm(ServiceErrorsMixin, forms.Form):
    """Bootstrap classes on every widget; service ValidationErrors land on their fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


class ShiftForm(ServiceForm):
    name = forms.CharField(label=_("班次名称"), max_length=20)
    start = forms.TimeField(label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(
        label=_("结束时间"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("早于或等于开始时间表示跨夜，到次日结束（如 16:00–00:00）。"),
    )
    order = forms.IntegerField(label=_("排序"), min_value=0, max_value=999, initial=0)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)


def person_label(user) -> str:
    """A person in the roster's choices: name and department (the roster holds every department)."""
    return f"{user.name}（{user.department.name}）" if user.department_id else user.name


class AssignForm(ServiceForm):
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    shift = forms.ModelChoiceField(label=_("班次"), queryset=Shift.objects.none())
    user = forms.ModelChoiceField(label=_("值班人"), queryset=User.objects.none())

    def __init__(self, *args, project, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift"].queryset = Shift.objects.filter(project=project, active=True)
        self.fields["user"].queryset = staff
        self.fields["user"].label_from_instance = person_label


class ReasonForm(ServiceForm):
    reason = forms.CharField(label=_("原因"), max_length=200)


class NoteForm(ServiceForm):
    note = forms.CharField(label=_("意见"), max_length=200, required=False)


class SwapForm(ServiceForm):
    cover = forms.ModelChoiceField(label=_("顶班人"), queryset=User.objects.none())
    reason = forms.CharField(label=_("调班原因"), max_length=200)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cover"].queryset = staff
        self.fields["cover"].label_from_instance = person_label


class LogForm(ServiceForm):
    category = forms.ChoiceField(label=_("类别"), choices=LogCategory.choices, initial=LogCategory.PATROL)
    text = forms.CharField(
        label=_("内容"), max_length=text_limit(LogEntry, "text"), widget=forms.Textarea(attrs={"rows": 2})
    )
    at = forms.DateTimeField(label=_("发生时间"), required=False, widget=DATETIME_LOCAL, help_text=_("不填为现在。"))
    hand_over = forms.BooleanField(label=_("需交接"), required=False)
    corrects = IdField(required=False, widget=forms.HiddenInput)


class KeyForm(ServiceForm):
    code = forms.CharField(label=_("编号"), max_length=20)
    name = forms.CharField(label=_("名称"), max_length=100)
    location = forms.CharField(label=_("存放位置"), max_length=100, required=False)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)


class LendForm(ServiceForm):
    key = forms.ModelChoiceField(label=_("钥匙"), queryset=Key.objects.none())
    borrower_name = forms.CharField(label=_("借用人"), max_length=50)
    borrower_unit = forms.CharField(label=_("借用单位/部门"), max_length=100, required=False)
    borrower_phone = forms.CharField(label=_("借用人电话"), max_length=30, required=False)
    purpose = forms.CharField(label=_("用途"), max_length=200)
    due_back = forms.DateTimeField(label=_("应还时间"), widget=DATETIME_LOCAL)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        out = KeyLoan.objects.filter(project=project, returned_at__isnull=True).values("key_id")
        self.fields["key"].queryset = Key.objects.filter(project=project, active=True).exclude(pk__in=out)


class CountedThingForm(ServiceForm):
    name = forms.CharField(label=_("名称"), max_length=50)
    unit = forms.CharField(label=_("单位"), max_length=10, required=False)
    expected = forms.DecimalField(label=_("应有数量"), max_digits=10, decimal_places=2, min_value=0)
    order = forms.IntegerField(label=_("排序"), min_value=0, max_value=999, initial=0)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)


class StartHandoverForm(ServiceForm):
    incoming = forms.ModelChoiceField(label=_("接班人"), queryset=User.objects.none())

    def __init__(self, *args, project, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["incoming"]
        # The outgoing person is accepted by the field (the service refuses a handover to oneself
        # with the product's message and records the attempt) but not offered in the list.
        field.queryset = User.objects.filter(projects=project, is_active=True, role__in=DUTY_ROLES).order_by(
            "display_name", "username"
        )
        field.label_from_instance = lambda u: f"{u.name}（{u.get_role_display()}）"
        field.widget.choices = [(value, label) for value, label in field.choices if str(value) != str(user.pk)]


class HandoverForm(ServiceForm):
    """Notes and one (counted, explanation) pair per counted thing."""

    notes = forms.CharField(
        label=_("交班说明"),
        max_length=text_limit(Handover, "notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, counts, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_rows = list(counts)
        for c in self.count_rows:
            self.fields[f"count_{c.pk}"] = forms.DecimalField(
                label=c.name, required=False, max_digits=10, decimal_places=2, initial=c.counted
            )
            self.fields[f"expl_{c.pk}"] = forms.CharField(
                label=_("差异说明"), required=False, max_length=200, initial=c.explanation
            )

    def counts(self) -> dict:
        return {
            c.pk: (self.cleaned_data.get(f"count_{c.pk}"), self.cleaned_data.get(f"expl_{c.pk}", ""))
            for c in self.count_rows
        }

    def rows(self):
        """(count row, counted bound field, explanation bound field) for the template."""
        return [(c, self[f"count_{c.pk}"], self[f"expl_{c.pk}"]) for c in self.count_rows]


class AnswerForm(ServiceForm):
    reason = forms.CharField(label=_("拒收原因"), max_length=300, required=False)


class SignInForm(ServiceForm):
    comment = forms.CharField(
        label=_("接班意见"),
        max_length=text_limit(Handover, "incoming_comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
