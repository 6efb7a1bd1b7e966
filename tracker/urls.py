from django.urls import path

from .views import dashboard, progress

app_name = "tracker"
urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/reset/<slug:slug>/", progress.track_reset, name="track-reset"),
    path("progress/<slug:slug>/", progress.progress_update, name="progress"),
    path("progress/<slug:slug>/note/", progress.note_edit, name="note"),
    path("progress/<slug:slug>/links/", progress.link_add, name="link-add"),
    path("progress/<slug:slug>/links/<int:pk>/delete/", progress.link_delete, name="link-delete"),
]
