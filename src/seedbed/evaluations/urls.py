from django.urls import path

from seedbed.evaluations.views import evaluation

app_name = "evaluations"

urlpatterns = [
    path("", evaluation.index, name="index"),
    path("<int:evaluation_id>/", evaluation.evaluation_detail, name="evaluation_detail"),
]
