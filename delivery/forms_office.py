"""Forms of the office's delivery pages (issue 9, points 2 and 4)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from delivery.models import Shipment
from offices.models import Regency


class RunForm(forms.Form):
    """Parcels (checkboxes) for one courier's run today. Choices are the page's own rows."""

    courier = forms.ChoiceField(
        label=_("Courier"),
        error_messages={"required": _("Choose a courier.")},
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    shipments = forms.MultipleChoiceField(
        label=_("Parcels"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one parcel.")},
    )

    def __init__(
        self, *args: Any, couriers: Sequence[User], shipments: Sequence[Shipment], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._couriers = {str(courier.public_id): courier for courier in couriers}
        self._shipments = {str(shipment.public_id): shipment for shipment in shipments}
        cast(forms.ChoiceField, self.fields["courier"]).choices = [("", _("Choose a courier"))] + [
            (key, courier.email) for key, courier in self._couriers.items()
        ]
        cast(forms.ChoiceField, self.fields["shipments"]).choices = [
            (key, shipment.label_code) for key, shipment in self._shipments.items()
        ]
        self.fields["shipments"].error_messages["invalid_choice"] = _(
            "A chosen parcel is no longer waiting for a courier. Reload the page."
        )

    def chosen_courier(self) -> User:
        return self._couriers[self.cleaned_data["courier"]]

    def chosen_shipments(self) -> list[Shipment]:
        """In the order the page lists them (oldest first), whatever order the browser sent."""
        wanted = set(self.cleaned_data["shipments"])
        return [shipment for key, shipment in self._shipments.items() if key in wanted]


class AreasForm(forms.Form):
    """An office supervisor sets the regencies a courier serves."""

    courier = forms.ChoiceField(
        label=_("Courier"),
        error_messages={"required": _("Choose a courier.")},
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    regencies = forms.ModelMultipleChoiceField(
        label=_("Regencies and cities served"),
        queryset=Regency.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to choose several. None: the courier serves no area in particular."),
    )

    def __init__(self, *args: Any, couriers: Sequence[User], regencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._couriers = {str(courier.public_id): courier for courier in couriers}
        cast(forms.ChoiceField, self.fields["courier"]).choices = [("", _("Choose a courier"))] + [
            (key, courier.email) for key, courier in self._couriers.items()
        ]
        cast(forms.ModelMultipleChoiceField, self.fields["regencies"]).queryset = regencies

    def chosen_courier(self) -> User:
        return self._couriers[self.cleaned_data["courier"]]


class UnassignForm(forms.Form):
    shipment = forms.UUIDField(widget=forms.HiddenInput)
