"""Forms of the arrears side: thin, they bind input; the services check the rules."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.choices import DunningStepKind
from billing.ledger import BUCKETS
from billing.money import parse_amount
from core.forms import ServiceErrorsMixin

PLAN_ROWS = 12
PICK_ROWS = 5


class LedgerFilterForm(forms.Form):
    building = forms.TypedChoiceField(label=_("楼栋"), required=False, coerce=int, empty_value=None)
    age = forms.TypedChoiceField(label=_("账龄至少"), required=False, coerce=int, empty_value=0)
    min_yuan = forms.DecimalField(label=_("欠费至少(元)"), required=False, min_value=0, max_digits=12, decimal_places=2)
    order = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=[("room", _("按房号")), ("owed", _("按欠费金额")), ("age", _("按账龄"))],
    )

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].choices = [("", _("全部楼栋"))] + [(b.pk, b.number) for b in buildings]
        self.fields["age"].choices = [("", _("全部"))] + [(b.low, b.label) for b in BUCKETS[1:]]

    def clean_min_yuan(self):
        value = self.cleaned_data.get("min_yuan")
        return 0 if value is None else int(value * 100)


class DunningStepForm(ServiceErrorsMixin, forms.Form):
    kind = forms.TypedChoiceField(label=_("催缴方式"), choices=DunningStepKind.choices, coerce=int)
    answer = forms.CharField(
        label=_("业户答复"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("电话催缴和上门拜访须记录业户的答复；上门须两人同行并记录同行人。"),
    )


class DisputeForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("争议原因"), max_length=200)
    request = forms.TypedChoiceField(label=_("跟进工单"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, requests=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["request"].choices = [("", "—")] + [(r.pk, f"{r.number} {r.title}") for r in requests]


class SettleForm(ServiceErrorsMixin, forms.Form):
    outcome = forms.CharField(label=_("解决结果"), max_length=200)


class PlanForm(ServiceErrorsMixin, forms.Form):
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, PLAN_ROWS + 1):
            self.fields[f"due_{n}"] = forms.DateField(
                label=_("第 %(n)s 期日期") % {"n": n}, required=False, widget=forms.DateInput(attrs={"type": "date"})
            )
            self.fields[f"amount_{n}"] = forms.CharField(label=_("第 %(n)s 期金额(元)") % {"n": n}, required=False)

    def clean(self):
        data = super().clean()
        rows = []
        for n in range(1, PLAN_ROWS + 1):
            raw = (data.get(f"amount_{n}") or "").strip()
            due: date | None = data.get(f"due_{n}")
            amount = None
            if raw:
                try:
                    amount = parse_amount(raw)
                except ValidationError as exc:
                    self.add_error(f"amount_{n}", exc.messages)
                    continue
            if due or amount:
                rows.append((due, amount))
        data["rows"] = rows
        return data

    def row_fields(self):
        return [(self[f"due_{n}"], self[f"amount_{n}"]) for n in range(1, PLAN_ROWS + 1)]


class CancelPlanForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=200)


class RepairChargeForm(ServiceErrorsMixin, forms.Form):
    """Price-list items picked on site and the resident's answer."""

    agreed = forms.TypedChoiceField(
        label=_("业户意见"),
        choices=[("yes", _("同意，计入房屋账户")), ("no", _("不同意"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("不同意的原因"), required=False, max_length=200)

    def __init__(self, *args, prices=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(p.pk, f"{p.name} · {p.price}/{p.unit}") for p in prices]
        for n in range(1, PICK_ROWS + 1):
            self.fields[f"price_{n}"] = forms.TypedChoiceField(
                label=_("服务项目 %(n)s") % {"n": n}, choices=choices, coerce=int, required=False, empty_value=None
            )
            self.fields[f"qty_{n}"] = forms.CharField(label=_("数量 %(n)s") % {"n": n}, required=False, max_length=12)

    def picks(self) -> list[tuple[int | None, str]]:
        data = self.cleaned_data
        return [(data.get(f"price_{n}"), data.get(f"qty_{n}") or "") for n in range(1, PICK_ROWS + 1)]

    def row_fields(self):
        return [(self[f"price_{n}"], self[f"qty_{n}"]) for n in range(1, PICK_ROWS + 1)]


class MonthForm(forms.Form):
    month = forms.CharField(label=_("月份"), required=False)

    def clean_month(self) -> date:
        raw = (self.cleaned_data.get("month") or "").strip()
        if not raw:
            today = timezone.localdate()
            return today.replace(day=1)
        try:
            year, month = raw.split("-")
            return date(int(year), int(month), 1)
        except ValueError:
            raise ValidationError(_("月份格式如 2026-11。")) from None
