from django.urls import path

from safety import quick, views

app_name = "safety"

urlpatterns = [
    path("", views.home, name="home"),
    path("patrols/", views.patrols, name="patrols"),
    path("routes/<int:pk>/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_page, name="run"),
    path("runs/<int:pk>/finish/", views.run_finish, name="run_finish"),
    path("stops/<int:pk>/check/", views.stop_check, name="stop_check"),
    path("stops/<int:pk>/all-normal/", quick.stop_all_normal, name="stop_all_normal"),
    path("findings/", views.findings, name="findings"),
    path("findings/<int:pk>/request/", views.finding_request, name="finding_request"),
    path("missed/", views.missed, name="missed"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("points/", views.points, name="points"),
    path("points/new/", views.point_edit, name="point_new"),
    path("points/<int:pk>/", views.point_edit, name="point_edit"),
    path("points/print/", views.points_print, name="points_print"),
    path("p/<int:project>/<str:code>/", views.point_go, name="point_go"),
    path("routes/new/", views.route_edit, name="route_new"),
    path("routes/<int:pk>/", views.route_edit, name="route_edit"),
    path("incidents/", views.incidents, name="incidents"),
    path("incidents/new/", views.incident_new, name="incident_new"),
    path("incidents/<int:pk>/", views.incident_page, name="incident"),
    path("incidents/<int:pk>/linkable/", views.incident_linkable, name="incident_linkable"),
    path("incidents/<int:pk>/<str:action>/", views.incident_act, name="incident_act"),
    path("call-trees/", views.call_trees, name="call_trees"),
    path("call-trees/<int:project>/<str:kind>/", views.call_tree_edit, name="call_tree_edit"),
]
