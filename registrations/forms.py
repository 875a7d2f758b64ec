"""Forms of the registration pages. They only parse input; the services decide and explain."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import ServiceErrorsMixin as BaseServiceErrorsMixin
from core.ids import IdField
from core.models import Project
from core.text import text_limit
from estate.models import Building
from estate.selectors import room_code_from_text, visible_rooms
from registrations.choices import ConfirmMethod, IdType, KeyKind, MoveInRelation, Result, Section
from registrations.models import QUANTITY_MAX, Event, Handover, Lease, MoveIn, Transfer

DATE = forms.DateInput(attrs={"type": "date"})


class ServiceErrorsMixin(BaseServiceErrorsMixin):
    """Bootstrap classes on the widgets, and a service's field errors put on the fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            widget = f.widget
            if isinstance(widget, forms.HiddenInput | forms.RadioSelect):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class RoomForm(ServiceErrorsMixin, forms.Form):
    """A room chosen by its everyday code ('3-2-1502', '3栋2单元1502') in one of the user's projects."""

    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), empty_label=None)
    room_code = forms.CharField(label=_("房屋编号"), max_length=60, help_text=_("如 3-2-1502"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["project"].queryset = Project.objects.filter(pk__in=user.project_ids())
        self.room = None

    def clean(self):
        data = super().clean()
        project, text = data.get("project"), (data.get("room_code") or "").strip()
        if project and text:
            code = room_code_from_text(text)
            self.room = visible_rooms(self.user).filter(project=project, code=code).first()
            if self.room is None:
                self.add_error("room_code", _("在这个项目没有找到房屋“%(code)s”。") % {"code": text})
        return data


class MoveInOpenForm(RoomForm):
    person_name = forms.CharField(label=_("入住人姓名"), max_length=50)
    person_phone = forms.CharField(label=_("入住人手机"), max_length=30, required=False)
    relation = forms.ChoiceField(label=_("与房屋关系"), choices=MoveInRelation.choices, initial=MoveInRelation.OWNER)
    move_in_on = forms.DateField(label=_("入住日期"), widget=DATE, initial=timezone.localdate)
    note = forms.CharField(
        label=_("备注"), max_length=text_limit(MoveIn, "note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LeaseOpenForm(RoomForm):
    tenant_name = forms.CharField(label=_("租户姓名"), max_length=50)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices, initial=IdType.ID_CARD)
    id_number = forms.CharField(label=_("证件号码"), max_length=40)
    tenant_phone = forms.CharField(label=_("租户手机"), max_length=30)
    start = forms.DateField(label=_("租期开始"), widget=DATE)
    end = forms.DateField(label=_("租期结束"), widget=DATE)
    contract_no = forms.CharField(label=_("租赁合同编号"), max_length=50, required=False)
    emergency_name = forms.CharField(label=_("紧急联系人"), max_length=50, required=False)
    emergency_phone = forms.CharField(label=_("紧急联系人电话"), max_length=30, required=False)
    note = forms.CharField(
        label=_("备注"), max_length=text_limit(Lease, "note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TransferOpenForm(RoomForm):
    new_owner_name = forms.CharField(label=_("新业主姓名"), max_length=50)
    new_owner_phone = forms.CharField(label=_("新业主手机"), max_length=30, required=False)
    effective_on = forms.DateField(label=_("过户日期"), widget=DATE, help_text=_("新业主自这一天起为业主"))
    note = forms.CharField(
        label=_("备注"),
        max_length=text_limit(Transfer, "note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class HandoverOpenForm(ServiceErrorsMixin, forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), empty_label=None)
    building = forms.ModelChoiceField(
        label=_("楼栋"), queryset=Building.objects.none(), required=False, empty_label=_("整个项目")
    )
    developer = forms.CharField(label=_("移交单位（开发商）"), max_length=100)
    developer_contact = forms.CharField(label=_("开发商代表"), max_length=50, required=False)
    accepted_on = forms.DateField(label=_("验收日期"), widget=DATE, initial=timezone.localdate)
    note = forms.CharField(
        label=_("备注"),
        max_length=text_limit(Handover, "note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        ids = user.project_ids()
        self.fields["project"].queryset = Project.objects.filter(pk__in=ids)
        self.fields["building"].queryset = Building.objects.filter(project_id__in=ids).select_related("project")
        self.fields["building"].label_from_instance = lambda b: f"{b.project.name} · {b}"
        self.room = None


# ---------------------------------------------------------------- actions on a record


class ActionForm(ServiceErrorsMixin, forms.Form):
    pass


class NoteForm(ActionForm):
    # the note goes to the record's history (Event.note), whatever else it is written into
    note = forms.CharField(
        label=_("说明（可选）"),
        max_length=text_limit(Event, "note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(ActionForm):
    reason = forms.CharField(
        label=_("原因"), max_length=text_limit(Event, "note"), widget=forms.Textarea(attrs={"rows": 2})
    )


class CheckForm(ActionForm):
    check = IdField(widget=forms.HiddenInput)
    checked = forms.BooleanField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class FeesForm(ActionForm):
    amount = forms.DecimalField(label=_("预交金额(元)"), max_digits=12, decimal_places=2)
    months = forms.IntegerField(label=_("预交月数"), required=False, min_value=0, max_value=36)
    receipt = forms.CharField(label=_("收据号"), max_length=50, required=False)


class KeyForm(ActionForm):
    kind = forms.ChoiceField(label=_("钥匙/卡类别"), choices=KeyKind.choices)
    count = forms.IntegerField(label=_("数量"), min_value=1, max_value=99, initial=1)
    receiver = forms.CharField(label=_("领取人"), max_length=50)


class DefectForm(ActionForm):
    location = forms.CharField(label=_("部位"), max_length=100)
    description = forms.CharField(label=_("缺陷描述"), max_length=300)


class DefectRepairForm(ActionForm):
    defect = IdField(widget=forms.HiddenInput)


class ConfirmForm(ActionForm):
    owner_name = forms.CharField(label=_("确认业主"), max_length=50)
    method = forms.ChoiceField(
        label=_("确认方式"),
        choices=[c for c in ConfirmMethod.choices if c[0] != ConfirmMethod.APP],
        widget=forms.RadioSelect,
    )
    confirmed_at = forms.DateTimeField(
        label=_("确认时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("留空为现在"),
    )
    note = forms.CharField(label=_("确认说明"), max_length=200, required=False)


class MoveOutForm(ActionForm):
    on = forms.DateField(label=_("退租日期"), widget=DATE, initial=timezone.localdate)
    note = forms.CharField(label=_("退租说明"), max_length=200, required=False)
    override_reason = forms.CharField(
        label=_("欠费批准原因"),
        max_length=200,
        required=False,
        help_text=_("系统按房屋账户核对欠费；有欠费且公司要求批准时，由主管填写原因批准退租。"),
    )


class ItemForm(ActionForm):
    label = forms.CharField(label=_("待结清事项"), max_length=100)


class SettleForm(ActionForm):
    item = IdField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("结清说明"), max_length=200, required=False)  # the service asks for it


class MetersForm(ActionForm):
    water = forms.DecimalField(label=_("水表读数"), max_digits=12, decimal_places=2, required=False)
    electricity = forms.DecimalField(label=_("电表读数"), max_digits=12, decimal_places=2, required=False)
    gas = forms.DecimalField(label=_("燃气表读数"), max_digits=12, decimal_places=2, required=False)


class HandoverItemForm(ActionForm):
    section = forms.ChoiceField(label=_("类别"), choices=Section.choices)
    name = forms.CharField(label=_("项目名称"), max_length=100)
    result = forms.ChoiceField(
        label=_("结果"), choices=[("", _("（钥匙、资料不填）"))] + list(Result.choices), required=False
    )
    quantity = forms.IntegerField(
        label=_("数量"), min_value=0, max_value=QUANTITY_MAX, required=False, help_text=_("钥匙、资料填接收数量")
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
