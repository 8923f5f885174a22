"""Bill-line labels that read in each reader's language (DESIGN §5: every line explained).

A service's own charge (a tax line, a late fine) carries numbers in its explanation. Storing the
formatted text would freeze it in one language; storing the English msgid with its values lets
each page and PDF translate first and fill in the values after. A spec is plain JSON:

    {"msgid": "PKB: taxable value %(njkb)s × %(rate)s (%(which)s)",
     "params": {"njkb": "Rp 185.000.000", "rate": "2%", "which": {"msgid": "first vehicle"}}}

A parameter may itself be a spec (translated too). Mark each msgid with ``gettext_noop`` where it
is written, so ``makemessages`` finds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext

LabelSpec = dict[str, Any]


def label_spec(msgid: str, **params: str | int | LabelSpec) -> LabelSpec:
    return {"msgid": msgid, "params": dict(params)} if params else {"msgid": msgid}


def render_label(spec: Mapping[str, Any]) -> str:
    """The label in the active language; a malformed spec falls back to its msgid untranslated."""
    msgid = str(spec.get("msgid", ""))
    params = spec.get("params") or {}
    values = {
        name: render_label(value) if isinstance(value, Mapping) else value for name, value in params.items()
    }
    text = gettext(msgid)
    if not values:
        return text
    try:
        return text % values
    except (KeyError, TypeError, ValueError):
        return msgid
