from django.urls import path, re_path

from .views import account, dashboard, mentor, mentor_dashboard, mentors, progress, projects

app_name = "tracker"
urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/reset/<slug:slug>/", progress.track_reset, name="track-reset"),
    path("progress/<slug:slug>/", progress.progress_update, name="progress"),
    path("progress/<slug:slug>/note/", progress.note_edit, name="note"),
    path("progress/<slug:slug>/links/", progress.link_add, name="link-add"),
    path("progress/<slug:slug>/links/<int:pk>/delete/", progress.link_delete, name="link-delete"),
    path("progress/<slug:slug>/evidence/", projects.evidence_attach, name="evidence"),
    path("projects/", projects.project_list, name="projects"),
    path("projects/new/", projects.project_new, name="project-new"),
    path("projects/rows/<slug:prefix>/", projects.formset_row, name="project-row"),
    path(
        "projects/rows/<slug:prefix>/removed/",
        projects.formset_row_removed,
        name="project-row-removed",
    ),
    path("projects/<int:pk>/", projects.project_detail, name="project"),
    path("projects/<int:pk>/edit/", projects.project_edit, name="project-edit"),
    path("projects/<int:pk>/delete/", projects.project_delete, name="project-delete"),
    re_path(
        r"^projects/(?P<pk>[0-9]+)/images/(?P<image_id>[0-9]+)/(?P<variant>full|thumb)/$",
        projects.project_image,
        name="project-image",
    ),
    path(
        "projects/<int:pk>/images/<int:image_id>/delete/",
        projects.project_image_delete,
        name="project-image-delete",
    ),
    # The learner's side of mentoring.
    path("mentors/", mentors.mentors_page, name="mentors"),
    path("mentors/invites/", mentors.invite_new, name="invite-new"),
    path("mentors/invites/<int:pk>/revoke/", mentors.invite_revoke, name="invite-revoke"),
    path("mentors/accept/<str:token>/", mentors.invite_accept, name="invite-accept"),
    path("mentors/<int:pk>/revoke/", mentors.mentorship_revoke, name="mentorship-revoke"),
    path("mentors/<int:pk>/sharing/", mentors.mentorship_sharing, name="mentorship-sharing"),
    path("feedback/<int:pk>/reply/", mentors.feedback_reply, name="feedback-reply"),
    # The mentor's side.
    path("mentor/", mentor_dashboard.mentor_dashboard, name="mentor-dashboard"),
    path("mentor/export.csv", mentor_dashboard.mentor_export_csv, name="mentor-export"),
    path("mentor/<str:username>/", mentor.mentee_view, name="mentee"),
    path("mentor/<str:username>/feedback/", mentor.feedback_new, name="mentee-feedback"),
    path("mentor/<str:username>/verify/<slug:slug>/", mentor.verify, name="mentee-verify"),
    path("mentor/<str:username>/notes/", mentor.mentor_note, name="mentee-note"),
    path("u/<str:username>/", projects.portfolio, name="portfolio"),
    path("account/profile/", projects.profile_edit, name="profile"),
    path("account/export.json", account.export_json, name="account-export-json"),
    path("account/export.csv", account.export_csv, name="account-export-csv"),
    path("account/import/", account.import_data, name="account-import"),
    path("account/delete/", account.delete_account, name="account-delete"),
]
