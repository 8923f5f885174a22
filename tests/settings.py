"""The test suite's settings: the project's settings under the ``test`` profile.

pytest-django imports settings before any conftest runs, so the profile is chosen here.
"""

import os

os.environ.setdefault("DJANGO_ENV", "test")

from korlantas.settings import *  # noqa: F403

# Processes a test starts (a Celery worker, the production probe) share this run's
# database name and Redis key prefix.
os.environ["KORLANTAS_TEST_RUN_ID"] = TEST_RUN_ID  # noqa: F405
