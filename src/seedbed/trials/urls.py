from django.urls import path

from seedbed.trials.views import connections, frontline, monitoring, probes, registry, safety, work

app_name = "trials"

urlpatterns = [
    path("", registry.index, name="index"),
    path("registry/<int:trial_id>/", registry.registry_trial, name="registry_trial"),
    path("registry/<int:trial_id>/registration.json", registry.registration_json,
         name="registration_json"),
    path("registry/<int:trial_id>/spirit/", registry.spirit, name="spirit"),
    path("registry/<int:trial_id>/versions/", registry.versions, name="versions"),
    path("registry/<int:trial_id>/result/", registry.result, name="result"),
    path("registry/<int:trial_id>/result/report/", registry.report, name="report"),
    path("registry/<int:trial_id>/result/report.pdf", registry.report_pdf, name="report_pdf"),
    path("registry/probes/<int:probe_id>/", registry.registry_probe, name="registry_probe"),
    path("work/", work.workspace, name="workspace"),
    path("work/new/", work.trial_create, name="trial_create"),
    path("work/<int:trial_id>/", work.manage, name="manage"),
    path("work/<int:trial_id>/protocol/", work.protocol_edit, name="protocol_edit"),
    path("work/<int:trial_id>/amend/", work.amend, name="amend"),
    path("work/<int:trial_id>/data/", work.data, name="data"),
    path("work/<int:trial_id>/data/table/", work.data_connect, name="data_connect"),
    path("work/connections/", connections.data_connections, name="data_connections"),
    path("work/<int:trial_id>/analysis/", work.analysis, name="analysis"),
    path("work/probes/new/", probes.probe_create, name="probe_create"),
    path("work/probes/<int:probe_id>/", probes.probe_manage, name="probe_manage"),
    path("work/probes/<int:probe_id>/edit/", probes.probe_edit, name="probe_edit"),
    path("<int:trial_id>/enrol/", frontline.enrol, name="enrol"),
    path("<int:trial_id>/safety-events/new/", frontline.event_report, name="event_report"),
    path("<int:trial_id>/monitoring/", monitoring.monitoring, name="monitoring"),
    path("safety/", safety.workspace, name="safety_workspace"),
    path("safety/events/<int:event_id>/review/", safety.event_review, name="event_review"),
]
