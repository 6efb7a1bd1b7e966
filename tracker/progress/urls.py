from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("goal/", views.goal, name="goal"),
    path("goal/known/", views.goal_known, name="goal-known"),
    path("dashboard/reset/<slug:slug>/", views.track_reset, name="track-reset"),
    path("progress/<slug:slug>/", views.progress_update, name="progress"),
    path("progress/<slug:slug>/note/", views.note_edit, name="note"),
    path("progress/<slug:slug>/links/", views.link_add, name="link-add"),
    path("progress/<slug:slug>/links/<int:pk>/delete/", views.link_delete, name="link-delete"),
    path("progress/<slug:slug>/resources/<int:pk>/", views.resource_used, name="resource-used"),
]
