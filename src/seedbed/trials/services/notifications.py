"""Trial messages (serious events, boundary crossings) through the core outbox.

The message is stored with the change and delivered after commit by the core outbox
(``seedbed.core.notifications``), which counts attempts, keeps the last failure (shown to
the recipient in their safety workspace and on the monitoring page) and retries until it goes.
"""

from __future__ import annotations

from seedbed.accounts.models import User
from seedbed.core.delivery import site_url
from seedbed.core.models import Notification
from seedbed.core.notifications import notification_queue
from seedbed.trials.models import NOTIFICATION_APP, Trial


def site_link(path: str) -> str:
    """``path`` as a full address when ``SEEDBED_SITE_URL`` is set (for links in emails)."""
    return site_url() + path


def trial_notify(*, recipient: User, trial: Trial, subject: str, body: str) -> Notification:
    """Queue a message for ``recipient`` about ``trial`` (call inside the change's
    transaction); it is emailed after commit, with any earlier message still unsent."""
    return notification_queue(app=NOTIFICATION_APP, user=recipient, about=trial, subject=subject, body=body)
