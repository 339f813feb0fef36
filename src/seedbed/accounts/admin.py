from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from seedbed.accounts.models import ApiToken, Membership, Organisation, User


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
    list_display = ("name", "user", "prefix", "created_at", "revoked_at")
    readonly_fields = ("digest", "prefix")
