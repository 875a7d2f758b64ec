from django.urls import path

from importer import views

app_name = "importer"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.session_detail, name="session"),
    path("<int:pk>/map/", views.session_map, name="map"),
    path("<int:pk>/progress/", views.session_progress, name="progress"),
    path("<int:pk>/counts/", views.session_counts, name="counts"),
    path("<int:pk>/rows/", views.session_rows, name="rows"),
    path("<int:pk>/commit/", views.session_commit, name="commit"),
    path("row/<int:pk>/cell/<str:field>/", views.row_cell, name="cell"),
    path("row/<int:pk>/skip/", views.row_skip, name="skip"),
    path("template/<str:kind>.xlsx", views.template_download, name="template"),
    path("export/requests.xlsx", views.export_requests, name="export-requests"),
    path("export/<str:what>.xlsx", views.export_estate, name="export-estate"),
]
