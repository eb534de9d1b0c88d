from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from criteria.forms import ImportConfirmForm
from criteria.models import ImportUpload
from criteria.views import PREVIEW_ACTIONS, _claim_upload
from jobs.access import coordinated_unit
from jobs.models import Job
from jobs.services import start_job
from ntm.lib.spreadsheet_files import estimate_rows
from ntm.lib.spreadsheets import RowCopy

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
    file = form.cleaned_data["file"]
    rows = estimate_rows(file, format=file.extension) - 1  # less the header
    if settings.BACKGROUND_IMPORT_ROWS < rows <= settings.IMPORT_MAX_ROWS:
        job = start_job(
            kind=Job.Kind.UNITS_IMPORT,
            title=file.name,
            user=request.user,
            task=import_units_job,
            source=file,
            unit=coordinated_unit(request.user),
        )
        return redirect(job)
    context = {"form": form, "file_name": file.name}
    with RowCopy() as rows:
        report = import_units(
            file, user=request.user, access=access, format=file.extension, dry_run=True, copy_to=rows
        )
        if report.ok:
            # The rows read are kept for the confirmation, which checks them again.
            upload = ImportUpload(
                kind=ImportUpload.Kind.UNITS, original_name=file.name, uploaded_by=request.user
            )
            upload.file.save("rows.csv", File(rows.finish()))
            context["confirm_form"] = ImportConfirmForm(initial={"upload": upload.pk})
            context["preview"] = [(row.description, PREVIEW_ACTIONS[row.outcome]) for row in report.preview]
    context["report"] = report
    return _units_import_page(request, context)


def _units_import_page(request, context):
    context["background_rows"] = settings.BACKGROUND_IMPORT_ROWS
    return render(request, "communes/units_import.html", context)


def _units_import_confirm(request, access):
    upload, rows = _claim_upload(request, ImportUpload.Kind.UNITS)
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
