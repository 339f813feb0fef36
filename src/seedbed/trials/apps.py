from django.apps import AppConfig


class TrialsConfig(AppConfig):
    name = "seedbed.trials"
    label = "trials"
    verbose_name = "Trials"
