"""Pages of the accounts app: the citizen's profile, phone and identity steps; the staff
landing, in-person identity checks, disputes and invitations; the courier landing.

Views stay thin: they check who is asking, validate a form and call one service."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import roles, selectors, services
from accounts.forms import (
    CitizenProfileForm,
    InPersonDecisionForm,
    InvitationAcceptForm,
    NikLookupForm,
    PhoneCodeForm,
    StaffInvitationForm,
)
from accounts.identity import SandboxProvider, Verdict, get_provider
from accounts.models import CitizenProfile, IdentityDispute
from korlantas.lib.http import AuthenticatedHttpRequest
from korlantas.services_catalogue import SERVICES

View = Callable[..., HttpResponse]


def citizen_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not roles.is_citizen(request.user):
            raise PermissionDenied("citizens only")
        return view(request, *args, **kwargs)

    return wrapper


def role_required(*allowed: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not roles.roles_of(request.user) & set(allowed):
                raise PermissionDenied("role not allowed")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "429.html", status=429)


# --- Citizens ---------------------------------------------------------------------------


@citizen_required
@require_http_methods(["GET"])
def citizen_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = selectors.profile_of(request.user)
    return render(
        request,
        "accounts/citizen_home.html",
        {
            "profile": profile,
            "steps": selectors.onboarding_steps(profile),
            "services": [(summary, summary.available_now()) for summary in SERVICES],
        },
    )


@citizen_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = selectors.profile_of(request.user)
    locked = profile is not None and profile.identity_verified
    initial = selectors.profile_initial(profile) if profile else {}
    form = CitizenProfileForm(request.POST or None, initial=initial, locked=locked)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.citizen_profile_save(user=request.user, data=form.to_data())
        except services.IdentityLocked:
            form.add_error(
                None, _("Your verified identity cannot be changed online. Visit an office with your e-KTP.")
            )
        else:
            if saved.identity_state == CitizenProfile.IdentityState.DISPUTED:
                messages.warning(
                    request,
                    _(
                        "Your profile is saved. This NIK needs to be confirmed in person: bring your e-KTP "
                        "to any Satpas or Samsat office."
                    ),
                )
            else:
                messages.success(request, _("Your profile is saved."))
            if not saved.phone_verified:
                return redirect("accounts:phone")
            return redirect("accounts:citizen_home")
    return render(request, "accounts/profile_form.html", {"form": form, "profile": profile, "locked": locked})


@citizen_required
@require_http_methods(["GET"])
def regency_options(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The <option>s of one province's regencies and cities, for the profile form."""
    province = request.GET.get("province", "")
    regencies = selectors.regencies_of(int(province)) if province.isdigit() else []
    return render(request, "accounts/regency_options.html", {"regencies": regencies})


@citizen_required
@require_http_methods(["GET", "POST"])
def phone_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = selectors.profile_of(request.user)
    if profile is None:
        return redirect("accounts:profile")
    form = PhoneCodeForm()
    if request.method == "POST" and request.POST.get("action") == "send":
        if not ratelimit.consume(request, action="send_phone_code", user=request.user):
            return _too_many(request)
        services.phone_code_issue(user=request.user)
        messages.success(request, _("We sent a 6-digit code by SMS. It is valid for 10 minutes."))
        return redirect("accounts:phone")
    if request.method == "POST":
        form = PhoneCodeForm(request.POST)
        if not ratelimit.consume(request, action="confirm_phone_code", user=request.user):
            return _too_many(request)
        if form.is_valid():
            try:
                services.phone_code_confirm(user=request.user, code=form.cleaned_data["code"])
            except services.PhoneCodeError as exc:
                form.add_error("code", exc.message)
            else:
                messages.success(request, _("Your mobile number is confirmed."))
                return redirect("accounts:citizen_home")
    verification = selectors.phone_verification_of(request.user)
    return render(
        request,
        "accounts/phone.html",
        {"profile": profile, "form": form, "code_sent": bool(verification and verification.code_hash)},
    )


@citizen_required
@require_http_methods(["GET", "POST"])
def identity_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = selectors.profile_of(request.user)
    if profile is None:
        return redirect("accounts:profile")
    provider = get_provider()
    if request.method == "POST":
        if provider is None:
            raise Http404("no online identity check")
        if not ratelimit.consume(request, action="identity_check", user=request.user):
            return _too_many(request)
        try:
            verdict = services.identity_verify_with_provider(user=request.user, provider=provider)
        except services.IdentityNotReady:
            messages.error(request, _("Complete your profile and confirm your mobile number first."))
        except ValidationError:
            messages.warning(
                request, _("This NIK must be confirmed in person at an office. Bring your e-KTP.")
            )
        else:
            messages_by_verdict = {
                Verdict.MATCH: (messages.SUCCESS, _("Your identity is verified.")),
                Verdict.NO_MATCH: (
                    messages.ERROR,
                    _("The registry could not confirm that this is you. Visit any office with your e-KTP."),
                ),
                Verdict.NOT_FOUND: (
                    messages.ERROR,
                    _("The registry does not know this NIK. Check it, or visit any office with your e-KTP."),
                ),
                Verdict.UNAVAILABLE: (
                    messages.WARNING,
                    _(
                        "The population registry is not answering. Nothing was changed; "
                        "please try again later."
                    ),
                ),
            }
            level, text = messages_by_verdict[verdict]
            messages.add_message(request, level, text)
        return redirect("accounts:identity")
    return render(
        request,
        "accounts/identity.html",
        {
            "profile": profile,
            "provider": provider,
            "sandbox": isinstance(provider, SandboxProvider),
            "checks": selectors.identity_checks_of(profile),
        },
    )


