from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import ServiceErrorsMixin
from core.models import Project
from core.privacy import MaskedPrefill
from core.text import limit_text_field, text_limit
from renovation.choices import Action, FeeKind, InspectionResult, State
from renovation.models import Inspection, Payment, Renovation, RenovationEvent, Violation, WorkerPass
from renovation.services import Application, DeductionInput, ViolationInput, WorkerInput

# The ISO value a date input needs: the localised one ("2026/11/27" in Chinese) is dropped by the
# browser, leaving a required date empty and the form unsubmittable.
DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, accept="image/*,application/pdf", capture=None, **kwargs):
        attrs = {"accept": accept}
        if capture:
            attrs["capture"] = capture
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def parse_workers(text: str) -> list[WorkerInput]:
    """One worker a line: name, ID number, phone, trade (optional), separated by spaces or commas."""
    workers = []
    for line in (text or "").splitlines():
        parts = [p for p in line.replace("，", " ").replace(",", " ").split() if p]
        if not parts:
            continue
        parts += [""] * (4 - len(parts))
        workers.append(
            WorkerInput(name=parts[0], id_number=parts[1], phone=parts[2], trade=" ".join(parts[3:]).strip())
        )
    return workers


class ApplicationForm(MaskedPrefill, ServiceErrorsMixin, forms.Form):
    """The application, by the desk (any room of their projects, typed as 3-2-1502) or by the
    owner (one of their rooms); with `renovation`, its resubmission, the phones prefilled masked."""

    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), empty_label=None, required=False)
    room_code = forms.CharField(label=_("房屋"), max_length=60, required=False, help_text=_("如 3-2-1502"))
    room = forms.TypedChoiceField(label=_("房屋"), coerce=int, required=False)
    owner_phone = forms.CharField(label=_("业主联系电话"), max_length=30, required=False)
    scope = forms.CharField(
        label=_("装修内容"),
        max_length=text_limit(Renovation, "scope"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("如：厨卫改造、铺地板、更换门窗"),
    )
    planned_start = forms.DateField(label=_("计划开工"), widget=DATE_INPUT)
    planned_end = forms.DateField(label=_("计划完工"), widget=DATE_INPUT)
    contractor_name = forms.CharField(label=_("装修单位"), max_length=100)
    contractor_licence = forms.CharField(label=_("营业执照/资质证号"), max_length=50)
    contractor_person = forms.CharField(label=_("现场负责人"), max_length=50)
    contractor_phone = forms.CharField(label=_("负责人电话"), max_length=30)
    workers = forms.CharField(
        label=_("装修工人"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("张师傅 330106199001011234 13812345678 水电")}),
        help_text=_("每行一人：姓名 身份证号 手机 工种（可选）"),
    )
    drawings = MultipleFileField(label=_("装修图纸"), help_text=_("图片或 PDF，可多选"))

    def __init__(self, *args, user, rooms=None, renovation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        resubmit = renovation is not None
        if user.is_resident or resubmit:
            del self.fields["project"], self.fields["room_code"]
            self.fields["room"].choices = [(r.pk, r.code) for r in rooms or ()]
            self.fields["room"].required = not resubmit
            if resubmit:
                del self.fields["room"], self.fields["workers"]
                self.mask_prefill(renovation, "contractor_phone", "owner_phone")
        else:
            del self.fields["room"]
            self.fields["project"].queryset = Project.objects.filter(pk__in=user.project_ids())
            self.fields["project"].required = True
            self.fields["room_code"].required = True

    def clean(self):
        data = super().clean()
        if "room_code" in self.fields and data.get("project") and data.get("room_code"):
            from estate.selectors import room_code_from_text, visible_rooms

            code = room_code_from_text(data["room_code"])
            room = visible_rooms(self.user).filter(project=data["project"], code=code).first()
            if room is None:
                self.add_error("room_code", _("这个项目没有房屋 %(code)s。") % {"code": code})
            else:
                data["room"] = room.pk
        return data

    def application(self, room_id=None) -> Application:
        d = self.cleaned_data
        return Application(
            room_id=room_id or d.get("room"),
            scope=d["scope"],
            planned_start=d["planned_start"],
            planned_end=d["planned_end"],
            contractor_name=d["contractor_name"],
            contractor_licence=d["contractor_licence"],
            contractor_person=d["contractor_person"],
            contractor_phone=d["contractor_phone"],
            owner_phone=d.get("owner_phone") or "",
            workers=parse_workers(d.get("workers", "")),
        )


class FilterForm(forms.Form):
    project = forms.ModelChoiceField(
        label=_("项目"), queryset=Project.objects.none(), required=False, empty_label=_("全部项目")
    )
    state = forms.TypedChoiceField(
        label=_("状态"),
        choices=[("", _("全部状态"))] + list(State.choices),
        coerce=int,
        required=False,
        empty_value=None,
    )
    overdue = forms.BooleanField(label=_("审核超时"), required=False)
    q = forms.CharField(label=_("房号/编号"), required=False, max_length=60)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_resident:
            del self.fields["project"]
        else:
            self.fields["project"].queryset = Project.objects.filter(pk__in=user.project_ids())


class ActionForm(ServiceErrorsMixin, forms.Form):
    """One form for every action on the page; each action keeps only the fields it takes."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    deposit = forms.DecimalField(label=_("应缴押金（元）"), max_digits=10, decimal_places=2, required=False)
    fee = forms.DecimalField(label=_("应缴管理费（元）"), max_digits=10, decimal_places=2, required=False)
    kind = forms.ChoiceField(label=_("费用类型"), choices=FeeKind.choices)
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=10, decimal_places=2)
    paid_at = forms.DateTimeField(
        label=_("缴费时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    receipt_number = forms.CharField(label=_("收据号"), max_length=50)
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=20)
    phone = forms.CharField(label=_("手机"), max_length=30)
    trade = forms.CharField(label=_("工种"), max_length=30, required=False)
    worker = forms.TypedChoiceField(label=_("工人"), coerce=int)
    files = MultipleFileField(label=_("图纸"))
    inspected_on = forms.DateField(label=_("日期"), widget=DATE_INPUT)
    deductions = forms.CharField(
        label=_("扣款"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("300 损坏公共走廊墙面")}),
        help_text=_("每行一项：金额 原因；没有扣款则留空"),
    )
    # what the note is written into: the history (RenovationEvent.note) unless NOTE_LIMITS says otherwise
    note = forms.CharField(
        label=_("说明（可选）"),
        max_length=text_limit(RenovationEvent, "note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    FIELDS = {
        Action.APPROVE: ("deposit", "fee", "note"),
        Action.SEND_BACK: ("note",),
        Action.REJECT: ("note",),
        Action.CANCEL: ("note",),
        Action.ADD_DRAWINGS: ("files", "note"),
        Action.PAY: ("kind", "amount", "paid_at", "receipt_number", "note"),
        Action.ISSUE_PERMIT: ("note",),
        Action.ADD_WORKER: ("name", "id_number", "phone", "trade"),
        Action.ISSUE_PASS: ("worker",),
        Action.ACCEPT: ("inspected_on", "note"),
        Action.REFUND: ("deductions", "receipt_number", "note"),
        Action.REVOKE_PASS: ("note",),
        Action.RECTIFY: ("note",),
        Action.TO_REQUEST: (),
    }
    # the note of a payment and a revoked pass's reason are kept where they take less
    NOTE_LIMITS = {
        Action.PAY: text_limit(Payment, "note"),
        Action.REVOKE_PASS: text_limit(WorkerPass, "revoke_reason"),
    }
    REASON_REQUIRED = {Action.SEND_BACK, Action.REJECT, Action.CANCEL, Action.REVOKE_PASS, Action.RECTIFY}

    def __init__(self, *args, action: str, renovation, **kwargs):
        kwargs.setdefault("auto_id", f"{action}-%s")
        super().__init__(*args, **kwargs)
        self.action = action
        keep = set(self.FIELDS[action]) | {"version"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        self.initial.setdefault("version", renovation.version)
        if action in self.NOTE_LIMITS:
            limit_text_field(self.fields["note"], self.NOTE_LIMITS[action])
        if "note" in self.fields and action in self.REASON_REQUIRED:
            self.fields["note"].label = {
                Action.SEND_BACK: _("需要修改的内容"),
                Action.REJECT: _("不予批准的理由"),
                Action.RECTIFY: _("整改情况"),
            }.get(action, _("原因"))
        if action == Action.APPROVE:
            from renovation.services import fees_for

            deposit, fee = fees_for(renovation)
            self.initial.setdefault("deposit", deposit)
            self.initial.setdefault("fee", fee)
            self.fields["note"].label = _("审核意见（可选）")
        if action == Action.PAY:
            self.initial.setdefault("paid_at", timezone.localtime().replace(second=0, microsecond=0))
            self.fields["paid_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        if action == Action.ACCEPT:
            self.initial.setdefault("inspected_on", timezone.localdate())
            self.fields["inspected_on"].label = _("验收日期")
            self.fields["note"].label = _("验收意见（可选）")
        if action == Action.REFUND:
            self.fields["receipt_number"].label = _("退款凭证号")
        if action == Action.ISSUE_PASS:
            self.fields["worker"].choices = [(w.pk, w.name) for w in renovation.workers.all()]

    def clean_deductions(self):
        rows = []
        for line in (self.cleaned_data.get("deductions") or "").splitlines():
            line = line.strip()
            if not line:
                continue
            amount, _sep, reason = line.partition(" ")
            rows.append(DeductionInput(amount=amount.strip(), reason=reason.strip()))
        return rows

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        kwargs = {name: d.get(name) for name in self.fields if name != "version"}
        for text in ("note", "receipt_number", "name", "id_number", "phone", "trade", "kind"):
            if text in kwargs and kwargs[text] is None:
                kwargs[text] = ""
        kwargs["expected_version"] = d["version"]
        return kwargs


class InspectionForm(ServiceErrorsMixin, forms.Form):
    """The phone form used on site: result, what is wrong, photos from the camera."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    inspected_on = forms.DateField(label=_("巡查日期"), widget=DATE_INPUT)
    result = forms.ChoiceField(label=_("结果"), choices=InspectionResult.choices, widget=forms.RadioSelect)
    violation = forms.CharField(
        label=_("违规内容"),
        max_length=text_limit(Violation, "description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：拆改承重墙、噪声作业超时、建筑垃圾堆放楼道"),
    )
    photos = MultipleFileField(label=_("现场照片"), accept="image/*", capture="environment")
    note = forms.CharField(
        label=_("说明（可选）"),
        max_length=text_limit(Inspection, "note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args, renovation, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("version", renovation.version)
        self.initial.setdefault("inspected_on", timezone.localdate())
        self.initial.setdefault("result", InspectionResult.PASSED)

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        violations = []
        if (d.get("violation") or "").strip() or d.get("photos"):
            violations.append(ViolationInput(description=d.get("violation") or "", photos=d.get("photos") or []))
        return {
            "inspected_on": d["inspected_on"],
            "result": d["result"],
            "note": d.get("note") or "",
            "violations": violations,
            "expected_version": d["version"],
        }
