"""The REST API, included under /api/ (schema at /api/schema/, docs at /api/docs/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from billing.api import BillViewSet, EntryViewSet
from community.api import ActivityViewSet, AnnouncementViewSet
from core.views import obtain_auth_token
from desk.api import ACTION_VIEWS, RequestViewSet
from duty.api import AssignmentViewSet, HandoverViewSet, KeyLoanViewSet, LogEntryViewSet, SwapViewSet
from estate.api import HouseholdViewSet, ResidentViewSet, RoomViewSet
from frontdesk.api import PassLookupView
from frontdesk.api_sets import ContractorPassViewSet, ParcelViewSet, PassViewSet, VisitViewSet
from registrations.api import AcceptanceViewSet, LeaseViewSet, MoveInViewSet, TransferViewSet
from renovation.api import RenovationViewSet
from safety.api import FindingViewSet, IncidentViewSet, PointViewSet, RunViewSet
from webhooks.api import DeliveryViewSet, EndpointViewSet

app_name = "api"

router = SimpleRouter()
router.register("requests", RequestViewSet, basename="request")
router.register("rooms", RoomViewSet, basename="room")
router.register("residents", ResidentViewSet, basename="resident")
router.register("households", HouseholdViewSet, basename="household")
router.register("billing/bills", BillViewSet, basename="bill")
router.register("billing/entries", EntryViewSet, basename="entry")
router.register("parcels", ParcelViewSet, basename="parcel")
router.register("visits", VisitViewSet, basename="visit")
router.register("passes", PassViewSet, basename="pass")
router.register("contractor-passes", ContractorPassViewSet, basename="contractor-pass")
router.register("duty/roster", AssignmentViewSet, basename="duty-assignment")
router.register("duty/log", LogEntryViewSet, basename="duty-log")
router.register("duty/key-loans", KeyLoanViewSet, basename="duty-key-loan")
router.register("duty/swaps", SwapViewSet, basename="duty-swap")
router.register("duty/handovers", HandoverViewSet, basename="duty-handover")
router.register("moveins", MoveInViewSet, basename="movein")
router.register("leases", LeaseViewSet, basename="lease")
router.register("transfers", TransferViewSet, basename="transfer")
router.register("handovers", AcceptanceViewSet, basename="handover")
router.register("renovations", RenovationViewSet, basename="renovation")
router.register("announcements", AnnouncementViewSet, basename="announcement")
router.register("activities", ActivityViewSet, basename="activity")
router.register("patrols/runs", RunViewSet, basename="patrol-run")
router.register("patrols/points", PointViewSet, basename="patrol-point")
router.register("patrols/findings", FindingViewSet, basename="patrol-finding")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("webhooks/endpoints", EndpointViewSet, basename="webhook-endpoint")
router.register("webhooks/deliveries", DeliveryViewSet, basename="webhook-delivery")

urlpatterns = [
    path("token/", obtain_auth_token, name="token"),
    # before the router: its passes/{id}/ would take "lookup" for an id
    path("passes/lookup/", PassLookupView.as_view(), name="pass-lookup"),
    *(
        path(f"requests/<int:pk>/{action}/", view.as_view(), name=f"request-{action}")
        for action, view in ACTION_VIEWS.items()
    ),
    *router.urls,
]
