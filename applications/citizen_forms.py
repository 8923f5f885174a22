"""Forms of the citizen's application pages: the service's details, delivery, uploads,
submitting to an office and answering a revision request.

The service's own fields come from its ``registry.DetailsForm``; ``details_form_for`` builds it
with the portal's Bootstrap markup, with the stored values as the baseline a posted form is
compared with, and — while a revision is open — with every field the officer did not flag
disabled, so Django ignores what is posted for them.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from applications import uploads
from applications.forms import NOTE_MAX_LENGTH
from applications.models import Application, Attachment
from applications.registry import (
    DOCUMENT_KINDS,
    DeliveryChoice,
    DetailsForm,
    ServiceDefinition,
    label_in_sentence,
)
from applications.services import MAX_SUPPORTING_ATTACHMENTS
from korlantas.forms import PortalFormMixin
from offices.models import Office

# --- the service's details ----------------------------------------------------------------


@functools.cache
def _with_portal_markup(form_class: type[DetailsForm]) -> type[DetailsForm]:
    """The service's form with the portal's widget classes and invalid-field marking."""
    return cast(
        type[DetailsForm],
        type(f"Portal{form_class.__name__}", (PortalFormMixin, form_class), {"__module__": __name__}),
    )


def details_form_for(
    service: ServiceDefinition,
    *,
    applicant: Any,
    application: Application | None = None,
    data: Any = None,
    files: Any = None,
    editable: Collection[str] | None = None,
    preselect: Mapping[str, str] | None = None,
) -> DetailsForm | None:
    """The service's details form (None if the service has none).

    A bound form for an existing application gets the stored values as ``initial``, read
    from an unbound form of the same service: ``changed_data`` then names only what the
    applicant really changed, and a disabled field keeps its stored value. ``editable``
    (the flagged fields of an open revision) disables every other field.
    """
    if service.details_form is None:
        return None
    form_class = _with_portal_markup(service.details_form)
    if data is None:
        form = form_class(application=application, applicant=applicant)
        # A link may preselect a field of a new draft (``?licence=<public id>`` from the
        # licences page): only the form's own fields, and only as initial values.
        for name, value in (preselect or {}).items():
            if name in form.fields and application is None:
                form.initial[name] = value
    else:
        stored: dict[str, Any] = {}
        if application is not None:
            stored = dict(form_class(application=application, applicant=applicant).initial)
        form = form_class(data, files, application=application, applicant=applicant, initial=stored)
    if editable is not None:
        for name, field in form.fields.items():
            if name in editable:
                flagged = gettext("The officer asks you to correct this.")
                field.help_text = f"{flagged} {field.help_text}".strip()
            else:
                field.disabled = True
    return form


# --- delivery -----------------------------------------------------------------------------

DELIVERY_HELP = {
    DeliveryChoice.COURIER: _("A courier brings the document to your address."),
    DeliveryChoice.COLLECTION: _("You collect the document at the office that handles the application."),
    DeliveryChoice.DIGITAL: _("You download the document as a PDF; the PDF is the legal document."),
}


class DeliveryForm(PortalFormMixin, forms.Form):
    """How the citizen receives the document: only the choices the service offers."""

    delivery_choice = forms.ChoiceField(
        label=_("How do you want to receive the document?"), widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, service: ServiceDefinition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["delivery_choice"])
        field.choices = [(choice, DeliveryChoice(choice).label) for choice in service.delivery_choices]
        field.help_text = " ".join(str(DELIVERY_HELP[DeliveryChoice(c)]) for c in service.delivery_choices)
        if len(service.delivery_choices) == 1:
            field.initial = service.delivery_choices[0]


# --- uploads ------------------------------------------------------------------------------

UPLOAD_KINDS = tuple(Attachment.Kind.values)
# Offered to every service's applicant; the other kinds only where the service names them.
COMMON_UPLOAD_KINDS = ("photo", "signature", "ktp_scan", "supporting")


def upload_kinds_for(service: ServiceDefinition) -> list[str]:
    """The kinds the documents page offers for ``service``, in the catalogue's order."""
    named = {*COMMON_UPLOAD_KINDS, *service.required_documents, *service.optional_documents}
    return [kind for kind in UPLOAD_KINDS if kind in named]


