from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "seedbed.portfolio"
    label = "portfolio"
    verbose_name = "Portfolio"
