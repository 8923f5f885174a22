"""Test instrumentation of the e2e portal's processes (never imported by the product).

tests/e2e/portal.py puts this folder on the portal's ``PYTHONPATH`` and names a file in
``KORLANTAS_E2E_TEMPLATE_LOG``; Python imports ``sitecustomize`` at start-up, and every template
the process renders from then on appends its name to that file, one line each (template names
only: no context, no personal data). tests/e2e/test_every_page.py reads it to tell which page
templates the walk never rendered.
"""

from __future__ import annotations

import os

_LOG = os.environ.get("KORLANTAS_E2E_TEMPLATE_LOG", "")

if _LOG:
    from django.template import base as _template_base

    # ``_render``, not ``render``: a template an ``{% extends %}`` names is rendered through it only.
    _render = getattr(_template_base.Template, "_render")  # noqa: B009 - private, unknown to the stubs
    _seen: set[str] = set()

    def _logged_render(self, context):  # type: ignore[no-untyped-def]
        name = getattr(self.origin, "template_name", None) or self.name
        if name and name not in _seen:
            _seen.add(name)
            with open(_LOG, "a", encoding="utf-8") as log:
                log.write(f"{name}\n")
        return _render(self, context)

    setattr(_template_base.Template, "_render", _logged_render)  # noqa: B010 - as above
