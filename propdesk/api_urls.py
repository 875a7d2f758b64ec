"""The REST API, included under /api/ (schema at /api/schema/, docs at /api/docs/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from billing.api import BillViewSet, EntryViewSet
from core.views import obtain_auth_token
from desk.api import ACTION_VIEWS, RequestViewSet
from estate.api import HouseholdViewSet, ResidentViewSet, RoomViewSet

app_name = "api"

router = SimpleRouter()
router.register("requests", RequestViewSet, basename="request")
router.register("rooms", RoomViewSet, basename="room")
router.register("residents", ResidentViewSet, basename="resident")
router.register("households", HouseholdViewSet, basename="household")
router.register("billing/bills", BillViewSet, basename="bill")
router.register("billing/entries", EntryViewSet, basename="entry")

urlpatterns = [
    path("token/", obtain_auth_token, name="token"),
    *(
        path(f"requests/<int:pk>/{action}/", view.as_view(), name=f"request-{action}")
        for action, view in ACTION_VIEWS.items()
    ),
    *router.urls,
]
