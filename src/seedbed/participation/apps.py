from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "seedbed.participation"
    label = "participation"
    verbose_name = "Voices"
