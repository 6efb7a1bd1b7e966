from django.urls import path, re_path

from . import views

urlpatterns = [
    path("progress/<slug:slug>/evidence/", views.evidence_attach, name="evidence"),
    path("projects/", views.project_list, name="projects"),
    path("projects/new/", views.project_new, name="project-new"),
    path("projects/rows/<slug:prefix>/", views.formset_row, name="project-row"),
    path(
        "projects/rows/<slug:prefix>/removed/",
        views.formset_row_removed,
        name="project-row-removed",
    ),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project-edit"),
    path("projects/<int:pk>/delete/", views.project_delete, name="project-delete"),
    re_path(
        r"^projects/(?P<pk>[0-9]+)/images/(?P<image_id>[0-9]+)/(?P<variant>full|thumb)/$",
        views.project_image,
        name="project-image",
    ),
    path(
        "projects/<int:pk>/images/<int:image_id>/delete/",
        views.project_image_delete,
        name="project-image-delete",
    ),
    path("u/<str:username>/", views.portfolio, name="portfolio"),
]
