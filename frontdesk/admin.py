"""The admin: settings are editable; records are read-only (changes go through the front desk's
pages so every history stays whole), and sensitive numbers are shown masked."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import AuditedAdmin, ReadOnlyAdmin
from core.privacy import mask_id, mask_phone
from frontdesk.models import (
    ContractorPass,
    FrontdeskSettings,
    GoodsCheck,
    GoodsItem,
    GoodsPass,
    Parcel,
    ParcelEvent,
    PickupAttempt,
    Visit,
)


@admin.register(FrontdeskSettings)
class FrontdeskSettingsAdmin(AuditedAdmin):
    list_display = ("project", "hold_days", "important_mail_hours", "preregistration_hours")


class ParcelEventInline(admin.TabularInline):
    model = ParcelEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "action", "note")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Parcel)
class ParcelAdmin(ReadOnlyAdmin):
    list_display = ("room", "kind", "carrier", "tracking_number", "state", "arrived_at", "project")
    list_filter = ("state", "kind", "project")
    search_fields = ("tracking_number", "room__code")
    raw_id_fields = ("room",)
    inlines = [ParcelEventInline]


@admin.register(PickupAttempt)
class PickupAttemptAdmin(ReadOnlyAdmin):
    list_display = ("at", "code", "reason", "actor", "project")
    list_filter = ("project",)


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("name", "room", "state", "masked_id", "masked_phone", "time_in", "time_out", "project")
    list_filter = ("state", "project")
    exclude = ("id_number", "phone")

    @admin.display(description=_("证件号码"))
    def masked_id(self, obj):
        return mask_id(obj.id_number)

    @admin.display(description=_("手机"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)


@admin.register(ContractorPass)
class ContractorPassAdmin(ReadOnlyAdmin):
    list_display = ("company_name", "valid_from", "valid_to", "revoked_at", "project")
    list_filter = ("project",)
    exclude = ("contact_phone",)


class GoodsItemInline(admin.TabularInline):
    model = GoodsItem
    extra = 0
    can_delete = False
    readonly_fields = ("name", "quantity", "released_quantity")

    def has_add_permission(self, request, obj=None):
        return False


class GoodsCheckInline(admin.TabularInline):
    model = GoodsCheck
    extra = 0
    can_delete = False
    readonly_fields = ("at", "guard", "outcome", "reason", "differences")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(GoodsPass)
class GoodsPassAdmin(ReadOnlyAdmin):
    list_display = ("room", "valid_on", "state", "applicant_name", "carrier_name", "masked_id", "project")
    list_filter = ("state", "project")
    date_hierarchy = "valid_on"
    exclude = ("carrier_id_number",)
    inlines = [GoodsItemInline, GoodsCheckInline]

    @admin.display(description=_("搬运人证件号"))
    def masked_id(self, obj):
        return mask_id(obj.carrier_id_number)
