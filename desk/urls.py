from django.urls import path

from desk import job_views, views, views_board

app_name = "desk"
urlpatterns = [
    path("", views.home, name="home"),
    path("desk/", views.workbench, name="workbench"),
    path("board/", views_board.board_page, name="board"),
    path("board/figures/", views_board.board_fragment, name="board-figures"),
    path("requests/", views.request_list, name="list"),
    path("requests/new/", views.intake, name="intake"),
    path("requests/<int:pk>/", views.request_page, name="detail"),
    path("requests/<int:pk>/act/<str:action>/", views.request_act, name="act"),
    path("requests/<int:pk>/call/", job_views.call_caller, name="call"),
    path("attachments/<int:pk>/", views.attachment_file, name="attachment"),
    path("intake/lookup/", views.intake_lookup, name="lookup"),
    path("intake/household/", views.intake_household, name="household"),
    path("intake/suggest/", views.intake_suggest, name="suggest"),
    path("jobs/", views.my_jobs, name="jobs"),
    path("jobs/<int:pk>/<str:action>/", job_views.action_form, name="job-form"),
    path("visits/", views.return_visits, name="visits"),
    path("requests/<int:pk>/assignees/", views_board.assignee_options, name="assignees"),
    path("healthz", views.healthz, name="healthz"),
]
