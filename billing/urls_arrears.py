"""The arrears side of the money pages (see billing/urls.py)."""

urlpatterns: list = []
