"""The arrears side of the money pages (see billing/urls.py)."""

from django.urls import path

from billing import views_arrears as v

urlpatterns = [
    path("arrears/", v.arrears_index, name="arrears"),
    path("arrears/<int:project_id>/", v.arrears_project, name="arrears-project"),
    path("arrears/<int:project_id>/export.xlsx", v.arrears_export, name="arrears-export"),
    path("arrears/<int:project_id>/lobby/", v.lobby_notice, name="lobby-notice"),
    path("arrears/<int:project_id>/lobby.pdf", v.lobby_notice_pdf, name="lobby-notice-pdf"),
    path(
        "arrears/<int:project_id>/buildings/<int:building_id>/notices.pdf",
        v.notice_building_pdf,
        name="notice-building-pdf",
    ),
    path("arrears/rooms/<int:room_id>/", v.arrears_room, name="arrears-room"),
    path("arrears/rooms/<int:room_id>/dun/", v.arrears_dun, name="arrears-dun"),
    path("arrears/rooms/<int:room_id>/bills/<int:bill_id>/dispute/", v.arrears_dispute, name="arrears-dispute"),
    path("arrears/rooms/<int:room_id>/bills/<int:bill_id>/settle/", v.arrears_settle, name="arrears-settle"),
    path("arrears/rooms/<int:room_id>/plan/", v.arrears_plan, name="arrears-plan"),
    path("arrears/rooms/<int:room_id>/plan/<int:plan_id>/cancel/", v.arrears_plan_cancel, name="arrears-plan-cancel"),
    path("arrears/rooms/<int:room_id>/notice.pdf", v.notice_room_pdf, name="notice-room-pdf"),
    path("arrears/rooms/<int:room_id>/letter.pdf", v.letter_pdf, name="letter-pdf"),
    path("requests/<int:pk>/charge/", v.repair_charge, name="repair-charge"),
    path("figures/", v.figures_index, name="figures-index"),
    path("figures/<int:project_id>/", v.figures_page, name="figures"),
    path("finance/<int:project_id>/", v.finance_month, name="finance-month"),
    path("finance/<int:project_id>/ledger.xlsx", v.finance_ledger_export, name="finance-ledger"),
]
