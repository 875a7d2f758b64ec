from django.urls import path

from renovation import views

app_name = "renovation"

urlpatterns = [
    path("", views.renovation_list, name="list"),
    path("new/", views.renovation_new, name="apply"),
    path("<int:pk>/", views.renovation_detail, name="detail"),
    path("<int:pk>/resubmit/", views.renovation_resubmit_view, name="resubmit"),
    path("<int:pk>/inspect/", views.renovation_inspect_view, name="inspect"),
    path("<int:pk>/act/<str:action>/", views.renovation_act, name="act"),
    path("<int:pk>/permit.pdf", views.permit_pdf, name="permit"),
    path("<int:pk>/passes.pdf", views.passes_pdf, name="passes"),
    path("file/<int:pk>/", views.renovation_file, name="file"),
]
