from django.urls import path

from frontdesk import api, calls, views

app_name = "frontdesk"

urlpatterns = [
    path("", views.home, name="home"),
    path("parcels/", views.parcels, name="parcels"),
    path("parcels/collect/", views.parcel_collect, name="parcel-collect"),
    path("parcels/overdue/", views.parcels_overdue, name="overdue"),
    path("parcels/<int:pk>/", views.parcel_page, name="parcel"),
    path("parcels/<int:pk>/sign/", views.parcel_sign, name="parcel-sign"),
    path("parcels/<int:pk>/return/", views.parcel_return, name="parcel-return"),
    path("rooms/<int:room_id>/parcels/", views.room_parcels, name="room-parcels"),
    path("visitors/", views.visitors, name="visitors"),
    path("visitors/<int:pk>/leave/", views.visit_leave, name="visit-leave"),
    path("visitors/<int:pk>/cancel/", views.visit_cancel, name="visit-cancel"),
    path("contractors/", views.contractors, name="contractors"),
    path("contractors/<int:pk>/revoke/", views.contractor_revoke, name="contractor-revoke"),
    path("gate/", views.gate, name="gate"),
    path("gate/admit/", views.gate_admit, name="gate-admit"),
    path("gate/pass/", views.gate_pass, name="gate-pass"),
    path("passes/", views.passes, name="passes"),
    path("passes/new/", views.pass_new, name="pass-new"),
    path("passes/applicants/", views.pass_applicants, name="pass-applicants"),
    path("passes/week/", views.passes_week, name="passes-week"),
    path("passes/<int:pk>/", views.pass_page, name="pass"),
    path("passes/<int:pk>/verify/", views.pass_verify, name="pass-verify"),
    path("passes/<int:pk>/confirm/", views.pass_confirm, name="pass-confirm"),
    path("passes/<int:pk>/call/<int:resident>/", calls.call_owner, name="pass-call-owner"),
    path("passes/<int:pk>/arrears/", views.pass_override_arrears, name="pass-override-arrears"),
    path("me/", views.mine, name="mine"),
    path("api/parcels/", api.ParcelsView.as_view(), name="api-parcels"),
    path("api/parcels/collect/", api.ParcelCollectView.as_view(), name="api-parcel-collect"),
    path("api/visits/admit/", api.VisitAdmitView.as_view(), name="api-visit-admit"),
    path("api/passes/", api.PassApplyView.as_view(), name="api-passes"),
    path("api/passes/lookup/", api.PassLookupView.as_view(), name="api-pass-lookup"),
]
