"""Staff views of accounts and organisations.

Only public data is shown: identities and tokens live in the home regions and are not browsable
here (access to them goes through the region layer, see docs/regions.md).

Every change staff can make here goes through a service, as it would from a page or the API:
the admin shows the rows that services own, and edits nothing that a service would check or
record (an organisation's owners, who did what for it, an invitation's state).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from townhall.errors import DomainError

from .models import Account, Invitation, Membership, OrganisationAction
from .services import account_set_staff, organisation_set_verified
from .validation import clean_country


class AuthenticatedHttpRequest(HttpRequest):
    user: Account


class MembershipInline(admin.TabularInline):
    """Read-only: team changes go through the services, which keep an owner and record actors."""

    model = Membership
    fk_name = "organisation"
    extra = 0
    fields = ("member", "role", "created_at")
    readonly_fields = ("member", "role", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """A view of rows that only services write: no add, no change, no delete."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class AccountForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = ["is_staff", "is_superuser", "staff_jurisdiction"]

    def clean_staff_jurisdiction(self) -> str:
        try:
            return clean_country(self.cleaned_data.get("staff_jurisdiction", ""))
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("is_staff") and not data.get("staff_jurisdiction"):
            self.add_error("staff_jurisdiction", "Staff need the jurisdiction they work from.")
        if data.get("is_staff") and self.instance.is_organisation:
            self.add_error("is_staff", "Only people can be staff.")
        if data.get("is_superuser") and not data.get("is_staff"):
            self.add_error("is_superuser", "A superuser must also be staff.")
        return data


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    """Accounts as staff see them; only the staff fields change, through ``account_set_staff``.

    There is no "Add account": an account is made by sign-up (a person, with an identity in the
    home region and a data key) or by ``organisation_create`` (with its first owner), and a row
    made here would have neither. There is no delete either: deleting an account row would
    cascade away memberships (leaving organisations without an owner), videos and the records
    of who did what, and leave its protected data behind in the home region. Closing and
    deleting accounts will be services of the lifecycle app, as will suspension, which is why
    ``state`` and ``is_active`` are shown here but not edited.
    """

    list_display = [
        "handle",
        "display_name",
        "kind",
        "verified",
        "age_band",
        "home_region",
        "state",
    ]
    list_filter = ["kind", "verified", "age_band", "home_region", "state", "is_staff"]
    search_fields = ["handle", "display_name"]
    form = AccountForm
    # Profile fields change through the services (validation, organisation action records);
    # here staff only see them.
    readonly_fields = [
        "handle",
        "display_name",
        "bio",
        "link",
        "kind",
        "home_region",
        "age_band",
        "state",
        "is_active",
        "date_joined",
        "verified",
    ]
    fields = [
        "handle",
        "display_name",
        "bio",
        "link",
        "kind",
        "home_region",
        "age_band",
        "state",
        "verified",
        "is_active",
        "is_staff",
        "is_superuser",
        "staff_jurisdiction",
        "date_joined",
    ]
    actions = ["verify", "unverify"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Account, form: forms.ModelForm, change: bool
    ) -> None:
        account_set_staff(
            account=obj,
            is_staff=form.cleaned_data["is_staff"],
            is_superuser=form.cleaned_data["is_superuser"],
            jurisdiction=form.cleaned_data["staff_jurisdiction"],
        )

    def get_inlines(self, request: HttpRequest, obj: Account | None = None) -> list[type]:
        return [MembershipInline] if obj is not None and obj.is_organisation else []

    def _set_verified(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Account], value: bool
    ) -> None:
        done = 0
        for organisation in queryset:
            try:
                organisation_set_verified(
                    organisation=organisation,
                    actor=request.user,
                    verified=value,
                )
                done += 1
            except DomainError as exc:
                self.message_user(request, f"@{organisation.handle}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} organisation(s) updated.")

    @admin.action(description="Mark selected organisations as verified")
    def verify(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Account]) -> None:
        self._set_verified(request, queryset, True)

    @admin.action(description="Remove verification from selected organisations")
    def unverify(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Account]) -> None:
        self._set_verified(request, queryset, False)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Read-only: invitations are sent, answered and withdrawn by the team services, which
    check roles, make the membership and record who did it."""

    list_display = ["organisation", "invitee", "role", "state", "created_at"]
    list_filter = ["state", "role"]
    raw_id_fields = ["organisation", "invitee", "invited_by"]


@admin.register(OrganisationAction)
class OrganisationActionAdmin(ReadOnlyAdmin):
    """Read-only: the record of who did what for an organisation, written by the services."""

    list_display = ["created_at", "organisation", "actor", "action", "subject"]
    list_filter = ["action"]
    raw_id_fields = ["organisation", "actor", "subject"]
