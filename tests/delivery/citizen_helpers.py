"""Helpers of the citizen-side delivery tests: states reached through the real services."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import User
from delivery import services
from delivery.models import Shipment
from delivery.services import shipment_transition
from delivery.workflow import MAX_ATTEMPTS
from notifications.models import Message


def printed_and_packed(shipment: Shipment, staff: User) -> Shipment:
    services.shipment_mark_printed(shipment_id=shipment.pk, actor=staff)
    return services.shipment_mark_packed(shipment_id=shipment.pk, actor=staff)


def on_the_road(shipment: Shipment, dispatcher: User, holder: User, courier: User) -> Shipment:
    printed_and_packed(shipment, dispatcher)
    services.shipment_confirm_address(shipment_id=shipment.pk, actor=holder)
    shipment_transition(shipment_id=shipment.pk, action="assign", actor=dispatcher, data={"courier": courier})
    return shipment_transition(
        shipment_id=shipment.pk, action="pick_up", actor=courier, data={"label_code": shipment.label_code}
    )


def fail_once(shipment: Shipment, courier: User, reason: str = "not_home") -> Shipment:
    shipment_transition(shipment_id=shipment.pk, action="go_out", actor=courier)
    return shipment_transition(
        shipment_id=shipment.pk, action="fail_attempt", actor=courier, reason_code=reason
    )


def three_failed_attempts(shipment: Shipment, dispatcher: User, holder: User, courier: User) -> Shipment:
    on_the_road(shipment, dispatcher, holder, courier)
    for reason in ("not_home", "wrong_address", "not_home")[:MAX_ATTEMPTS]:
        shipment = fail_once(shipment, courier, reason)
    return shipment


def inbox(user: User, key: str) -> list[Message]:
    return list(Message.objects.filter(recipient=user, template_key=key, channel="inapp").order_by("pk"))


def letter_image() -> SimpleUploadedFile:
    image = Image.merge("RGB", [Image.effect_noise((600, 800), 60) for _channel in range(3)])
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return SimpleUploadedFile("surat-kuasa.jpg", out.getvalue(), content_type="image/jpeg")
