from django.urls import path

from seedbed.evaluations.views import analysis, case, dataset, evaluation, plan, report

app_name = "evaluations"

urlpatterns = [
    path("", evaluation.index, name="index"),
    path("new/", evaluation.evaluation_create, name="evaluation_create"),
    path("<int:evaluation_id>/", evaluation.evaluation_detail, name="evaluation_detail"),
    path("<int:evaluation_id>/plan/", plan.plan_edit, name="plan_edit"),
    path("<int:evaluation_id>/register/", plan.evaluation_register, name="evaluation_register"),
    path("<int:evaluation_id>/amend/", plan.plan_amend, name="plan_amend"),
    path("<int:evaluation_id>/data/", dataset.dataset_upload, name="dataset_upload"),
    path("<int:evaluation_id>/data/connect/", dataset.dataset_connect, name="dataset_connect"),
    path("<int:evaluation_id>/analyse/", dataset.evaluation_analyse, name="evaluation_analyse"),
    path("<int:evaluation_id>/analysis/", analysis.analysis, name="analysis"),
    path("<int:evaluation_id>/report/", report.report, name="report"),
    path("<int:evaluation_id>/report.pdf", report.report_pdf, name="report_pdf"),
    path("<int:evaluation_id>/report/publish/", report.report_publish, name="report_publish"),
    path("<int:evaluation_id>/library/", case.evaluation_case_create, name="case_create"),
]
