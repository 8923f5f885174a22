"""The test suite's settings: the project's settings under the ``test`` profile.

pytest-django imports settings before any conftest runs, so the profile is chosen here.
"""

import os

os.environ.setdefault("DJANGO_ENV", "test")

from korlantas.settings import *  # noqa: F403

# Processes a test starts (a Celery worker, the production probe) share this run's
# database name and Redis key prefix.
os.environ["KORLANTAS_TEST_RUN_ID"] = TEST_RUN_ID  # noqa: F405

# Files a test stores (uploads, rendered documents) go to a directory of this run, never to
# var/media of the checkout; tests that look at files set their own tmp_path on top.
import atexit
import shutil
import tempfile
from pathlib import Path

MEDIA_ROOT = Path(tempfile.mkdtemp(prefix=f"korlantas-test-media-{TEST_RUN_ID}-"))  # noqa: F405
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)

# The 2 % second-check draw is keyed on random public ids: across the whole suite it would pick
# a different 2 % of approvals on every run (and add queries to their path). Off here;
# tests/supervision/test_second_checks.py sets it explicitly.
SUPERVISION_SECOND_CHECK_PER_MILLE = 0
