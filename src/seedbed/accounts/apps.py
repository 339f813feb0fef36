from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "seedbed.accounts"
    label = "accounts"
    verbose_name = "People and organisations"
