from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode

from ntm.lib.spreadsheets import render_spreadsheet

from .access import get_audit_scope_for_user
from .export import CONTENT_TYPES, audit_dataset
from .forms import AuditFilterForm
from .history import describe, history_rows

ENTRIES_PER_PAGE = 50


@login_required
def audit_list(request):
    """Who changed what and when in the units the user coordinates, newest first."""
    scope, _can = get_audit_scope_for_user(request.user, need="read")
    filters = AuditFilterForm(request.GET, communes=scope.communes)
    rows = history_rows(scope, **filters.resolve())
    page = Paginator(rows, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    context = {"filters": filters, "page": page, "entries": describe(page.object_list), "query": query}
    return render(request, "audit/audit_list.html", context)


@login_required
def audit_export(request, format):
    """Every change the list shows for the same filters, as .xlsx or .csv."""
    if format not in CONTENT_TYPES:
        raise Http404
    scope, _can = get_audit_scope_for_user(request.user, need="read")
    filters = AuditFilterForm(request.GET, communes=scope.communes)
    dataset = audit_dataset(history_rows(scope, **filters.resolve()))
    response = HttpResponse(render_spreadsheet(dataset, format=format), content_type=CONTENT_TYPES[format])
    stem = f"nhat-ky-thay-doi-{timezone.localdate().isoformat()}"
    response["Content-Disposition"] = f'attachment; filename="{stem}.{format}"'
    return response
