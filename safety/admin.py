from django.contrib import admin

from core.admin import ReadOnlyInline
from safety.models import (
    CallTree,
    CallTreeEntry,
    CheckPoint,
    Finding,
    Incident,
    IncidentCall,
    IncidentEntry,
    IncidentLink,
    PatrolRun,
    Route,
    RouteStop,
    RunStop,
)


@admin.register(CheckPoint)
class CheckPointAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "place", "project", "active")
    list_filter = ("project", "kind", "active")
    search_fields = ("code", "name", "place")
    raw_id_fields = ("room",)


class RouteStopInline(admin.TabularInline):
    model = RouteStop
    extra = 0
    raw_id_fields = ("point",)


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    list_display = ("name", "project", "times", "department", "active")
    list_filter = ("project", "active")
    filter_horizontal = ("people",)
    inlines = [RouteStopInline]


class RunStopInline(ReadOnlyInline):
    model = RunStop
    fields = ("order", "point", "state", "checked_by", "checked_at", "note")
    readonly_fields = fields


@admin.register(PatrolRun)
class PatrolRunAdmin(admin.ModelAdmin):
    list_display = ("route", "project", "scheduled_for", "state", "started_by", "points_missed", "findings_count")
    list_filter = ("project", "state")
    date_hierarchy = "created_at"
    inlines = [RunStopInline]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ("item", "project", "state", "request", "found_by", "found_at")
    list_filter = ("project", "state")
    raw_id_fields = ("stop", "request")

    def has_change_permission(self, request, obj=None):
        return False


class CallTreeEntryInline(admin.TabularInline):
    model = CallTreeEntry
    extra = 1
    raw_id_fields = ("user",)


@admin.register(CallTree)
class CallTreeAdmin(admin.ModelAdmin):
    list_display = ("project", "kind")
    list_filter = ("project", "kind")
    inlines = [CallTreeEntryInline]


class IncidentEntryInline(ReadOnlyInline):
    model = IncidentEntry
    fields = ("at", "actor", "kind", "text")
    readonly_fields = fields


class IncidentCallInline(ReadOnlyInline):
    model = IncidentCall
    fields = ("order", "user", "notified_at", "acked_at")
    readonly_fields = fields


class IncidentLinkInline(ReadOnlyInline):
    model = IncidentLink
    fields = ("request", "linked_by", "linked_at")
    readonly_fields = fields


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "level", "project", "state", "reported_at")
    list_filter = ("project", "kind", "state", "level")
    search_fields = ("title", "place")
    inlines = [IncidentCallInline, IncidentLinkInline, IncidentEntryInline]

    def has_change_permission(self, request, obj=None):
        return False
