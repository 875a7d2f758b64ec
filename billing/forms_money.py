"""Forms of the cashier side's pages: thin, the services check everything that matters."""

import uuid
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.choices import ONLINE_METHODS, Basis, Cycle, Method, ReliefKind
from billing.models import BillingRun, CashierDay, Entry, FeeItem, InvoiceRequest, Relief
from billing.money import parse_amount
from core.choices import Role
from core.forms import ServiceErrorsMixin
from core.models import Project, User
from core.text import text_limit
from estate.choices import RoomUse
from estate.models import Building, Room

DESK_METHODS = [(m.value, m.label) for m in Method if m not in ONLINE_METHODS]


class AmountField(forms.CharField):
    """An amount typed in yuan ('1280.50'), cleaned to integer fen."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("金额（元）"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off", "placeholder": "0.00"})

    def clean(self, value):
        value = super().clean(value)
        return parse_amount(value) if value not in (None, "") else None


class BaseForm(ServiceErrorsMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.HiddenInput):
                continue
            css = "form-select form-select-sm" if isinstance(widget, forms.Select) else "form-control form-control-sm"
            widget.attrs.setdefault("class", css)


def new_key() -> str:
    return uuid.uuid4().hex


class PaymentForm(BaseForm):
    """收款: the amount, how, which bills (none picked: the oldest first), who paid. The hidden key
    makes a second submit of the same form harmless."""

    amount = AmountField()
    method = forms.ChoiceField(label=_("方式"), choices=Method.choices)
    bills = forms.MultipleChoiceField(
        label=_("缴哪些账单"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选则从最早的欠费开始核销。"),
    )
    payer_name = forms.CharField(label=_("缴款人"), required=False, max_length=text_limit(Entry, "payer_name"))
    note = forms.CharField(label=_("备注"), required=False, max_length=text_limit(Entry, "note"))
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, open_bills=(), online: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bills"].choices = [
            (str(b.pk), f"{b.period_start:%Y-%m} {b.number} ¥{b.open_fen / 100:.2f}") for b in open_bills
        ]
        if not online:
            self.fields["method"].choices = DESK_METHODS
        if not self.is_bound:
            self.initial.setdefault("key", new_key())


class ReasonForm(BaseForm):
    reason = forms.CharField(label=_("原因"), max_length=text_limit(Entry, "reason"))


class RefundForm(BaseForm):
    amount = AmountField(label=_("退费金额（元）"))
    method = forms.ChoiceField(label=_("方式"), choices=DESK_METHODS)
    reason = forms.CharField(label=_("原因"), max_length=text_limit(Entry, "reason"), help_text=_("如 退房、过户"))
    payer_name = forms.CharField(label=_("收款人"), required=False, max_length=text_limit(Entry, "payer_name"))


class ChargeForm(BaseForm):
    """A one-off charge on the room (a service, a renovation fee)."""

    item = forms.ModelChoiceField(label=_("收费项目"), queryset=FeeItem.objects.none())
    amount = AmountField()
    description = forms.CharField(label=_("收费内容"), max_length=200)

    def __init__(self, *args, company_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = FeeItem.objects.filter(company_id=company_id, active=True).filter(
            basis=Basis.ONE_OFF
        ) | FeeItem.objects.filter(company_id=company_id, active=True, periodic=False)


class RunForm(BaseForm):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    period = forms.CharField(
        label=_("账期开始月份"), widget=forms.DateInput(attrs={"type": "month"}), help_text=_("如 2026-12")
    )
    cycle = forms.ChoiceField(label=_("周期"), choices=Cycle.choices, initial=Cycle.MONTH)
    items = forms.ModelMultipleChoiceField(
        label=_("收费项目"),
        queryset=FeeItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选则出该周期的全部周期性收费项目。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from billing.rules import may_run_billing

        ids = [pk for pk in user.project_ids() if may_run_billing(user, pk)]
        self.fields["project"].queryset = Project.objects.filter(pk__in=ids).order_by("name")
        companies = Project.objects.filter(pk__in=ids).values("company_id")
        self.fields["items"].queryset = (
            FeeItem.objects.filter(company_id__in=companies, active=True, periodic=True)
            .exclude(basis=Basis.ONE_OFF)
            .order_by("order", "pk")
        )
        if len(ids) == 1:
            self.initial.setdefault("project", ids[0])
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("period", f"{today:%Y-%m}")

    def clean_period(self):
        raw = self.cleaned_data["period"].strip()
        try:
            year, month = (int(p) for p in raw.split("-")[:2])
            return date(year, month, 1)
        except (ValueError, TypeError) as exc:
            raise ValidationError(_("请填写月份，如 2026-12。")) from exc


class RunReverseForm(BaseForm):
    reason = forms.CharField(label=_("撤销原因"), max_length=text_limit(BillingRun, "reverse_reason"))


class DayCloseForm(BaseForm):
    handed_to = forms.ModelChoiceField(label=_("交接给财务"), queryset=User.objects.none())
    signature = forms.CharField(
        label=_("签名"), max_length=text_limit(CashierDay, "signature"), help_text=_("输入您的姓名")
    )

    def __init__(self, *args, day: CashierDay, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handed_to"].queryset = (
            User.objects.filter(role=Role.FINANCE, is_active=True, projects=day.project_id)
            .exclude(pk=day.cashier_id)
            .order_by("display_name", "username")
        )


class RateForm(BaseForm):
    item = forms.ModelChoiceField(label=_("收费项目"), queryset=FeeItem.objects.none())
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), required=False)
    building = forms.ModelChoiceField(label=_("楼栋"), queryset=Building.objects.none(), required=False)
    room_use = forms.ChoiceField(label=_("房屋用途"), choices=[("", _("不限"))] + list(RoomUse.choices), required=False)
    price = forms.CharField(label=_("单价（元）"), max_length=20, help_text=_("最多四位小数"))
    effective_from = forms.DateField(label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, company_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = (
            FeeItem.objects.filter(company_id=company_id, active=True).exclude(basis=Basis.ONE_OFF).order_by("order")
        )
        projects = Project.objects.filter(pk__in=user.project_ids(), company_id=company_id).order_by("name")
        self.fields["project"].queryset = projects
        self.fields["project"].empty_label = _("全公司")
        self.fields["building"].queryset = Building.objects.filter(project__in=projects).select_related("project")
        self.fields["building"].label_from_instance = lambda b: f"{b.project.name} {b}"


class ReadingForm(BaseForm):
    room = forms.CharField(label=_("房号"), max_length=60, help_text=_("如 3-2-1502"))
    item = forms.ModelChoiceField(label=_("收费项目"), queryset=FeeItem.objects.none())
    read_on = forms.DateField(label=_("抄表日期"), widget=forms.DateInput(attrs={"type": "date"}))
    value = forms.DecimalField(label=_("读数"), max_digits=12, decimal_places=2, min_value=0)
    source = forms.ChoiceField(
        label=_("来源"),
        choices=[("manual", _("日常抄表")), ("transfer", _("过户抄表")), ("movein", _("收楼抄表"))],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        companies = Project.objects.filter(pk__in=user.project_ids()).values("company_id")
        self.fields["item"].queryset = FeeItem.objects.filter(
            company_id__in=companies, active=True, basis=Basis.METERED
        ).order_by("order")
        self.initial.setdefault("read_on", timezone.localdate())

    def clean_room(self):
        code = self.cleaned_data["room"].strip()
        rooms = list(
            Room.objects.filter(project_id__in=self.user.project_ids(), code=code).select_related("project")[:2]
        )
        if not rooms:
            raise ValidationError(_("没有找到这个房号。"))
        if len(rooms) > 1:
            raise ValidationError(_("多个项目有这个房号，请到房屋的账户页抄表。"))
        return rooms[0]


class ReliefForm(BaseForm):
    """申请减免 on one open line."""

    line = forms.ChoiceField(label=_("账单明细"))
    kind = forms.ChoiceField(label=_("类型"), choices=ReliefKind.choices)
    amount = AmountField(label=_("减免金额（元）"))
    reason = forms.CharField(label=_("原因"), max_length=text_limit(Relief, "reason"))

    def __init__(self, *args, open_bills=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [
            (str(line.pk), f"{b.period_start:%Y-%m} {line.item.name} ¥{(line.amount_fen - line.paid_fen) / 100:.2f}")
            for b in open_bills
            for line in b.lines.all()
            if line.paid_fen < line.amount_fen
        ]


class InvoiceForm(BaseForm):
    title = forms.CharField(label=_("发票抬头"), max_length=text_limit(InvoiceRequest, "title"))
    tax_number = forms.CharField(label=_("税号"), required=False, max_length=text_limit(InvoiceRequest, "tax_number"))
    email = forms.EmailField(label=_("接收邮箱"), required=False)
