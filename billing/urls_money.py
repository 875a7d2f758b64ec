"""The cashier side of the money pages (see billing/urls.py)."""

from django.urls import path

from billing import views_money as v

urlpatterns: list = [
    path("account/<int:pk>/", v.account, name="account"),
    path("account/<int:pk>/pay/", v.account_pay, name="account-pay"),
    path("account/<int:pk>/refund/", v.account_refund, name="account-refund"),
    path("account/<int:pk>/charge/", v.account_charge, name="account-charge"),
    path("account/<int:pk>/relief/", v.account_relief, name="account-relief"),
    path("reliefs/<int:pk>/decide/", v.relief_decide, name="relief-decide"),
    path("entries/<int:pk>/reverse/", v.entry_reverse, name="entry-reverse"),
    path("entries/<int:pk>/invoice/", v.entry_invoice, name="entry-invoice"),
    path("entries/<int:pk>/receipt.pdf", v.receipt_pdf, name="receipt"),
    path("cashier/", v.cashier, name="cashier"),
    path("cashier/days/<int:pk>/close/", v.day_close, name="day-close"),
    path("runs/", v.runs, name="runs"),
    path("runs/new/", v.run_new, name="run-new"),
    path("runs/<int:pk>/", v.run_detail, name="run"),
    path("runs/<int:pk>/progress/", v.run_progress, name="run-progress"),
    path("runs/<int:pk>/reverse/", v.run_reverse, name="run-reverse"),
    path("runs/<int:pk>/resume/", v.run_resume, name="run-resume"),
    path("rates/", v.rates, name="rates"),
    path("readings/", v.readings, name="readings"),
    path("pay/<str:ref>/", v.sim_pay, name="sim-pay"),
    path("gateway/<str:method>/notify/", v.gateway_notify, name="gateway-notify"),
]
