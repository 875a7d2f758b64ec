from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("signin/", views.signin, name="signin"),
    path("signout/", views.signout, name="signout"),
    path("room/", views.switch_room, name="room"),
    path("requests/", views.requests, name="requests"),
    path("requests/new/", views.report, name="report"),
    path("requests/<int:pk>/", views.request_page, name="request"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("home/", views.household, name="household"),
    path("home/passes/<int:pk>/confirm/", views.confirm_pass, name="confirm-pass"),
    path("parcels/", views.parcels, name="parcels"),
    path("visitors/", views.visitors, name="visitors"),
    path("visitors/<int:pk>/qr.svg", views.visitor_qr, name="visitor-qr"),
    path("notices/", views.notices, name="notices"),
]

# ---------------------------------------------------------------- money and notification choices (helper "pmoney")
from portal import views_money, views_prefs  # noqa: E402

urlpatterns += [
    path("bills/", views_money.bills, name="bills"),
    path("bills/paid/", views_money.bills_paid, name="bills-paid"),
    path("bills/pay/", views_money.pay, name="pay"),
    path("payments/<int:pk>/", views_money.payment, name="payment"),
    path("payments/<int:pk>/pay/", views_money.sim_pay, name="sim-pay"),
    path("payments/<int:pk>/receipt.pdf", views_money.receipt, name="receipt"),
    path("settings/notices/", views_prefs.notice_settings, name="notice-settings"),
]
