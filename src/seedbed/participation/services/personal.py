"""A resident's own data: download it, or close the account (contributions stay)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from seedbed.core.audit import audit_append
from seedbed.core.models import Notification
from seedbed.participation.models import Follow, Report
from seedbed.participation.selectors import personal_data_export
from seedbed.participation.services.notifications import APP

PSEUDONYM = "Former participant {number}"


def personal_data_download(*, user: Any) -> dict[str, Any]:
    """Everything Voices holds about ``user``, as JSON-ready data; the download is audited."""
    data = personal_data_export(user=user)
    audit_append(action="participation.personal_data_download", actor=user, obj=user,
                 object_type="accounts.user")
    return data


def account_erase(*, user: Any, actor: Any = None) -> Any:
    """Close ``user``'s account and remove what identifies them.

    Their needs, ideas, supports and comments stay, shown under a pseudonym; their follows and
    notifications are deleted and their reports kept without their name; name, email and password are cleared and the
    account deactivated (so they can never sign in again). Audited (no personal data in
    the entry). Returns the pseudonymised user.
    """
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
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
