from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="list"),
    path("new/", views.endpoint_new, name="new"),
    path("<int:pk>/", views.endpoint_detail, name="detail"),
    path("<int:pk>/edit/", views.endpoint_edit, name="edit"),
    path("<int:pk>/disable/", views.endpoint_disable_view, name="disable"),
    path("<int:pk>/enable/", views.endpoint_enable_view, name="enable"),
    path("<int:pk>/rotate/", views.endpoint_rotate_view, name="rotate"),
    path("<int:pk>/ping/", views.endpoint_ping_view, name="ping"),
    path("<int:pk>/delete/", views.endpoint_delete_view, name="delete"),
    path("delivery/<int:pk>/", views.delivery_detail, name="delivery"),
    path("delivery/<int:pk>/redeliver/", views.redeliver_view, name="redeliver"),
]
