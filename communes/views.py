from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from criteria.models import ImportUpload
from criteria.views import claim_upload, preview_rows_import
from jobs.models import Job

from .access import access_for, can_merge_communes, merger_communes_for_user, units_importer
from .forms import MergerForm, UnitsFileForm
from .resources import import_units
from .services import merge_communes
from .tasks import import_units_job


@login_required
def commune_list(request):
    """The communes the user may see, searchable without diacritics."""
    query = request.GET.get("q", "").strip()
    communes = (
        access_for(request.user)
        .visible_communes()
        .search(query)
        .select_related("district", "province")
        .annotate(village_count=Count("villages"))
        .order_by("search_name", "name")
    )
    page = Paginator(communes, 50).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "can_merge": can_merge_communes(request.user)}
    return render(request, "communes/commune_list.html", context)


@login_required
def commune_merge(request):
    """Coordinators record a merger of communes they coordinate (sáp nhập xã)."""
    communes = merger_communes_for_user(request.user)
    form = MergerForm(request.POST or None, communes=communes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            commune = merge_communes(
                into_code=data["into_code"],
                from_codes=[c.code for c in data["predecessors"]],
                on=data["on"],
                name=data["name"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Đã sáp nhập %(count)d xã vào xã %(name)s.")
                % {"count": len(data["predecessors"]), "name": commune.name},
            )
            return redirect(commune)
    return render(request, "communes/commune_merge.html", {"form": form})


@login_required
def units_import(request):
    """Coordinators import a units file (provinces, districts, communes, villages,
    mergers) over the units they coordinate: preview first, then confirm; all or
    nothing. A long file is checked and imported by a worker, its page following it."""
    access = units_importer(request.user)
    if request.method == "POST" and "upload" in request.POST:
        return _units_import_confirm(request, access)
    form = UnitsFileForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return _units_import_page(request, {"form": form})
    return preview_rows_import(
        request,
        form,
        upload_kind=ImportUpload.Kind.UNITS,
        job_kind=Job.Kind.UNITS_IMPORT,
        task=import_units_job,
        dry_run=partial(import_units, user=request.user, access=access),
        page=_units_import_page,
    )


def _units_import_page(request, context):
    context["background_rows"] = settings.BACKGROUND_IMPORT_ROWS
    return render(request, "communes/units_import.html", context)


def _units_import_confirm(request, access):
    upload, rows = claim_upload(request, ImportUpload.Kind.UNITS)
    if rows is None:
        return redirect("communes:units_import")
    with rows:
        report = import_units(rows, user=request.user, access=access, format="csv")
    upload.discard()
    if not report.ok:
        # The units changed between preview and confirm; nothing was written.
        return _units_import_page(request, {"form": UnitsFileForm(), "report": report})
    messages.success(
        request,
        _("Đã nhập tệp %(name)s. %(summary)s")
        % {"name": upload.original_name, "summary": " ".join(report.summary_lines())},
    )
    return redirect("communes:commune_list")
