from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from seedbed.accounts.models import ApiToken, Membership, Organisation, User
from seedbed.accounts.services import api_token_revoke


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class SeedbedUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ("username", "display_name", "email", "is_active", "is_staff")
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Seedbed", {"fields": ("display_name",)}))


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "parent", "org_id")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their owners on the account page (the secret is shown once) and
    changed only by revoking, through the service, so that it is audited."""

    list_display = ("name", "user", "prefix", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    readonly_fields = ("user", "name", "prefix", "digest", "scopes", "created_at", "expires_at",
                       "last_used_at", "revoked_at")
    actions = ["revoke_tokens"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False  # a deleted token would leave no trace; revoke instead (audited)

    @admin.action(description="Revoke the selected API tokens")
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, actor=request.user)  # type: ignore[arg-type]
            revoked += 1
        self.message_user(request, f"{revoked} API token(s) revoked.")
