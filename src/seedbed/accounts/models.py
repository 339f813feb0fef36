"""People, organisations and the roles people hold in them."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    RESIDENT = "resident", "Resident"
    FRONTLINE = "frontline", "Frontline staff"
    INNOVATION_LEAD = "innovation_lead", "Innovation lead"
    PANEL_MEMBER = "panel_member", "Panel member"
    ANALYST = "analyst", "Analyst"
    SAFETY_LEAD = "safety_lead", "Safety lead"
    ADMINISTRATOR = "administrator", "Administrator"


STAFF_ROLES = frozenset(
    {
        Role.FRONTLINE, Role.INNOVATION_LEAD, Role.PANEL_MEMBER, Role.ANALYST,
        Role.SAFETY_LEAD, Role.ADMINISTRATOR,
    }
)


class User(AbstractUser):
    """A person who signs in. ``display_name`` is what others see.

    Personal data: exported with the person's own data; on erasure the name and email are
    replaced by a pseudonym and the account is deactivated (their contributions stay).
    """

    display_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username


class Organisation(models.Model):
    """The council and its services, partner bodies, providers and community groups."""

    class Kind(models.TextChoices):
        COUNCIL = "council", "Council"
        SERVICE = "service", "Council service"
        PARTNER = "partner", "Partner body"
        PROVIDER = "provider", "Provider"
        COMMUNITY = "community", "Community group"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    org_id = models.CharField(
        "organisation identifier", max_length=100, blank=True,
        help_text="An org-id.guide identifier such as GB-LAE-NFD, used in open grants data.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A role a person holds in an organisation; one person may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.organisation}"


class ApiScope(models.TextChoices):
    """What an API token may do. ``read`` covers GET, HEAD and OPTIONS; ``write`` covers
    POST, PUT, PATCH and DELETE. A token holds one or both; the person's own roles still
    decide which records either reaches."""

    READ = "read", "Read: look up records (GET)"
    WRITE = "write", "Write: change records, such as enrolling a unit or reporting a safety event (POST, PUT, PATCH, DELETE)"


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only a SHA-256 digest of the token is stored.

    A token expires at ``expires_at``, carries ``scopes`` (a list of ``ApiScope`` values), and
    dies when revoked (by its owner or an administrator, or for everyone when the owner's
    password changes or the account is deactivated). ``last_used_at`` is updated at most once
    a minute (``seedbed.accounts.services.LAST_USED_RESOLUTION``).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])

    def is_expired(self, at: datetime) -> bool:
        return self.expires_at <= at

    @property
    def scope_labels(self) -> list[str]:
        return [scope for scope in ApiScope.values if self.has_scope(scope)]
