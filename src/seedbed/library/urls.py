from django.urls import path

from seedbed.library.views import attachment, case, opendata

app_name = "library"

urlpatterns = [
    path("", case.index, name="index"),
    path("cases/new/", case.case_create, name="case_create"),
    path("cases/<int:case_id>/", case.case_detail, name="case_detail"),
    path("cases/<int:case_id>/publish/", case.case_publish, name="case_publish"),
    path("cases/<int:case_id>/evidence-level/", case.case_override, name="case_override"),
    path("cases/<int:case_id>/attachments/new/", attachment.attachment_add, name="attachment_add"),
    path("attachments/<int:attachment_id>/", attachment.attachment_download, name="attachment_download"),
    path("open-data/cases.json", opendata.export_json, name="export_json"),
    path("open-data/cases.csv", opendata.export_csv, name="export_csv"),
    path("open-data/cases.csv-metadata.json", opendata.export_metadata, name="export_metadata"),
]
