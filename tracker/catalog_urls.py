"""The catalog's URLs (served from the tracker, see views/catalog.py)."""

from django.urls import path

from .views import catalog

app_name = "catalog"
urlpatterns = [
    path("catalog/", catalog.catalog_index, name="index"),
    path("catalog/<slug:slug>/", catalog.track_detail, name="track"),
    path("skills/<slug:slug>/", catalog.skill_detail, name="skill"),
]
