"""The curriculum's pages, under the `catalog:` names (see browse.py)."""

from django.urls import path

from . import browse, paths

app_name = "catalog"
urlpatterns = [
    path("catalog/", browse.catalog_index, name="index"),
    path("catalog/<slug:slug>/", browse.track_detail, name="track"),
    path("catalog/<slug:slug>/map/", browse.track_map, name="track-map"),
    path("skills/<slug:slug>/", browse.skill_detail, name="skill"),
    path("paths/", paths.path_index, name="paths"),
    path("paths/<slug:slug>/", paths.path_detail, name="path"),
    path("paths/<slug:slug>/map/", paths.path_map, name="path-map"),
]
