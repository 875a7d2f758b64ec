from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import AuditedAdmin, register_new_company_setup
from desk.models import (
    Attachment,
    Category,
    DeskSettings,
    Escalation,
    IntakeKeyword,
    LearnedWord,
    Phrase,
    RequestEvent,
    ServiceRequest,
    SlaPolicy,
)
from desk.sla import install_default_policies
from desk.suggest import install_default_keywords

# A company added in the admin starts with DOMAIN.md's default time limits, and its keyword table
# (with the default categories it names) for the intake's suggestion.
register_new_company_setup(install_default_policies)
register_new_company_setup(install_default_keywords)


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ("name", "code", "company", "department_kind", "always_visit", "visit_limit", "active", "order")
    list_filter = ("company", "active")
    list_editable = ("active", "order")


class EventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "action", "from_state", "to_state", "note")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    """Read-mostly: changes of state go through the desk's pages so the timeline stays whole."""

    list_display = ("number", "title", "kind", "state", "severity", "project", "created_at")
    list_filter = ("kind", "state", "severity", "project")
    search_fields = ("number", "title")
    raw_id_fields = (
        "room",
        "resident",
        "related_room",
        "receiver",
        "assignee",
        "implementer",
        "department",
        "category",
    )
    readonly_fields = ("number", "state", "version", "receiver", "implementer", "created_at", "updated_at")
    exclude = ("search_grams",)
    inlines = [EventInline]
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("name", "request", "content_type", "size", "uploaded_by", "uploaded_at")
    raw_id_fields = ("request", "event")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(AuditedAdmin):
    """Time limits: edited here without a deploy; each change is logged and applies to requests
    registered afterwards (a request keeps the limits it was registered with)."""

    list_display = (
        "__str__",
        "dispatch_limit",
        "response_limit",
        "resolve_limit",
        "reply_limit",
        "visit_limit",
        "at_risk_percent",
        "active",
    )
    list_filter = ("company", "project", "kind", "severity", "active")
    fieldsets = (
        (None, {"fields": ("company", "project", "kind", "severity", "category", "active")}),
        (
            _("时限（20m、2h、3d 为自然时间；4wh、7wd 为工作时间）"),
            {"fields": ("dispatch_limit", "response_limit", "resolve_limit", "reply_limit", "visit_limit")},
        ),
        (_("升级"), {"fields": ("at_risk_percent", "pm_after", "company_after")}),
    )


@admin.register(DeskSettings)
class DeskSettingsAdmin(AuditedAdmin):
    list_display = ("company", "repair_visit_percent", "auto_dispatch")


@admin.register(Phrase)
class PhraseAdmin(AuditedAdmin):
    list_display = ("title", "situation", "company", "order", "active")
    list_filter = ("company", "situation", "active")
    search_fields = ("title", "body")


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ("request", "step", "level", "round", "fired_at")
    list_filter = ("level", "step")
    raw_id_fields = ("request",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IntakeKeyword)
class IntakeKeywordAdmin(AuditedAdmin):
    """The words the intake suggests from (登记来电的智能建议): edited here without a deploy."""

    list_display = ("keyword", "kind", "category", "department_kind", "weight", "active", "company")
    list_filter = ("company", "kind", "category", "active")
    list_editable = ("weight", "active")
    search_fields = ("keyword",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "category":
            kwargs["queryset"] = Category.objects.filter(active=True).select_related("company")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(LearnedWord)
class LearnedWordAdmin(admin.ModelAdmin):
    """What the desk learned from registrations: read here, reset by deleting rows."""

    list_display = ("word", "kind", "category", "count", "company")
    list_filter = ("company", "kind", "category")
    search_fields = ("word",)
    readonly_fields = ("company", "word", "kind", "category", "count")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
