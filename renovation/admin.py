from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from renovation.models import (
    Deduction,
    Inspection,
    Payment,
    Renovation,
    RenovationEvent,
    RenovationSettings,
    Violation,
    Worker,
    WorkerPass,
)


@admin.register(RenovationSettings)
class RenovationSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "project",
        "review_days",
        "deposit_default",
        "management_fee_per_m2",
        "holding_days",
        "quiet_on_rest_days",
        "noon_quiet_start",
        "noon_quiet_end",
        "night_quiet_start",
        "night_quiet_end",
    )
    list_select_related = ("project",)


class EventInline(ReadOnlyInline):
    model = RenovationEvent
    fields = ("at", "actor", "action", "from_state", "to_state", "note")
    readonly_fields = fields


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("kind", "amount", "paid_at", "receipt_number", "recorded_by")
    readonly_fields = fields


class WorkerInline(ReadOnlyInline):
    model = Worker
    fields = ("name", "trade", "added_at")  # ID and phone numbers are not shown in the admin list
    readonly_fields = fields


@admin.register(Renovation)
class RenovationAdmin(ReadOnlyAdmin):
    """Read-only here: every change goes through the renovation pages, which keep the history."""

    list_display = ("number", "project", "room", "owner_name", "state", "submitted_at", "review_due_at")
    list_filter = ("state", "project")
    search_fields = ("number", "room__code", "permit_number")
    list_select_related = ("project", "room")
    inlines = [PaymentInline, WorkerInline, EventInline]
    exclude = ("owner_phone", "contractor_phone")


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ("renovation", "inspected_on", "inspector", "result", "is_final")
    list_select_related = ("renovation", "inspector")


@admin.register(Violation)
class ViolationAdmin(ReadOnlyAdmin):
    list_display = ("renovation", "description", "rectified_at", "request")
    list_select_related = ("renovation", "request")


@admin.register(WorkerPass)
class WorkerPassAdmin(ReadOnlyAdmin):
    list_display = ("number", "worker", "valid_until", "revoked_at")
    list_select_related = ("worker",)


@admin.register(Deduction)
class DeductionAdmin(ReadOnlyAdmin):
    list_display = ("renovation", "amount", "reason", "recorded_by", "recorded_at")
    list_select_related = ("renovation", "recorded_by")
