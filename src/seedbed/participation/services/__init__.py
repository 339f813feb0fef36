"""Writing needs, ideas and everything about them. The only code in Voices that writes."""

from seedbed.participation.services.contributions import contribution_submit
from seedbed.participation.services.email import (
    email_access_request,
    email_access_use,
    email_confirm,
    email_data_erase,
)
from seedbed.participation.services.engagement import (
    comment_add,
    follow_add,
    follow_remove,
    report_make,
    support_add,
    support_remove,
)
from seedbed.participation.services.handling import (
    comment_hide,
    contribution_hide,
    contribution_merge,
    contribution_status_set,
    report_dismiss,
)
from seedbed.participation.services.notifications import (
    notification_digest_send,
    notifications_deliver,
)
from seedbed.participation.services.personal import account_erase, personal_data_download
from seedbed.participation.services.themes import themes_refresh, themes_refresh_soon

__all__ = [
    "account_erase",
    "comment_add",
    "comment_hide",
    "contribution_hide",
    "contribution_merge",
    "contribution_status_set",
    "contribution_submit",
    "email_access_request",
    "email_access_use",
    "email_confirm",
    "email_data_erase",
    "follow_add",
    "follow_remove",
    "notification_digest_send",
    "notifications_deliver",
    "personal_data_download",
    "report_dismiss",
    "report_make",
    "support_add",
    "support_remove",
    "themes_refresh",
    "themes_refresh_soon",
]
