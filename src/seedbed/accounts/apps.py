from django.apps import AppConfig
from django.db.models.signals import post_save


class AccountsConfig(AppConfig):
    name = "seedbed.accounts"
    label = "accounts"
    verbose_name = "People and organisations"

    def ready(self) -> None:
        from seedbed.accounts.models import User
        from seedbed.accounts.receivers import revoke_tokens_on_credential_change

        post_save.connect(revoke_tokens_on_credential_change, sender=User,
                          dispatch_uid="accounts.revoke_tokens_on_credential_change")
