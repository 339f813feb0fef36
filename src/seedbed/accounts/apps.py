from django.apps import AppConfig
from django.db.models.signals import post_save, pre_save


class AccountsConfig(AppConfig):
    name = "seedbed.accounts"
    label = "accounts"
    verbose_name = "People and organisations"

    def ready(self) -> None:
        from seedbed.accounts.models import User
        from seedbed.accounts.receivers import (
            remember_stored_password,
            revoke_tokens_on_credential_change,
        )

        pre_save.connect(remember_stored_password, sender=User,
                         dispatch_uid="accounts.remember_stored_password")

        post_save.connect(revoke_tokens_on_credential_change, sender=User,
                          dispatch_uid="accounts.revoke_tokens_on_credential_change")
