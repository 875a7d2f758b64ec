from django import forms
from django.contrib import admin

from webhooks import addresses
from webhooks.models import Delivery, Endpoint


class EndpointAdminForm(forms.ModelForm):
    class Meta:
        model = Endpoint
        fields = ("company", "name", "url", "events", "active")

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            addresses.check_url(url)  # refused as on the pages: never a private address
        except addresses.UnsafeAddress as exc:
            raise forms.ValidationError(str(exc)) from None
        return url


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointAdminForm
    list_display = ("name", "company", "url", "active", "consecutive_failures", "disabled_at")
    list_filter = ("active", "company")
    readonly_fields = ("consecutive_failures", "disabled_at", "disabled_reason", "created_at", "updated_at")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("pk", "endpoint", "event", "status", "attempts", "response_code", "created_at")
    list_filter = ("status", "event")
    readonly_fields = [f.name for f in Delivery._meta.fields]
