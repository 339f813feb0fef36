from django.urls import path

from seedbed.library import views

app_name = "library"

urlpatterns = [
    path("", views.index, name="index"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<int:case_id>/", views.case_detail, name="case_detail"),
    path("cases/<int:case_id>/publish/", views.case_publish, name="case_publish"),
    path("cases/<int:case_id>/evidence-level/", views.case_override, name="case_override"),
    path("cases/<int:case_id>/attachments/new/", views.attachment_add, name="attachment_add"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
    path("open-data/cases.json", views.export_json, name="export_json"),
    path("open-data/cases.csv", views.export_csv, name="export_csv"),
    path("open-data/cases.csv-metadata.json", views.export_metadata, name="export_metadata"),
]
