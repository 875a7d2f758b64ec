from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import errorpages, preferences
from core import views as core_views

urlpatterns = [
    path("", include("desk.urls")),
    path("", include("quality.urls")),
    path("estate/", include("estate.urls")),
    path("billing/", include("billing.urls")),
    path("registrations/", include("registrations.urls")),
    path("renovation/", include("renovation.urls")),
    path("import/", include("importer.urls")),
    path("frontdesk/", include("frontdesk.urls")),
    path("duty/", include("duty.urls")),
    path("safety/", include("safety.urls")),
    path("community/", include("community.urls")),
    path("my/", include("portal.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("inbox/", core_views.inbox, name="inbox"),
    path("inbox/read/", core_views.inbox_read, name="inbox-read"),
    path("inbox/deliveries/", core_views.deliveries, name="deliveries"),
    path("privacy/reveal/<str:label>/<str:pk>/<str:field>/", core_views.privacy_reveal, name="privacy-reveal"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The navbar's language switch: Django's view, keeping a signed-in user's choice on the account.
    path("i18n/setlang/", preferences.set_language, name="set_language"),
    path("preferences/", preferences.preferences, name="preferences"),
    path("admin/", admin.site.urls),
    path("api/", include("propdesk.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

# Refused and failed pages are pages of the product (core/errorpages.py), not Django's bare text.
handler400 = errorpages.bad_request
handler403 = errorpages.permission_denied
handler404 = errorpages.page_not_found
handler500 = errorpages.server_error