# --- Staff ------------------------------------------------------------------------------


@role_required(*roles.OFFICE_ROLES)
@require_http_methods(["GET"])
def staff_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    membership = selectors.membership_of(request.user)
    return render(
        request,
        "accounts/staff_home.html",
        {
            "membership": membership,
            "roles": roles.roles_of(request.user),
            "open_disputes": selectors.open_dispute_count(),
        },
    )


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def staff_identity(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Verify in person. The NIK typed from the e-KTP travels in the POST body, never a URL."""
    lookup = NikLookupForm(request.POST if request.POST.get("action") == "lookup" else None)
    decision = InPersonDecisionForm(request.POST if request.POST.get("action") == "decide" else None)
    profiles: list[CitizenProfile] = []
    if lookup.is_bound and lookup.is_valid():
        profiles = selectors.profiles_by_nik(lookup.cleaned_data["nik"])
        selectors.log_nik_lookup(request, found=len(profiles))
    if request.POST.get("action") == "reopen":
        profile = selectors.profile_by_user_public_id(request.POST.get("profile", ""))
        if profile is None:
            raise Http404("no such profile")
        try:
            services.identity_reopen(
                profile_id=profile.pk, officer=request.user, note=request.POST.get("note", "")[:300]
            )
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(
                request,
                _("The identity is reopened. The citizen corrects the profile, then you verify again."),
            )
        return redirect("accounts:staff_identity")
    if decision.is_bound:
        profile = selectors.profile_by_user_public_id(request.POST.get("profile", ""))
        if profile is None:
            raise Http404("no such profile")
        if decision.is_valid():
            try:
                services.identity_verify_in_person(
                    profile_id=profile.pk,
                    officer=request.user,
                    verified=decision.cleaned_data["decision"] == "verify",
                    reason=decision.cleaned_data["reason"],
                    note=decision.cleaned_data["note"],
                )
            except ValidationError as exc:
                messages.error(request, exc.messages[0])
            else:
                messages.success(request, _("The decision is recorded."))
                return redirect("accounts:staff_identity")
        profiles = [profile]
    return render(
        request,
        "accounts/staff_identity.html",
        {"lookup": lookup, "decision": decision, "profiles": profiles},
    )


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_http_methods(["GET"])
def staff_disputes(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "accounts/staff_disputes.html", {"disputes": selectors.open_disputes()})


@role_required(roles.OFFICER, roles.SUPERVISOR)
@require_POST
def staff_dispute_settle(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    dispute = get_object_or_404(IdentityDispute, public_id=public_id, resolved_at__isnull=True)
    winner = selectors.profile_by_user_public_id(request.POST.get("winner", ""))
    if winner is None:
        raise Http404("no such claimant")
    try:
        services.identity_dispute_settle(
            dispute_id=dispute.pk,
            winner_profile_id=winner.pk,
            officer=request.user,
            note=request.POST.get("note", "")[:300],
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("The dispute is settled."))
    return redirect("accounts:staff_disputes")


@role_required(roles.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def staff_invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    membership = selectors.membership_of(request.user)
    if membership is None or membership.office_id is None:
        raise PermissionDenied("an office supervisor invites staff; Polda supervisors use the admin")
    form = StaffInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not ratelimit.consume(request, action="staff_invite", user=request.user):
            return _too_many(request)
        try:
            services.staff_invite(
                inviter=request.user,
                email=form.cleaned_data["email"],
                role_names=form.cleaned_data["roles"],
                office_id=membership.office_id,
                polda_id=None,
            )
        except ValidationError as exc:
            form.add_error("email", exc.messages[0])
        else:
            messages.success(request, _("The invitation is on its way. It is valid for 7 days."))
            return redirect("accounts:staff_invite")
    return render(
        request,
        "accounts/staff_invite.html",
        {"form": form, "membership": membership, "invitations": selectors.invitations_for(membership)},
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def staff_invitation_accept(request: HttpRequest, public_id: str, token: str) -> HttpResponse:
    invitation = services.invitation_by_token(public_id, token)
    if invitation is None:
        raise Http404("no such invitation")
    if request.user.is_authenticated:
        messages.info(request, _("Sign out first to accept an invitation for another account."))
        return redirect("home")
    usable = selectors.invitation_usable(invitation)
    form = InvitationAcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and usable and form.is_valid():
        try:
            with transaction.atomic():
                services.staff_invitation_accept(
                    invitation_id=invitation.pk, password=form.cleaned_data["password1"]
                )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(
                request, _("Your staff account is ready. Sign in, then set up your authenticator app.")
            )
            return redirect("account_login")
    return render(
        request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form, "usable": usable}
    )


# --- Couriers ---------------------------------------------------------------------------


@role_required(roles.COURIER)
@require_http_methods(["GET"])
def courier_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where a courier lands after signing in: today's run (delivery's phone pages)."""
    return redirect("delivery:courier_run")
