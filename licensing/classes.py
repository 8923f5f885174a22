"""What each SIM class allows one to drive (Perpol 5/2021 Pasal 3; DOMAIN.md §1.1)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from licensing.models import SimClass

CLASS_DESCRIPTIONS: dict[str, Promise] = {
    SimClass.A: _("Private passenger and goods cars up to 3,500 kg"),
    SimClass.A_UMUM: _("Public (commercial) passenger and goods cars up to 3,500 kg"),
    SimClass.B1: _("Private buses and goods vehicles over 3,500 kg"),
    SimClass.B1_UMUM: _("Public buses and goods vehicles over 3,500 kg"),
    SimClass.B2: _("Heavy equipment, tractor units and vehicles towing a trailer over 1,000 kg"),
    SimClass.B2_UMUM: _(
        "Heavy equipment, tractor units and vehicles towing a trailer over 1,000 kg, for public use"
    ),
    SimClass.C: _("Motorcycles up to 250 cc, or the electric equivalent"),
    SimClass.C1: _("Motorcycles over 250 cc up to 500 cc, or the electric equivalent"),
    SimClass.C2: _("Motorcycles over 500 cc, or the electric equivalent"),
    SimClass.D: _("Special vehicles for people with disabilities, equivalent to class C"),
    SimClass.D1: _("Special vehicles for people with disabilities, equivalent to class A"),
    SimClass.INTERNATIONAL: _(
        "International driving permit, recognised in countries party to the 1968 Vienna Convention"
    ),
}


def class_description(sim_class: str) -> Promise | str:
    return CLASS_DESCRIPTIONS.get(sim_class, "")
