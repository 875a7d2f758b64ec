from django.contrib import admin

from core.admin import ReadOnlyAdmin
from duty.models import (
    Assignment,
    CountedThing,
    Handover,
    HandoverCount,
    HandoverItem,
    Key,
    KeyLoan,
    LogEntry,
    Shift,
    SwapRequest,
)


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ("name", "project", "start", "end", "order", "active")
    list_filter = ("project", "active")


@admin.register(CountedThing)
class CountedThingAdmin(admin.ModelAdmin):
    list_display = ("name", "project", "expected", "unit", "order", "active")
    list_filter = ("project", "active")


@admin.register(Key)
class KeyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "project", "location", "active")
    list_filter = ("project", "active")
    search_fields = ("code", "name")


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ("day", "shift", "user", "state", "project", "created_by", "ended_by", "ended_at")
    list_filter = ("project", "state")
    date_hierarchy = "day"


@admin.register(SwapRequest)
class SwapRequestAdmin(ReadOnlyAdmin):
    list_display = ("assignment", "asked_by", "cover", "state", "decided_by", "decided_at")
    list_filter = ("state",)


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "project", "category", "author", "hand_over", "corrects")
    list_filter = ("project", "category")
    search_fields = ("text",)


@admin.register(KeyLoan)
class KeyLoanAdmin(ReadOnlyAdmin):
    list_display = ("key", "borrower_name", "purpose", "lent_at", "due_back", "returned_at")
    list_filter = ("project",)
    exclude = ("borrower_phone",)  # shown masked on the duty pages; admins reveal it there (logged)


class ItemInline(admin.TabularInline):
    model = HandoverItem
    extra = 0
    can_delete = False
    fields = ("kind_label", "title", "detail", "answer", "reason", "answered_at")
    readonly_fields = fields
    show_change_link = False
    max_num = 0


class CountInline(admin.TabularInline):
    model = HandoverCount
    extra = 0
    can_delete = False
    fields = ("name", "expected", "counted", "explanation")
    readonly_fields = fields
    max_num = 0


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "project", "outgoing", "incoming", "state", "item_count")
    list_filter = ("project", "state")
    inlines = [CountInline, ItemInline]
