from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from core.models import Company, Department, Project, User


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


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
        (_("物业岗位"), {"fields": ("display_name", "phone", "role", "company", "department", "projects")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("物业岗位"), {"fields": ("display_name", "role", "company", "department", "projects")}),
    )
