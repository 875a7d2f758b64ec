from django.urls import path

from community import views

app_name = "community"

urlpatterns = [
    path("", views.index, name="index"),
    path("announcements/", views.announcement_list, name="announcements"),
    path("announcements/new/", views.announcement_create, name="announcement-new"),
    path("announcements/<int:pk>/", views.announcement_detail, name="announcement"),
    path("announcements/<int:pk>/edit/", views.announcement_edit, name="announcement-edit"),
    path("announcements/<int:pk>/notice.pdf", views.announcement_pdf, name="announcement-pdf"),
    path("announcements/<int:pk>/<str:action>/", views.announcement_act, name="announcement-act"),
    path("my/", views.my_home, name="my"),
    path("my/announcements/<int:pk>/", views.my_announcement, name="my-announcement"),
    path("my/activities/<int:pk>/", views.my_activity, name="my-activity"),
    path("my/activities/<int:pk>/signup/", views.my_signup, name="my-signup"),
    path("my/signups/<int:pk>/cancel/", views.my_signup_cancel, name="my-signup-cancel"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/new/", views.activity_create, name="activity-new"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("activities/<int:pk>/<str:action>/", views.activity_act, name="activity-act"),
    path("signups/<int:pk>/<str:action>/", views.signup_act, name="signup-act"),
    path("photos/<int:pk>/", views.photo_file, name="photo"),
    path("visits/", views.visit_list, name="visits"),
    path("visits/new/", views.visit_form, name="visit-new"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/edit/", views.visit_form, name="visit-edit"),
    path("visits/<int:pk>/<str:action>/", views.visit_act, name="visit-act"),
    path("phrases/", views.phrase_library, name="phrases"),
    path("phrases/new/", views.phrase_form, name="phrase-new"),
    path("phrases/panel/", views.phrase_panel, name="phrase-panel"),
    path("phrases/<int:pk>/edit/", views.phrase_form, name="phrase-edit"),
]
