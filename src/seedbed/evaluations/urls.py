from django.urls import path

from seedbed.evaluations.views import case, evaluation, plan

app_name = "evaluations"

urlpatterns = [
    path("", evaluation.index, name="index"),
    path("new/", evaluation.evaluation_create, name="evaluation_create"),
    path("<int:evaluation_id>/", evaluation.evaluation_detail, name="evaluation_detail"),
    path("<int:evaluation_id>/plan/", plan.plan_edit, name="plan_edit"),
    path("<int:evaluation_id>/register/", plan.evaluation_register, name="evaluation_register"),
    path("<int:evaluation_id>/amend/", plan.plan_amend, name="plan_amend"),
    path("<int:evaluation_id>/library/", case.evaluation_case_create, name="case_create"),
]
