from django.urls import path

from . import mentor_dashboard, mentor_views, verify_views, views

urlpatterns = [
    # The learner's side.
    path("mentors/", views.mentors_page, name="mentors"),
    path("mentors/invites/", views.invite_new, name="invite-new"),
    path("mentors/invites/send/", views.invite_send, name="invite-send"),
    path("mentors/invites/<int:pk>/revoke/", views.invite_revoke, name="invite-revoke"),
    path("mentors/accept/<str:token>/", views.invite_accept, name="invite-accept"),
    path("mentors/<int:pk>/revoke/", views.mentorship_revoke, name="mentorship-revoke"),
    path("mentors/<int:pk>/sharing/", views.mentorship_sharing, name="mentorship-sharing"),
    path("feedback/<int:pk>/reply/", views.feedback_reply, name="feedback-reply"),
    # The mentor's side.
    path("mentor/", mentor_dashboard.mentor_dashboard, name="mentor-dashboard"),
    path("mentor/export.csv", mentor_dashboard.mentor_export_csv, name="mentor-export"),
    path("mentor/<str:username>/", mentor_views.mentee_view, name="mentee"),
    path("mentor/<str:username>/feedback/", mentor_views.feedback_new, name="mentee-feedback"),
    path(
        "mentor/<str:username>/skills/<slug:slug>/", verify_views.mentee_skill, name="mentee-skill"
    ),
    path("mentor/<str:username>/verify/<slug:slug>/", verify_views.verify, name="mentee-verify"),
    path(
        "mentor/<str:username>/unverify/<slug:slug>/",
        verify_views.unverify,
        name="mentee-unverify",
    ),
    path("mentor/<str:username>/notes/", mentor_views.mentor_note, name="mentee-note"),
]