_IMAGE_ACCEPT = "image/jpeg,image/png,.jpg,.jpeg,.png"
_DOCUMENT_ACCEPT = f"{_IMAGE_ACCEPT},application/pdf,.pdf"


def upload_accept(kind: str) -> str:
    """The file picker's ``accept``: what ``uploads.validate_and_normalise`` takes for ``kind``."""
    return _DOCUMENT_ACCEPT if kind in uploads.PDF_KINDS else _IMAGE_ACCEPT


def upload_rules(kind: str) -> str:
    """The rules of ``uploads`` for ``kind``, spelled out for the citizen."""
    if kind in uploads.PDF_KINDS:
        rules = gettext("A JPEG or PNG image, or a PDF of at most %(pages)d pages; at most %(size)d MB.") % {
            "pages": uploads.PDF_MAX_PAGES,
            "size": uploads.PDF_MAX_BYTES // uploads.MB,
        }
    else:
        rules = gettext("A JPEG or PNG image of at most %(size)d MB.") % {
            "size": uploads.IMAGE_MAX_BYTES // uploads.MB
        }
    if kind == uploads.PHOTO:
        rules += " " + gettext(
            "Upright (portrait), at least %(width)d × %(height)d pixels, a clear photo of your face."
        ) % {"width": uploads.PHOTO_MIN_WIDTH, "height": uploads.PHOTO_MIN_HEIGHT}
    if kind in Attachment.SINGLE_KINDS:
        rules += " " + gettext("A new file replaces the current one.")
    else:
        rules += " " + gettext("Up to %(count)d files.") % {"count": MAX_SUPPORTING_ATTACHMENTS}
    return rules


def document_in_sentence(kind: str) -> str:
    """A document kind's label inside a sentence ("Upload the KTP scan", "Upload the photo")."""
    return label_in_sentence(DOCUMENT_KINDS[kind])


class UploadForm(PortalFormMixin, forms.Form):
    """One file of one kind. The page shows one such form per kind it offers; the hidden
    ``kind`` says which one was posted."""

    kind = forms.CharField(widget=forms.HiddenInput)
    file = forms.FileField(label=_("File"))

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        # Several upload forms share a page: their ids must not collide.
        kwargs.setdefault("auto_id", f"id_{kind}_%s")
        kwargs.setdefault("initial", {"kind": kind})
        super().__init__(*args, **kwargs)
        self.document_kind = kind
        self.document_label = DOCUMENT_KINDS[kind]
        self.document_in_sentence = document_in_sentence(kind)
        field = self.fields["file"]
        # After the colon the label stands alone: as written ("Choose a file: KTP scan").
        field.label = gettext("Choose a file: %(document)s") % {"document": str(self.document_label)}
        field.help_text = upload_rules(kind)
        field.widget.attrs["accept"] = upload_accept(kind)


# --- submitting and resubmitting ----------------------------------------------------------


class _OfficeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        office = cast(Office, obj)
        return f"{office.name} — {office.regency.name}"


class VersionedForm(PortalFormMixin, forms.Form):
    """The version of the application the page was built from (the optimistic lock), hidden."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class SubmitForm(VersionedForm):
    office = _OfficeChoiceField(
        label=_("Office"),
        queryset=Office.objects.none(),
        to_field_name="public_id",
        empty_label=_("Choose an office"),
        help_text=_("The office that reviews your application. Choose one near you."),
    )

    def __init__(self, *args: Any, offices: QuerySet[Office], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["office"]).queryset = offices


class ResubmitForm(VersionedForm):
    reply = forms.CharField(
        label=_("Your reply to the officer"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Say what you corrected, or why a flagged field is right as it is."),
    )
