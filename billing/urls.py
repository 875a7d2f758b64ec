"""The money side's pages. Two lists, kept by the two halves of the app: the cashier's side
(accounts, billing runs, payments, receipts, day close) and the arrears side (ledger, notices,
dunning, plans, figures)."""

from billing.urls_arrears import urlpatterns as arrears_urls
from billing.urls_money import urlpatterns as money_urls

app_name = "billing"
urlpatterns = [*money_urls, *arrears_urls]
