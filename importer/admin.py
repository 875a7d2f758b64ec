from django.contrib import admin

from importer.models import ColumnMapping, ImportRow, ImportSession


class ImportRowInline(admin.TabularInline):
    model = ImportRow
    fields = ("number", "has_errors", "skipped", "edited", "errors")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(has_errors=True)


@admin.register(ImportSession)
class ImportSessionAdmin(admin.ModelAdmin):
    list_display = ("file_name", "kind", "project", "status", "total_rows", "imported_rows", "created_by", "created_at")
    list_filter = ("kind", "status", "project")
    search_fields = ("file_name",)
    date_hierarchy = "created_at"
    list_select_related = ("project", "created_by")
    readonly_fields = [f.name for f in ImportSession._meta.fields]
    inlines = [ImportRowInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ColumnMapping)
class ColumnMappingAdmin(admin.ModelAdmin):
    list_display = ("company", "kind", "updated_by", "updated_at")
    list_filter = ("kind",)
