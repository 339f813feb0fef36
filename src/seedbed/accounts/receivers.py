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

STORED_PASSWORD = "_seedbed_stored_password"  # noqa: S105 (an attribute name, not a password)


def remember_stored_password(
    sender: type[User], instance: User, raw: bool = False,
    update_fields: frozenset[str] | None = None, **kwargs: Any,
) -> None:
    """Before a person is saved with their password column: keep the hash stored until now, so
    that a password made unusable (which ``set_password`` does not mark) is seen after the save."""
    if raw or instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    setattr(instance, STORED_PASSWORD, stored)


def _password_made_unusable(instance: User) -> bool:
    from django.contrib.auth.hashers import is_password_usable

    stored = getattr(instance, STORED_PASSWORD, None)
    return (stored is not None and is_password_usable(stored)
            and not is_password_usable(instance.password))


def revoke_tokens_on_credential_change(
    sender: type[User], instance: User, created: bool = False, raw: bool = False,
    update_fields: frozenset[str] | None = None, **kwargs: Any,
) -> None:
    """After a person is saved: a new password (``set_password`` marks it until the save
    completes; Django's re-hash on sign-in does not), a password made unusable (an
    administrator turning password sign-in off) or a deactivated account revokes every live
    token they hold."""
    if created or raw:
        return
    password_written = update_fields is None or "password" in update_fields
    made_unusable = password_written and _password_made_unusable(instance)
    if hasattr(instance, STORED_PASSWORD):
        delattr(instance, STORED_PASSWORD)
    if password_written and (getattr(instance, "_password", None) is not None or made_unusable):
        api_token_revoke_all(user=instance, reason=TokenRevokeReason.PASSWORD_CHANGED)
        signin_pause_clear(username=instance.get_username())  # a new password ends a sign-in pause
        return
    active_written = update_fields is None or "is_active" in update_fields
    if active_written and not instance.is_active:
        api_token_revoke_all(user=instance, reason=TokenRevokeReason.ACCOUNT_DEACTIVATED)
