"""Credential changes end a person's API tokens, whichever code changed them.

A signal rather than a service call, as an exception to the house rule: passwords are also
changed by code Seedbed does not own (the Django admin's password form, ``manage.py
changepassword``, Django's password-reset and password-change forms), and a token must not
outlive a password on any of those paths. The receiver only decides *whether*; the writing
and the audit entry are ``services.api_token_revoke_all``.
"""

from __future__ import annotations

from typing import Any

from seedbed.accounts.lockout import signin_pause_clear
from seedbed.accounts.models import User
from seedbed.accounts.services import TokenRevokeReason, api_token_revoke_all


def revoke_tokens_on_credential_change(
    sender: type[User], instance: User, created: bool = False, raw: bool = False,
    update_fields: frozenset[str] | None = None, **kwargs: Any,
) -> None:
    """After a person is saved: a new password (``set_password`` marks it until the save
    completes; Django's re-hash on sign-in does not) or a deactivated account revokes every
    live token they hold."""
    if created or raw:
        return
    password_written = update_fields is None or "password" in update_fields
    if password_written and getattr(instance, "_password", None) is not None:
        api_token_revoke_all(user=instance, reason=TokenRevokeReason.PASSWORD_CHANGED)
        signin_pause_clear(username=instance.get_username())  # a new password ends a sign-in pause
        return
    active_written = update_fields is None or "is_active" in update_fields
    if active_written and not instance.is_active:
        api_token_revoke_all(user=instance, reason=TokenRevokeReason.ACCOUNT_DEACTIVATED)
