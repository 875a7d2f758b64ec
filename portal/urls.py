from django.urls import path

from portal import views, views_community, views_household

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
    path("home/", views_household.household, name="household"),
    path("home/passes/<int:pk>/confirm/", views_household.confirm_pass, name="confirm-pass"),
    path("parcels/", views.parcels, name="parcels"),
    path("visitors/", views.visitors, name="visitors"),
    path("visitors/<int:pk>/qr.svg", views.visitor_qr, name="visitor-qr"),
    path("notices/", views.notices, name="notices"),
    # my household (views_household.py)
    path("home/people/add/", views_household.person_add, name="person-add"),
    path("home/people/<int:pk>/end/", views_household.person_end, name="person-end"),
    path("home/leases/<int:pk>/confirm/", views_household.lease_confirm, name="lease-confirm"),
    path("home/vehicles/add/", views_household.vehicle_add, name="vehicle-add"),
    path("home/vehicles/<int:pk>/end/", views_household.vehicle_end, name="vehicle-end"),
    path("home/pets/add/", views_household.pet_add, name="pet-add"),
    path("home/pets/<int:pk>/end/", views_household.pet_end, name="pet-end"),
    path("passes/", views_household.passes, name="passes"),
    path("renovation/", views_household.renovations, name="renovations"),
    path("renovation/new/", views_household.renovation_new, name="renovation-new"),
    path("renovation/<int:pk>/", views_household.renovation_page, name="renovation"),
    # community (views_community.py)
    path("notices/<int:pk>/", views_community.notice, name="notice"),
    path("activities/", views_community.activities, name="activities"),
    path("activities/<int:pk>/", views_community.activity, name="activity"),
    path("activities/<int:pk>/signup/", views_community.signup, name="activity-signup"),
    path("signups/<int:pk>/cancel/", views_community.signup_cancel, name="signup-cancel"),
]

# ---------------------------------------------------------------- money, messages and notification choices
from portal import views_inbox, views_money, views_prefs  # noqa: E402

urlpatterns += [
    path("bills/", views_money.bills, name="bills"),
    path("bills/paid/", views_money.bills_paid, name="bills-paid"),
    path("bills/pay/", views_money.pay, name="pay"),
    path("payments/<int:pk>/", views_money.payment, name="payment"),
    path("payments/<int:pk>/pay/", views_money.sim_pay, name="sim-pay"),
    path("payments/<int:pk>/receipt.pdf", views_money.receipt, name="receipt"),
    path("settings/notices/", views_prefs.notice_settings, name="notice-settings"),
    path("inbox/", views_inbox.inbox, name="inbox"),
    path("inbox/<int:pk>/", views_inbox.inbox_open, name="inbox-open"),
    path("inbox/read/", views_inbox.inbox_read, name="inbox-read"),
]
