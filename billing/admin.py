"""What an administrator sets without a deploy: fee items, their rates from a date, the company's
billing settings and the paid-service price list. Money rows (bills, entries, allocations) are
read-only here: they change only through the services, which keep the audit trail."""

from django.contrib import admin

from billing.models import BillingSettings, FeeItem, FeeRate, PriceListItem


class FeeRateInline(admin.TabularInline):
    model = FeeRate
    extra = 1
    fields = ["project", "building", "room_use", "price", "effective_from"]
    raw_id_fields = ["project", "building"]


@admin.register(FeeItem)
class FeeItemAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "company", "basis", "counts", "meter", "cycle", "periodic", "active", "order"]
    list_filter = ["company", "basis", "active"]
    search_fields = ["name", "code"]
    inlines = [FeeRateInline]


@admin.register(BillingSettings)
class BillingSettingsAdmin(admin.ModelAdmin):
    list_display = ["company", "due_days", "prepay_cap_months", "late_fee_enabled"]


@admin.register(PriceListItem)
class PriceListItemAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "price", "item", "company", "active"]
    list_filter = ["company", "active"]
    search_fields = ["name"]
