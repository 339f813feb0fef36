from django.urls import path

from seedbed.participation.views import contributions, data, email, engagement, handling, themes

app_name = "participation"

urlpatterns = [
    path("", contributions.index, name="index"),
    path("needs/new/", contributions.need_new, name="need_new"),
    path("ideas/new/", contributions.idea_new, name="idea_new"),
    path("yours/", contributions.mine, name="mine"),
    path("email/sent/", contributions.email_sent, name="email_sent"),
    path("email/confirm/<str:token>/", email.email_confirm, name="email_confirm"),
    path("email/access/<str:token>/", email.email_access, name="email_access"),
    path("email/your-data/", email.email_data, name="email_data"),
    path("email/your-data/download.json", email.email_data_download, name="email_data_download"),
    path("email/your-data/delete/", email.email_data_erase, name="email_data_erase"),
    path("<int:contribution_id>/", contributions.detail, name="detail"),
    path("<int:contribution_id>/support/", engagement.support, name="support"),
    path("<int:contribution_id>/follow/", engagement.follow, name="follow"),
    path("<int:contribution_id>/comment/", engagement.comment, name="comment"),
    path("<int:contribution_id>/report/", engagement.report, name="report"),
    path("<int:contribution_id>/status/", handling.status_set, name="status_set"),
    path("<int:contribution_id>/merge/", handling.merge, name="merge"),
    path("<int:contribution_id>/hide/", handling.hide, name="hide"),
    path("reports/<int:report_id>/dismiss/", handling.report_dismiss, name="report_dismiss"),
    path("moderation/", handling.moderation, name="moderation"),
    path("themes/", themes.themes, name="themes"),
    path("themes/refresh/", themes.themes_refresh, name="themes_refresh"),
    path("notifications/", data.notifications, name="notifications"),
    path("your-data/", data.your_data, name="your_data"),
    path("your-data/download.json", data.your_data_download, name="your_data_download"),
    path("open-data/", data.open_data, name="open_data"),
    path("open-data/voices.csv", data.export_csv, name="export_csv"),
    path("open-data/voices.csv-metadata.json", data.export_csv_metadata, name="export_csv_metadata"),
    path("open-data/voices.json", data.export_json, name="export_json"),
]
