import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control

from .accounts import PASSWORD_CHANGE_REQUIRED

logger = logging.getLogger(__name__)


class DefaultLanguageMiddleware:
    """Activate the language chosen with the switcher, else Vietnamese.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and
    many office computers run an English Windows: the app must still open in
    Vietnamese. Only the language cookie set by the switcher changes it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


# What a client should wait before retrying when the database does not answer.
DATABASE_RETRY_AFTER_SECONDS = 30
DATABASE_DOWN_ERRORS = (OperationalError, InterfaceError)


def database_unavailable_response() -> HttpResponse:
    """The 503 page for a database that does not answer.

    Rendered without a request, so no context processor runs: the navigation would
    ask the database for the user's roles, and the page must not.
    """
    content = get_template("503.html").render({"retry_after": DATABASE_RETRY_AFTER_SECONDS})
    response = HttpResponse(content, status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A page whose view finds the database gone (PostgreSQL stopped, the SQLite file
    unreadable, a connection cut mid-request) answers 503 in Vietnamese with
    Retry-After, not a 500. Failures outside the view reach `ntm.views.server_error`,
    which answers the same."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_DOWN_ERRORS):
            return None
        logger.warning("Database unavailable for %s %s: %s", request.method, request.path, exception)
        return database_unavailable_response()


class SecurityHeadersMiddleware:
    """Headers Django does not set itself.

    - Permissions-Policy: no page uses the camera, microphone, location and the like.
    - Cache-Control: private, no-store on every response to a browser that carries a
      session (and on the login that creates it), so pages and downloaded evidence do
      not stay in the cache of a shared office PC or of a proxy. Other responses keep
      whatever caching they have (static files never get here: whitenoise answers first).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        session_cookie = settings.SESSION_COOKIE_NAME
        if session_cookie in request.COOKIES or session_cookie in response.cookies:
            patch_cache_control(response, private=True, no_store=True)
        return response


class PasswordChangeRequiredMiddleware:
    """Outside DEBUG, someone who signed in with the shipped demo password is sent to
    the password change page, whatever they ask for, until they have changed it. They
    may still sign out or switch the language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.DEBUG and request.session.get(PASSWORD_CHANGE_REQUIRED):
            change = reverse("password_change")
            if request.path not in (change, reverse("logout"), reverse("set_language")):
                return redirect(change)
        return self.get_response(request)
