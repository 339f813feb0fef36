from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from seedbed.core.models import AuditCheckpoint, AuditEntry, Notification
from seedbed.core.notifications import notifications_resend
from seedbed.core.redact import redact_secrets
from seedbed.core.selectors import audit_payload_text


class _ReadOnly(admin.ModelAdmin):
    """Append-only records: nobody adds, changes or deletes them here."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(_ReadOnly):
    """Read-only: the audit log is append-only. Payloads of sensitive actions are shown only
    to those entitled (``audit_payload_readable``); the stored row is untouched. The raw
    ``data`` field is never listed, shown or searchable here."""

    list_display = ("id", "created_at", "actor", "action", "object_type", "object_id", "key_id")
    list_filter = ("action",)
    FIELDS = ("created_at", "actor", "action", "object_type", "object_id", "prev_hash",
              "entry_hash", "key_id")

    def _payload_for(self, request: HttpRequest) -> Callable[[AuditEntry], str]:
        """One callable per request (the admin matches read-only fields by identity) that
        knows who is asking."""
        cached = getattr(request, "_seedbed_audit_details", None)
        if cached is not None:
            return cached

        def details(entry: AuditEntry) -> str:
            return audit_payload_text(entry=entry, for_user=request.user)

        details.short_description = "details"  # type: ignore[attr-defined]
        request._seedbed_audit_details = details  # type: ignore[attr-defined]
        return details

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*self.FIELDS, self._payload_for(request)]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(_ReadOnly):
    list_display = ("id", "created_at", "entry_number", "reason", "key_id")


BODY_HIDDEN_TRIALS = (
    "Not shown here: a trial's messages may carry unblinded monitoring results, which only "
    "their recipient (the trial's safety lead) may read."
)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox: what was sent, what is waiting and why a message failed. Messages are
    read-only here; an administrator may only send unsent ones again."""

    list_display = ("id", "created_at", "app", "subject", "user", "email", "immediate", "sent_at",
                    "attempts", "failure")
    list_filter = ("app", "immediate", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("subject", "failure")
    actions = ["resend"]
    # The body is shown through ``body_shown`` only: emailed links carry secrets, and a trial's
    # messages to its safety lead may carry unblinded monitoring results.
    exclude = ("body",)
    readonly_fields = ("body_shown",)

    @admin.display(description="Body")
    def body_shown(self, obj: Notification) -> str:
        if obj.app == "trials":
            return BODY_HIDDEN_TRIALS
        return redact_secrets(obj.body)

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    @admin.action(description="Send the selected unsent messages again now")
    def resend(self, request: HttpRequest, queryset: Any) -> None:
        sent = notifications_resend(actor=request.user, ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{sent} message(s) sent.")
