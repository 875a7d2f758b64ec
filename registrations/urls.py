from django.urls import path

from registrations import views

app_name = "registrations"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.record_list, name="list"),
    path("<slug:slug>/new/", views.record_new, name="new"),
    path("<slug:slug>/<int:pk>/", views.record_detail, name="detail"),
    path("<slug:slug>/<int:pk>/act/<str:action>/", views.record_act, name="act"),
    path("<slug:slug>/<int:pk>/pdf/", views.record_pdf, name="pdf"),
]
