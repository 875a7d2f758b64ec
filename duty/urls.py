from django.urls import path

from duty import views

app_name = "duty"
urlpatterns = [
    path("", views.home, name="home"),
    path("p/<int:project_id>/", views.board, name="board"),
    path("p/<int:project_id>/roster/", views.roster, name="roster"),
    path("p/<int:project_id>/roster/assign/", views.roster_assign, name="assign"),
    path("p/<int:project_id>/setup/", views.setup, name="setup"),
    path("p/<int:project_id>/log/", views.log, name="log"),
    path("p/<int:project_id>/keys/", views.keys, name="keys"),
    path("p/<int:project_id>/handovers/", views.handover_list, name="handovers"),
    path("assignments/<int:pk>/remove/", views.assignment_remove, name="assignment-remove"),
    path("assignments/<int:pk>/swap/", views.swap_new, name="swap-new"),
    path("swaps/<int:pk>/<str:decision>/", views.swap_decide, name="swap-decide"),
    path("loans/<int:pk>/return/", views.key_return, name="key-return"),
    path("handovers/<int:pk>/", views.handover_page, name="handover"),
    path("handovers/<int:pk>/<str:action>/", views.handover_act, name="handover-act"),
    path("items/<int:pk>/answer/", views.item_answer, name="item-answer"),
    path("handovers/<int:pk>/print/pdf/", views.handover_pdf, name="handover-pdf"),
]
