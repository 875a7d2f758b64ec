import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import ServiceErrorsMixin
from core.ids import IdField
from core.text import text_limit
from frontdesk.choices import AgreedVia, IdType, ParcelKind
from frontdesk.models import ContractorPass
from frontdesk.services import PassApplication, WalkIn

# <input type=date/datetime-local> only accept ISO values: without a fixed format the zh-hans
# locale renders "2026/11/27" and the browser shows an empty field.
DATE_INPUT = forms.DateInput(attrs={"type": "date"})
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
HOST_VIA = [(AgreedVia.PHONE, AgreedVia.PHONE.label), (AgreedVia.IN_PERSON, AgreedVia.IN_PERSON.label)]
_ITEM_LINE = re.compile(r"^(?P<name>.*?)[\s×xX*＊,，:：]*(?P<qty>\d+)\s*(?:件|个|台|套|箱|张|把|包|只|袋)?$")


def parse_items(text: str) -> list[tuple[str, int]]:
    """'沙发 1\\n纸箱×5' -> [('沙发', 1), ('纸箱', 5)]; a line without a number raises ValidationError."""
    items, bad = [], []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        match = _ITEM_LINE.match(line)
        if not match or not match.group("name").strip():
            bad.append(line)
            continue
        items.append((match.group("name").strip(), int(match.group("qty"))))
    if bad:
        raise ValidationError(_("每行写一件物品和数量，如“沙发 1”。看不懂的行：%(lines)s") % {"lines": "；".join(bad)})
    return items


class ParcelForm(ServiceErrorsMixin, forms.Form):
    room = IdField(label=_("房屋"), widget=forms.HiddenInput, required=False)
    tracking_number = forms.CharField(label=_("运单号"), max_length=60, required=False)
    carrier = forms.CharField(label=_("快递公司"), max_length=30, required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=ParcelKind.choices, initial=ParcelKind.PARCEL)
    shelf = forms.CharField(label=_("货架位置"), max_length=20, required=False)


class CodeForm(forms.Form):
    code = forms.CharField(label=_("取件码"), max_length=12)
    collector_name = forms.CharField(label=_("领取人"), max_length=50, required=False)


class SignatureForm(ServiceErrorsMixin, forms.Form):
    collector_name = forms.CharField(label=_("领取人签名（姓名）"), max_length=50)


class ReturnForm(forms.Form):
    note = forms.CharField(label=_("退回说明"), max_length=200, required=False)


class WalkInForm(ServiceErrorsMixin, forms.Form):
    room = IdField(label=_("被访房屋"), widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("访客姓名"), max_length=50)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices, initial=IdType.ID_CARD)
    id_number = forms.CharField(label=_("证件号码"), max_length=30)
    phone = forms.CharField(label=_("手机"), max_length=30, required=False)
    people = forms.IntegerField(label=_("人数"), min_value=1, max_value=50, initial=1)
    purpose = forms.CharField(label=_("来访事由"), max_length=100)
    agreed_by = forms.CharField(label=_("同意人"), max_length=50, help_text=_("被访户中同意来访的人"))
    agreed_via = forms.ChoiceField(label=_("确认方式"), choices=HOST_VIA, initial=AgreedVia.PHONE)

    def walk_in(self) -> WalkIn:
        d = self.cleaned_data
        return WalkIn(
            room_id=d["room"],
            name=d["name"],
            purpose=d["purpose"],
            agreed_by=d["agreed_by"],
            agreed_via=d["agreed_via"],
            id_type=d["id_type"],
            id_number=d["id_number"],
            phone=d["phone"],
            people=d["people"],
        )


class AdmitForm(forms.Form):
    code = forms.CharField(label=_("预约码"), max_length=12)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=[("", "—"), *IdType.choices], required=False)
    id_number = forms.CharField(label=_("证件号码"), max_length=30, required=False)


