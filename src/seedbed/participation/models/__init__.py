"""Voices' models, one module per noun: needs and ideas, what happened to them, and the
people who support and follow them.

A need (a problem someone faces) and an idea (a proposed change) share one table,
``Contribution``, told apart by ``kind``; ``Need`` and ``Idea`` are proxies for readable code.
They share handling (status and history), supports, follows, comments, reports, merging
and export, so one table keeps each of those written once.

Personal data: ``Contribution.submitter``, ``Support.user``, ``Follow.user``,
``Comment.author`` and ``Report.reporter`` point at people, as does ``user`` on the messages
Voices queues in the core outbox (``seedbed.core.models.Notification``, ``app="participation"``). A person's
own data is exported by ``selectors.personal_data_export``; on erasure
(``services.account_erase``) follows, notifications and reports by them are deleted, their
user record is pseudonymised, and their needs, ideas, supports and comments stay.

A resident without an account gives an email address instead (``Contribution.submitter_email``,
the outbox's ``email``, ``EmailToken.email``). Their data is exported by
``selectors.email_data_export`` and erased by ``services.email_data_erase``: contributions never
confirmed are deleted, the address is removed from the rest (which stay), and messages and links
for it are deleted.
"""

from seedbed.participation.models.comment import Comment
from seedbed.participation.models.contribution import (
    COMMENT_MAX,
    MAX_COMMENT_DEPTH,
    OUTBOX_APP,
    REASON_MAX,
    SHORT_TEXT_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Contribution,
    EfficiencyTag,
    Frequency,
    Idea,
    IdeaManager,
    Kind,
    Need,
    NeedManager,
    Status,
    VoiceOf,
)
from seedbed.participation.models.email_token import EmailToken
from seedbed.participation.models.follow import Follow
from seedbed.participation.models.report import Report
from seedbed.participation.models.status_change import StatusChange
from seedbed.participation.models.support import Support
from seedbed.participation.models.theme import Theme, ThemeRun

__all__ = [
    "COMMENT_MAX",
    "MAX_COMMENT_DEPTH",
    "OUTBOX_APP",
    "REASON_MAX",
    "SHORT_TEXT_MAX",
    "TEXT_MAX",
    "TITLE_MAX",
    "Comment",
    "Contribution",
    "EfficiencyTag",
    "EmailToken",
    "Follow",
    "Frequency",
    "Idea",
    "IdeaManager",
    "Kind",
    "Need",
    "NeedManager",
    "Report",
    "Status",
    "StatusChange",
    "Support",
    "Theme",
    "ThemeRun",
    "VoiceOf",
]
