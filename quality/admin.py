from django.contrib import admin

from quality.models import DailyCloseout


@admin.register(DailyCloseout)
class DailyCloseoutAdmin(admin.ModelAdmin):
    """Read-only: a sign-off is made on the close-out page and never edited afterwards."""

    list_display = ("date", "project", "signed_by", "signed_at")
    list_filter = ("project",)
    date_hierarchy = "date"
    readonly_fields = ("project", "date", "signed_by", "signed_at", "comment", "snapshot")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
