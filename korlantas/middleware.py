"""Project-wide middleware: session limits and caching rules for signed-in pages."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from korlantas.lib import clock, request_context

logger = logging.getLogger("korlantas.security")

SESSION_STARTED = "_korlantas_session_started"
SESSION_LAST_SEEN = "_korlantas_session_last_seen"
# Refresh "last seen" at most once a minute, so an active session does not write its
# row on every request (Django's SESSION_SAVE_EVERY_REQUEST would).
LAST_SEEN_RESOLUTION = 60


@receiver(user_logged_in)
def start_session_clock(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    if request is not None and hasattr(request, "session"):
        now = clock.now().timestamp()
        request.session[SESSION_STARTED] = now
        request.session[SESSION_LAST_SEEN] = now


class SessionLimitsMiddleware:
    """Ends a signed-in session after 30 idle minutes or 12 hours in all (ASVS 7.3.1/7.3.2)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = clock.now().timestamp()
            started = request.session.get(SESSION_STARTED, now)
            last_seen = request.session.get(SESSION_LAST_SEEN, now)
            idle = now - last_seen > settings.SESSION_IDLE_SECONDS
            too_old = now - started > settings.SESSION_ABSOLUTE_SECONDS
            if idle or too_old:
                logger.info(
                    "session ended by limit",
                    extra={"user_id": request.user.pk, "reason": "idle" if idle else "absolute"},
                )
                logout(request)
                messages.info(request, _("Your session has ended. Please sign in again."))
                return redirect_to_login(request.get_full_path())
            if SESSION_STARTED not in request.session:
                request.session[SESSION_STARTED] = now
            if now - last_seen >= LAST_SEEN_RESOLUTION or SESSION_LAST_SEEN not in request.session:
                request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


class NoStoreForSignedInMiddleware:
    """Pages shown to a signed-in person may hold personal data: never cache them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            add_never_cache_headers(response)
        return response


class PortalLocaleMiddleware(LocaleMiddleware):
    """Bahasa Indonesia unless the visitor switched language (the cookie set by the switch,
    or for a signed-in person the language saved on their account).

    The browser's Accept-Language is deliberately not consulted: the portal speaks
    Indonesian first, whatever language a borrowed or office computer is set to.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        user = getattr(request, "user", None)
        if chosen is None and user is not None and user.is_authenticated:
            # A signed-in person on a new device gets the language their account remembers.
            chosen = user.language
        supported = {code for code, _name in settings.LANGUAGES}
        translation.activate(chosen if chosen in supported else settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()


class ClientAddressMiddleware:
    """Makes the request's client address readable by services (``korlantas.lib.request_context``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from audit.services import client_ip

        token = request_context.set_client_address(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            request_context.reset_client_address(token)
