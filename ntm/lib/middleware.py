from django.conf import settings
from django.utils import translation


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
