from django.contrib import admin

from desk.models import Attachment, Category, RequestEvent, ServiceRequest


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "company", "department_kind", "active", "order")
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
    raw_id_fields = ("room", "resident", "receiver", "assignee", "implementer", "department", "category")
    readonly_fields = ("number", "state", "version", "receiver", "implementer", "created_at", "updated_at")
    exclude = ("search_grams",)
    inlines = [EventInline]
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("name", "request", "content_type", "size", "uploaded_by", "uploaded_at")
    raw_id_fields = ("request", "event")
