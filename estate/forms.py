"""Forms of the household page. They check what they can alone; the services check the rules."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.errors import ServiceError
from core.phone import normalize_phone
from core.privacy import MaskedPrefill
from estate.choices import Relation
from estate.models import CareTag, ParkingSpace, Pet, Resident, Room, Vehicle
from estate.normalize import normalize_plate
from estate.services import clean_id

DATE = forms.DateInput(attrs={"type": "date"})


class BootstrapMixin:
    def _style(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault(
                "class", f"{css} form-control-sm" if css == "form-control" else f"{css} form-select-sm"
            )


class RoomForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Room
        fields = ["orientation", "layout", "area", "floor", "delivered_on", "use", "state"]
        widgets = {"delivered_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class ResidentForm(MaskedPrefill, BootstrapMixin, forms.ModelForm):
    care_tags = forms.ModelMultipleChoiceField(
        CareTag.objects.none(), required=False, widget=forms.CheckboxSelectMultiple, label=_("关怀标签")
    )

    class Meta:
        model = Resident
        fields = ["name", "phone", "gender", "id_type", "id_number", "care_tags", "note"]

    def __init__(self, *args, company_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["care_tags"].queryset = CareTag.objects.filter(company_id=company_id, active=True)
        if self.instance.pk:
            self.mask_prefill(self.instance, "phone")
        if self.instance.pk and self.instance.id_number:
            # the full number is never put in a page: leave blank to keep it
            self.initial["id_number"] = ""
            self.fields["id_number"].help_text = _("已登记，留空则不修改")
        self._style()

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "").strip()
        return normalize_phone(phone) if phone else ""

    def clean(self):
        data = super().clean()
        number = data.get("id_number", "")
        if self.instance.pk and not number:
            data["id_number"] = self.instance.id_number
            number = data["id_number"]
            if not data.get("id_type"):
                data["id_type"] = self.instance.id_type
        try:
            data["id_type"], data["id_number"] = clean_id(data.get("id_type", ""), number)
        except ServiceError as exc:
            self.add_error("id_number", exc.message)
        return data

    def resident_data(self) -> dict:
        return {k: self.cleaned_data.get(k) for k in self.Meta.fields}


class NewPersonForm(ResidentForm):
    relation = forms.ChoiceField(choices=Relation.choices, label=_("关系"))
    start = forms.DateField(required=False, widget=DATE, label=_("起始日期"))
    end_current_owners = forms.BooleanField(
        required=False, label=_("结束原业主（过户）"), help_text=_("新业主起始日期前一天结束原业主及共有人关系")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class OccupancyForm(BootstrapMixin, forms.Form):
    resident = forms.ModelChoiceField(Resident.objects.none(), label=_("人员"))
    relation = forms.ChoiceField(choices=Relation.choices, label=_("关系"))
    start = forms.DateField(required=False, widget=DATE, label=_("起始日期"))
    end = forms.DateField(required=False, widget=DATE, label=_("结束日期"))
    end_current_owners = forms.BooleanField(required=False, label=_("结束原业主（过户）"))

    def __init__(self, *args, room=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = Resident.objects.filter(occupancies__room=room).distinct()
        self._style()

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("结束日期不能早于起始日期。"))
        return data


class EndForm(BootstrapMixin, forms.Form):
    end = forms.DateField(widget=DATE, label=_("结束日期"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class VehicleForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Vehicle
        fields = ["plate", "resident", "brand", "colour", "note"]

    def __init__(self, *args, room=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = Resident.objects.filter(occupancies__room=room).distinct()
        self._style()

    def clean_plate(self):
        plate = normalize_plate(self.cleaned_data.get("plate", ""))
        if len(plate) < 6:
            raise ValidationError(_("请填写完整的车牌号，如 浙A12345。"))
        return plate


class ParkingForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = ParkingSpace
        fields = ["number", "kind", "vehicle", "start", "end", "note"]
        widgets = {"start": DATE, "end": DATE}

    def __init__(self, *args, room=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].queryset = Vehicle.objects.filter(room=room, ended_on__isnull=True)
        self._style()

    def validate_unique(self):  # the service decides whether a number already in use may be given
        pass


class PetForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Pet
        fields = ["kind", "name", "breed", "licence", "vaccinated_on"]
        widgets = {"vaccinated_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class NoteForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label=_("备注"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class RoomFilterForm(BootstrapMixin, forms.Form):
    building = forms.ModelChoiceField(queryset=None, required=False, label=_("楼栋"))
    state = forms.ChoiceField(required=False, label=_("状态"))
    use = forms.ChoiceField(required=False, label=_("用途"))
    tag = forms.ModelChoiceField(queryset=None, required=False, label=_("关怀标签"))

    def __init__(self, *args, user=None, **kwargs):
        from estate.choices import RoomState, RoomUse
        from estate.models import Building

        super().__init__(*args, **kwargs)
        projects = user.project_ids()
        self.fields["building"].queryset = Building.objects.filter(project_id__in=projects).select_related("project")
        self.fields["state"].choices = [("", _("全部"))] + list(RoomState.choices)
        self.fields["use"].choices = [("", _("全部"))] + list(RoomUse.choices)
        self.fields["tag"].queryset = CareTag.objects.filter(company_id=user.company_id, active=True)
        self._style()
