from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _


class SignForm(forms.Form):
    comment = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("有超时工单时必填：原因和跟进安排。"),
    )


class _ProjectForm(forms.Form):
    project = forms.TypedChoiceField(label=_("项目"), coerce=int)

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.pk, p.name) for p in projects]


class DayPickForm(_ProjectForm):
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))


class MonthPickForm(_ProjectForm):
    month = forms.RegexField(
        label=_("月份"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        widget=forms.TextInput(attrs={"type": "month"}),
        error_messages={"invalid": _("请按 年-月 填写，如 2026-10。")},
    )

    def clean_month(self) -> date:
        year, month = self.cleaned_data["month"].split("-")
        return date(int(year), int(month), 1)
