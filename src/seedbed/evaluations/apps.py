from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "seedbed.evaluations"
    label = "evaluations"
    verbose_name = "Evaluations"
