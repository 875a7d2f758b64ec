from collections.abc import Callable

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin  # importing it registers axes' admin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from core.audit import audit_signin
from core.language import forget_company_language
from core.models import (
    AuditEntry,
    CalendarDay,
    CalendarYear,
    Company,
    Department,
    ExportRecord,
    Notification,
    NotificationProfile,
    NotificationTemplate,
    PrivacySettings,
    Project,
    PurgeRecord,
    RevealLog,
    User,
    WorkSchedule,
)

# What a company added here starts with, installed by the apps that own it (e.g. desk's default
# time limits, desk/admin.py): core imports nothing above it.
_NEW_COMPANY_HOOKS: list[Callable[[Company], object]] = []


def register_new_company_setup(setup: Callable[[Company], object]) -> None:
    """Call `setup(company)` after a company is added through the admin."""
    if setup not in _NEW_COMPANY_HOOKS:
        _NEW_COMPANY_HOOKS.append(setup)


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "language")
    search_fields = ("name", "code")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        forget_company_language(obj.pk)
        if not change:
            for setup in _NEW_COMPANY_HOOKS:
                setup(obj)


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "company", "phone")
    list_filter = ("company",)
    search_fields = ("name", "code")
    inlines = [DepartmentInline]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "project")
    list_filter = ("kind", "project")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "company", "department", "is_active")
    list_filter = ("role", "company", "is_active")
    search_fields = ("username", "display_name", "phone")
    filter_horizontal = ("projects", "groups", "user_permissions")
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("物业岗位"), {"fields": ("display_name", "phone", "role", "company", "department", "projects", "language")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("物业岗位"), {"fields": ("display_name", "role", "company", "department", "projects")}),
    )


class AuditedAdmin(admin.ModelAdmin):
    """Every change made through the admin is written to the change log (AuditEntry)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changes = {name: str(form.cleaned_data.get(name)) for name in form.changed_data}
        AuditEntry.objects.create(
            actor=request.user,
            object_type=obj._meta.label,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            action="change" if change else "add",
            changes=changes,
        )
        if obj._meta.app_label == "core":
            from core import calendar

            calendar.clear_cache()

    def delete_model(self, request, obj):
        AuditEntry.objects.create(
            actor=request.user,
            object_type=obj._meta.label,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            action="delete",
            changes={},
        )
        super().delete_model(request, obj)


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    list_display = ("date", "kind", "name", "source")
    list_filter = ("kind", "source")
    date_hierarchy = "date"
    search_fields = ("name",)

    def changelist_view(self, request, extra_context=None):
        from django.contrib import messages

        from core.calendar import missing_years

        missing = missing_years()
        if missing:
            messages.warning(
                request,
                _(
                    "节假日表缺少 %(years)s 年的数据：在录入之前，这些年份按周一至周五计算工作日。录入后请在“已录入年份”中登记该年。"
                )
                % {"years": "、".join(map(str, missing))},
            )
        return super().changelist_view(request, extra_context)


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedAdmin):
    list_display = ("year", "source", "loaded_at")
    actions = ["load_from_package"]

    @admin.action(description=_("从 chinesecalendar 软件包重新载入所选年份"))
    def load_from_package(self, request, queryset):
        from core.calendar import seed_from_package

        loaded = seed_from_package([row.year for row in queryset])
        self.message_user(request, _("已载入：%(years)s") % {"years": loaded or "—"})


@admin.register(WorkSchedule)
class WorkScheduleAdmin(AuditedAdmin):
    list_display = ("project", "start", "lunch_start", "lunch_end", "end")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "object_type", "object_repr", "action")
    list_filter = ("object_type", "action")
    readonly_fields = ("at", "actor", "object_type", "object_id", "object_repr", "action", "changes")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "title", "read_at")
    raw_id_fields = ("user",)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows people read and nobody edits here: logs, and history that changes only through the
    app's own pages (which keep the record of who did what). Such tables grow large: the change
    list does not count the whole table on every page."""

    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """A record's history shown under it, read-only."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RevealLog)
class RevealLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "kind", "object_type", "object_repr", "field", "ip")
    list_filter = ("kind", "object_type")
    search_fields = ("user__username", "user__display_name", "object_repr")
    date_hierarchy = "at"


@admin.register(ExportRecord)
class ExportRecordAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "what", "rows")
    list_filter = ("what",)
    readonly_fields = ("at", "user", "what", "filters", "rows")
    date_hierarchy = "at"


@admin.register(PurgeRecord)
class PurgeRecordAdmin(ReadOnlyAdmin):
    list_display = ("at", "company", "code", "before", "rows")
    list_filter = ("code",)
    date_hierarchy = "at"


@admin.register(PrivacySettings)
class PrivacySettingsAdmin(AuditedAdmin):
    list_display = ("company", "visitor_retention_days")


# ------------------------------------------------------------------ sign-in lockouts (django-axes)
# Failed sign-ins per account and address (访问尝试), and successful ones (访问日志). Deleting an
# attempt lifts its lockout at once; who lifted which is written to the change log.

if admin.site.is_registered(AccessAttempt):

    class AccessAttemptAdmin(AxesAccessAttemptAdmin):
        def _record_lifted(self, request, attempts):
            for attempt in attempts:
                audit_signin(
                    action="lockout_lifted",
                    username=attempt.username or "",
                    ip=attempt.ip_address,
                    path=request.path,
                    actor=request.user,
                    data={"failures": attempt.failures_since_start},
                )

        def delete_model(self, request, obj):
            self._record_lifted(request, [obj])
            super().delete_model(request, obj)

        def delete_queryset(self, request, queryset):
            self._record_lifted(request, list(queryset))
            super().delete_queryset(request, queryset)

    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, AccessAttemptAdmin)


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    """What each event says per channel and language (core.notify.render); Django template syntax."""

    list_display = ("event", "channel", "language", "subject", "provider_template")
    list_filter = ("event", "channel", "language")
    search_fields = ("event", "subject", "body")


@admin.register(NotificationProfile)
class NotificationProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "quiet_start", "quiet_end")
    search_fields = ("user__username", "user__display_name")
    raw_id_fields = ("user",)
