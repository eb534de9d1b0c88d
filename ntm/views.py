import sys

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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
