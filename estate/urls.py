from django.urls import path

from estate import views

app_name = "estate"

urlpatterns = [
    path("rooms/", views.room_list, name="rooms"),
    path("search/", views.search, name="search"),
    path("rooms/<int:pk>/", views.household, name="household"),
    path("rooms/<int:pk>/edit/", views.room_edit, name="room-edit"),
    path("rooms/<int:pk>/forms/<str:name>/", views.pane, name="pane"),
    path("rooms/<int:pk>/people/add/", views.person_add, name="person-add"),
    path("rooms/<int:pk>/people/<int:resident_pk>/edit/", views.person_edit, name="person-edit"),
    path("rooms/<int:pk>/occupancies/add/", views.occupancy_add, name="occupancy-add"),
    path("rooms/<int:pk>/occupancies/<int:occ_pk>/end/", views.occupancy_end, name="occupancy-end"),
    path("rooms/<int:pk>/vehicles/add/", views.vehicle_add, name="vehicle-add"),
    path("rooms/<int:pk>/vehicles/<int:vehicle_pk>/end/", views.vehicle_end, name="vehicle-end"),
    path("rooms/<int:pk>/parking/add/", views.parking_add, name="parking-add"),
    path("rooms/<int:pk>/pets/add/", views.pet_add, name="pet-add"),
    path("rooms/<int:pk>/pets/<int:pet_pk>/", views.pet_update, name="pet-update"),
    path("rooms/<int:pk>/notes/add/", views.note_add, name="note-add"),
]
