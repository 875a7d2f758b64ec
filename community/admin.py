"""Admin: read-mostly. Changes of state go through the community pages so the history stays whole."""

from django.contrib import admin

from community.models import Activity, Announcement, AnnouncementEvent, Feedback, Photo, Signup, VisitGroup
from core.admin import ReadOnlyInline


class NoticeEventInline(ReadOnlyInline):
    model = AnnouncementEvent
    fields = ("at", "actor", "action", "note")
    readonly_fields = fields


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ("title", "project", "audience", "state", "publish_at", "published_at", "expire_at")
    list_filter = ("state", "audience", "project")
    search_fields = ("title",)
    raw_id_fields = ("buildings", "rooms", "created_by", "published_by")
    readonly_fields = ("state", "published_at", "published_by", "withdrawn_at", "withdraw_reason", "created_by")
    inlines = [NoticeEventInline]


class SignupInline(ReadOnlyInline):
    model = Signup
    fields = ("resident", "room", "state", "signed_at", "attended")
    readonly_fields = fields


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("title", "project", "starts_at", "place", "capacity", "state")
    list_filter = ("state", "project")
    search_fields = ("title",)
    readonly_fields = ("state", "cancel_reason", "attendance_taken_at", "created_by")
    inlines = [SignupInline]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ("signup", "rating", "at")
    raw_id_fields = ("signup", "recorded_by")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(VisitGroup)
class VisitGroupAdmin(admin.ModelAdmin):
    list_display = ("organisation", "project", "visit_at", "size", "rating")
    list_filter = ("project",)
    search_fields = ("organisation",)
    exclude = ("contact_phone",)  # shown masked on the visit page, revealed there with a log entry
    raw_id_fields = ("receivers", "created_by")


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ("name", "activity", "visit", "uploaded_by", "uploaded_at")
    raw_id_fields = ("activity", "visit", "uploaded_by")
