from django.urls import path

from . import views

urlpatterns = [
    path("account/profile/", views.profile_edit, name="profile"),
    path("account/export.json", views.export_json, name="account-export-json"),
    path("account/export.csv", views.export_csv, name="account-export-csv"),
    path("account/import/", views.import_data, name="account-import"),
    path("account/delete/", views.delete_account, name="account-delete"),
    path("mail/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
