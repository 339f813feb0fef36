"""A resident's own data: download it, or close the account (contributions stay)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.models import Notification
from seedbed.participation.models import Follow, Report
from seedbed.participation.selectors import personal_data_export
from seedbed.participation.services.notifications import APP

PSEUDONYM = "Former participant {number}"


def personal_data_download(*, actor: User) -> dict[str, Any]:
    """Everything Voices holds about ``actor`` (who asks for their own data), as JSON-ready
    data; the download is audited."""
    data = personal_data_export(user=actor)
    audit_append(action="participation.personal_data_download", actor=actor, obj=actor,
                 object_type="accounts.user")
    return data


def account_erase(*, user: User, actor: User | None) -> User:
    """Close ``user``'s account and remove what identifies them (``actor``: who closes it,
    the person themselves or an administrator; None when the system does).

    Their needs, ideas, supports and comments stay, shown under a pseudonym; their follows and
    notifications are deleted and their reports kept without their name; name, email and password are cleared and the
    account deactivated (so they can never sign in again). Audited (no personal data in
    the entry). Returns the pseudonymised user.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        Follow.objects.filter(user=user).delete()
        Notification.objects.filter(app=APP, user=user).delete()
        Report.objects.filter(reporter=user).update(reporter=None)
        user.username = f"erased-{user.pk}"
        user.display_name = PSEUDONYM.format(number=user.pk)
        user.first_name = user.last_name = ""
        user.email = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        user.memberships.all().delete()
        user.api_tokens.all().delete()
        audit_append(action="participation.account_erase", actor=actor or user, obj=user,
                     object_type="accounts.user")
    return user
