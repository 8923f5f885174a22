"""What the applications pages share: the service's display name, refusal messages, the
citizen's own application (anyone else's is a 404)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from applications import selectors
from applications.models import Application
from applications.registry import UnknownService, get_service
from applications.services import ApplicationError, StaleApplication, TransitionRefused
from applications.workflow import APPLICATION_WORKFLOW, CITIZEN
from korlantas.lib.http import AuthenticatedHttpRequest


def service_name(application: Application) -> str | Promise:
    try:
        return get_service(application.service_code).name
    except UnknownService:
        return application.service_code


def report_refusal(request: HttpRequest, error: ApplicationError) -> None:
    if isinstance(error, StaleApplication):
        messages.error(request, StaleApplication.message)
    elif isinstance(error, TransitionRefused):
        for reason in error.reasons:
            messages.error(request, str(reason))


def own_application(request: AuthenticatedHttpRequest, public_id: uuid.UUID) -> Application:
    """The signed-in user's application; anyone else's is a 404, as if it did not exist."""
    application = selectors.application_of(applicant=request.user, public_id=public_id)
    if application is None:
        raise Http404
    return application


def citizen_may(application: Application, action: str) -> bool:
    return any(t.name == action for t in APPLICATION_WORKFLOW.available(application.status, CITIZEN))


def shown_value(value: Any) -> Any:
    """A stored detail as a person reads it: a checkbox as yes or no, not True/False."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value
