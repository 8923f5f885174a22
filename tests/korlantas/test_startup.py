"""What a web process loads at start: heavy libraries only needed by rare requests wait."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.utils import BASE_DIR


def test_loading_every_url_and_app_does_not_import_pikepdf() -> None:
    # pikepdf (+18 MB, +0.16 s) is only needed when someone uploads a PDF.
    code = (
        "import sys, django; django.setup(); "
        "from django.urls import get_resolver; get_resolver().url_patterns; "
        "import applications.services, applications.uploads; "
        "print('pikepdf' in sys.modules)"
    )
    env = {**os.environ, "DJANGO_ENV": "test", "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