class PreregisterForm(ServiceErrorsMixin, forms.Form):
    room = forms.TypedChoiceField(label=_("房屋"), coerce=int)
    name = forms.CharField(label=_("访客姓名"), max_length=50)
    phone = forms.CharField(label=_("访客手机"), max_length=30, required=False)
    people = forms.IntegerField(label=_("人数"), min_value=1, max_value=50, initial=1)
    purpose = forms.CharField(label=_("来访事由"), max_length=100)
    expected_on = forms.DateField(label=_("来访日期"), widget=DATE_INPUT)

    def __init__(self, *args, rooms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = [(r.pk, r.code) for r in rooms]
        self.fields["expected_on"].initial = timezone.localdate()


class ContractorPassForm(ServiceErrorsMixin, forms.Form):
    company_name = forms.CharField(label=_("施工单位"), max_length=100)
    people = forms.CharField(
        label=_("人员名单"),
        max_length=text_limit(ContractorPass, "people"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一人"),
    )
    contact_phone = forms.CharField(label=_("负责人手机"), max_length=30, required=False)
    rooms = forms.CharField(
        label=_("房屋"), max_length=300, required=False, help_text=_("房号，多个用逗号分隔，如 3-2-1502")
    )
    areas = forms.CharField(label=_("区域"), max_length=200, required=False)
    purpose = forms.CharField(label=_("事由"), max_length=100)
    valid_from = forms.DateTimeField(label=_("有效期自"), widget=DATETIME_INPUT)
    valid_to = forms.DateTimeField(label=_("有效期至"), widget=DATETIME_INPUT)


def applicant_choices(applicants) -> list[tuple]:
    """The select of a room's people (frontdesk.selectors.pass_applicants): name and relation."""
    return [("", "—"), *((o.resident_id, f"{o.resident.name} · {o.get_relation_display()}") for o in applicants)]


class GoodsPassForm(ServiceErrorsMixin, forms.Form):
    room = IdField(label=_("房屋"), widget=forms.HiddenInput, required=False)
    valid_on = forms.DateField(label=_("放行日期"), widget=DATE_INPUT)
    # one of the room's people today (a resident id); whether they are the owner comes from their
    # link to the room (frontdesk.services.goods_pass_apply checks it), not from the form
    applicant = forms.IntegerField(label=_("申请人"), required=False, widget=forms.Select)
    authorised_via = forms.ChoiceField(
        label=_("业主确认方式"), choices=[("", "—"), *HOST_VIA], required=False, help_text=_("代业主申请时必填")
    )
    carrier_name = forms.CharField(label=_("搬运人"), max_length=50)
    carrier_id_number = forms.CharField(label=_("搬运人证件号"), max_length=30)
    items = forms.CharField(
        label=_("物品清单"),
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "沙发 1\n纸箱 5"}),
        help_text=_("每行一件物品和数量"),
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, rooms=None, applicants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valid_on"].initial = timezone.localdate()
        if rooms is not None:  # a resident: their rooms, no applicant fields
            self.fields["room"] = forms.TypedChoiceField(
                label=_("房屋"), coerce=int, choices=[(r.pk, r.code) for r in rooms]
            )
            for name in ("applicant", "authorised_via"):
                del self.fields[name]
        else:
            self.fields["applicant"].widget.choices = applicant_choices(applicants)

    def clean_items(self):
        return parse_items(self.cleaned_data["items"])

    def application(self) -> PassApplication:
        d = self.cleaned_data
        return PassApplication(
            room_id=d["room"],
            valid_on=d["valid_on"],
            carrier_name=d["carrier_name"],
            carrier_id_number=d["carrier_id_number"],
            items=d["items"],
            applicant_id=d.get("applicant"),
            authorised_via=d.get("authorised_via", ""),
            note=d["note"],
        )


class ConfirmForm(ServiceErrorsMixin, forms.Form):
    owner_name = forms.CharField(label=_("确认的业主"), max_length=50)
    via = forms.ChoiceField(label=_("确认方式"), choices=HOST_VIA)


class ArrearsOverrideForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("批准放行的原因"), max_length=200)


class VerifyForm(forms.Form):
    """One quantity field per item of the pass, plus any extra items seen at the gate."""

    extra = forms.CharField(
        label=_("放行单上没有的物品"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("每行一件和数量"),
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, goods_pass, **kwargs):
        super().__init__(*args, **kwargs)
        self.item_fields = []
        for item in goods_pass.items.all():
            name = f"item_{item.pk}"
            self.fields[name] = forms.IntegerField(
                label=item.name, min_value=0, max_value=99999, initial=item.quantity, required=False
            )
            self.item_fields.append((item, name))

    def clean_extra(self):
        return parse_items(self.cleaned_data["extra"])

    def released(self) -> dict[int, int]:
        return {item.pk: self.cleaned_data.get(name) or 0 for item, name in self.item_fields}
