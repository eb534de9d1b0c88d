import sys

from django.contrib.auth import views as auth_views
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ntm.lib.accounts import PASSWORD_CHANGE_REQUIRED, is_shipped_password
from ntm.lib.middleware import DATABASE_DOWN_ERRORS, database_unavailable_response


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers, 503 when it does not (for the load balancer)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def server_error(request):
    """Django's 500 page, except when the database is what failed (in a middleware or
    while saving the session, outside any view): then the 503 page, as for a view."""
    if isinstance(sys.exc_info()[1], DATABASE_DOWN_ERRORS):
        return database_unavailable_response()
    return defaults.server_error(request)


class LoginView(auth_views.LoginView):
    """Django's login; a sign-in with the shipped demo password must change it first."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if is_shipped_password(form.cleaned_data["password"]):
            self.request.session[PASSWORD_CHANGE_REQUIRED] = True
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    def get_context_data(self, **kwargs):
        required = self.request.session.get(PASSWORD_CHANGE_REQUIRED, False)
        return super().get_context_data(**kwargs, password_change_required=required)

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session.pop(PASSWORD_CHANGE_REQUIRED, None)
        return response
