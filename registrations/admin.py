from django.contrib import admin

from core.admin import ReadOnlyInline
from registrations.models import (
    Defect,
    Event,
    Handover,
    HandoverItem,
    Lease,
    MoveIn,
    MoveInCheck,
    MoveInKey,
    RegistrationSettings,
    Transfer,
    TransferItem,
)


@admin.register(RegistrationSettings)
class RegistrationSettingsAdmin(admin.ModelAdmin):
    list_display = ["company", "project", "lease_reminder_days"]
    list_filter = ["company"]


class CheckInline(ReadOnlyInline):
    model = MoveInCheck
    fields = ["label", "mandatory", "checked_at", "checked_by", "note"]


class KeyInline(ReadOnlyInline):
    model = MoveInKey
    fields = ["kind", "count", "receiver", "handed_at", "handed_by"]


class DefectInline(ReadOnlyInline):
    model = Defect
    fields = ["location", "description", "request", "created_by", "created_at"]


class TransferItemInline(ReadOnlyInline):
    model = TransferItem
    fields = ["label", "settled_at", "settled_by", "note"]


class HandoverItemInline(ReadOnlyInline):
    model = HandoverItem
    fields = ["section", "name", "result", "quantity", "note", "recorded_by"]


class RecordAdmin(admin.ModelAdmin):
    """Records change through the pages (services keep the history); the admin shows them."""

    list_filter = ["state", "project"]
    date_hierarchy = "created_at"
    list_select_related = ["project", "created_by"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(MoveIn)
class MoveInAdmin(RecordAdmin):
    list_display = ["id", "room", "person_name", "relation", "move_in_on", "state", "project", "created_at"]
    search_fields = ["person_name", "room__code"]
    exclude = ["person_phone"]
    inlines = [CheckInline, KeyInline, DefectInline]
    list_select_related = ["project", "created_by", "room"]


@admin.register(Lease)
class LeaseAdmin(RecordAdmin):
    list_display = ["id", "room", "tenant_name", "start", "end", "state", "project", "reminded_at"]
    search_fields = ["tenant_name", "contract_no", "room__code"]
    exclude = ["id_number", "tenant_phone", "emergency_phone"]  # full numbers only through the logged reveal
    list_select_related = ["project", "created_by", "room"]


@admin.register(Transfer)
class TransferAdmin(RecordAdmin):
    list_display = ["id", "room", "old_owners", "new_owner_name", "effective_on", "state", "project"]
    search_fields = ["new_owner_name", "old_owners", "room__code"]
    exclude = ["new_owner_phone"]
    inlines = [TransferItemInline]
    list_select_related = ["project", "created_by", "room"]


@admin.register(Handover)
class HandoverAdmin(RecordAdmin):
    list_display = ["id", "project", "building", "developer", "accepted_on", "state", "signed_by"]
    search_fields = ["developer"]
    inlines = [HandoverItemInline, DefectInline]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "record_id", "action", "text", "actor", "project"]
    list_filter = ["kind", "project"]
    list_select_related = ["actor", "project"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
