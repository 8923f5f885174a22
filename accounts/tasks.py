"""Thin tasks: load ids, call a service. Arguments are ids only — never a phone number,
an address or a code."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts import services
from accounts.models import StaffInvitation
from korlantas.lib import clock
from korlantas.lib.sms import SMSDeliveryError


@shared_task(
    name="accounts.tasks.send_phone_code",
    autoretry_for=(SMSDeliveryError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def send_phone_code(verification_id: int, generation: int) -> None:
    services.phone_code_deliver(verification_id=verification_id, generation=generation)


@shared_task(
    name="accounts.tasks.send_staff_invitation", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def send_staff_invitation(invitation_id: int) -> None:
    # Under a row lock, marked as sent in the same transaction: a task delivered twice (a worker
    # lost mid-task, a retry racing the first run) sends one e-mail. If sending fails, the mark
    # rolls back with it and the retry sends.
    with transaction.atomic():
        invitation = (
            StaffInvitation.objects.select_for_update(of=("self",))
            .select_related("office", "polda")
            .get(pk=invitation_id)
        )
        if invitation.accepted_at is not None or invitation.sent_at is not None:
            return
        _send_invitation_mail(invitation)
        invitation.sent_at = clock.now()
        invitation.save(update_fields=["sent_at"])


def _send_invitation_mail(invitation: StaffInvitation) -> None:
    path = reverse(
        "accounts:staff_invitation_accept",
        kwargs={"public_id": invitation.public_id, "token": services.invitation_token(invitation)},
    )
    place = invitation.office or invitation.polda
    context = {
        "invitation": invitation,
        "place": place.name if place else "",
        "url": f"{settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL}://{settings.PORTAL_HOST}{path}",
    }
    with translation.override("id"):
        subject = render_to_string("accounts/email/staff_invitation_subject.txt", context).strip()
        body = render_to_string("accounts/email/staff_invitation_message.txt", context)
    send_mail(subject, body, None, [invitation.email])
