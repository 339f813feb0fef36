from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "seedbed.funding"
    label = "funding"
    verbose_name = "Funding"
