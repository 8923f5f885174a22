from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts import roles, services
from accounts.forms import AdminUserChangeForm, AdminUserCreationForm
from accounts.models import StaffInvitation, StaffMembership, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = AdminUserChangeForm
    add_form = AdminUserCreationForm
    ordering = ("email",)
    list_display = ("email", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", "groups")
    search_fields = ("email",)
    readonly_fields = ("public_id", "date_joined", "last_login")
    actions = ["reset_mfa"]
    fieldsets = (
        (None, {"fields": ("email", "password", "public_id")}),
        (_("Preferences"), {"fields": ("language",)}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    @admin.action(description=_("Reset the authenticator (lost phone): enrol again at next sign-in"))
    def reset_mfa(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        try:
            removed = 0
            for user in queryset:
                removed += services.staff_mfa_reset(administrator=request.user, user=user)  # type: ignore[arg-type]
        except PermissionDenied:
            self.message_user(request, _("Only administrators can reset authenticators."), messages.ERROR)
            return
        self.message_user(request, _("%(count)s authenticators removed.") % {"count": removed})


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "display_name", "office", "polda", "created_at")
    list_filter = ("office__kind", "polda")
    search_fields = ("user__email", "display_name", "office__name")
    autocomplete_fields = ("user",)
    raw_id_fields = ("office", "polda")


class StaffInvitationAdminForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=[(role, role) for role in roles.STAFF_ROLES],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = StaffInvitation
        fields = ("email", "roles", "office", "polda")

    # Set by StaffInvitationAdmin.get_form: who is inviting.
    inviter: User | None = None

    def clean(self) -> dict[str, Any]:
        """The invitation is made here, by the one service that makes invitations, so its
        refusals show on the form; the admin then has nothing left to save."""
        cleaned = super().clean() or {}
        if self.errors or self.inviter is None:
            return cleaned
        try:
            self.invitation = services.staff_invite(
                inviter=self.inviter,
                email=cleaned["email"],
                role_names=cleaned["roles"],
                office_id=cleaned["office"].pk if cleaned.get("office") else None,
                polda_id=cleaned["polda"].pk if cleaned.get("polda") else None,
            )
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        except PermissionDenied as exc:
            raise forms.ValidationError(_("You may not invite staff there.")) from exc
        return cleaned


@admin.register(StaffInvitation)
class StaffInvitationAdmin(admin.ModelAdmin):
    """Administrators invite staff to any office, or Polda-level supervisors."""

    form = StaffInvitationAdminForm
    list_display = ("email", "office", "polda", "created_at", "expires_at", "accepted_at")
    raw_id_fields = ("office", "polda")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.inviter = request.user  # type: ignore[attr-defined]
        return form

    def save_model(self, request: HttpRequest, obj: StaffInvitation, form: Any, change: bool) -> None:
        obj.pk = form.invitation.pk  # already made by the form's clean()
