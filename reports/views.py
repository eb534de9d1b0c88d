from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communes.access import access_for, get_commune_for_user
from communes.models import Membership, Province, Region
from criteria.access import can_import_scores
from criteria.completeness import is_unchecked
from criteria.forms import StandingFilterForm
from criteria.owners import ownership_for
from criteria.standing import commune_rows, criteria_tree, predecessor_rows
from dossiers.models import Dossier
from jobs.access import coordinated_unit
from jobs.models import Job
from jobs.services import start_job
from ntm.lib.downloads import stored_file_response
from ntm.lib.storage import is_storage_full

from .access import (
    get_report_scope_for_user,
    get_signature_for_user,
    get_snapshot_for_user,
    signature_units,
    visible_snapshots,
)
from .content import scope_levels, short_date, village_results
from .forms import SignatureBlockForm, SnapshotForm
from .grid import GRID_TIMEOUT, dashboard_grid, dashboard_overview
from .models import ReportKind
from .pdf import render_pdf
from .services import save_snapshot
from .tasks import render_report_job, report_for_query
from .workqueue import QUEUE_TIMEOUT, work_queue
from .xlsx import render_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DISTRICT_ROLES = (Membership.Role.COORDINATOR, Membership.Role.DEPARTMENT, Membership.Role.LEADER)
SNAPSHOTS_PER_PAGE = 50
COMMUNE_LINKS_PER_PAGE = 100


def _query(criteria_set, year, as_of) -> str:
    params = {"set": criteria_set.code, "year": year}
    if as_of:
        params["as_of"] = as_of.isoformat()
    return urlencode(params)


@login_required
def dashboard(request):
    """Each user's starting point: "Việc cần làm" (their work queue), then the overview
    they may see — communes × criteria, where every commune stands, at a glance."""
    filters = StandingFilterForm(request.GET)
    criteria_set, year, as_of = filters.resolve()
    access = access_for(request.user)
    context = {
        "filters": filters,
        "criteria_set": criteria_set,
        "year": year,
        "as_of": as_of,
        "can_import": can_import_scores(request.user),
        "body_timeout": GRID_TIMEOUT,
        "queue_timeout": QUEUE_TIMEOUT,
    }
    if criteria_set is None:
        context["queue"] = work_queue(
            request.user, grid=None, own=None, criteria_set=None, year=year, query=""
        )
        return render(request, "reports/dashboard.html", context)
    # Each district and province read once and shared by its communes, not one copy
    # per commune: a drawn grid is pickled into the cache with every row.
    communes = (
        access.visible_communes()
        .current(as_of)
        .prefetch_related("district", "province")
        .order_by("search_name", "name")
    )
    query = _query(criteria_set, year, as_of)
    context.update(query=query, level_query=query)
    shown = {"criteria_set": criteria_set, "year": year, "as_of": as_of, "query": query}
    # The communes shown and their provinces, in display order (one query, which the
    # grid's cache key reuses).
    scope = list(communes.values_list("pk", "province_id"))
    provinces = {province_id for _pk, province_id in scope}
    province = _opened_province(request, provinces) if len(provinces) > 1 else None
    if len(provinces) > 1 and province is None:
        context.update(_country_context(request, communes, scope, **shown))
    else:
        if province is not None:
            communes = communes.filter(province=province)
            scope = [(pk, province_id) for pk, province_id in scope if province_id == province.pk]
            context.update(province=province, level_query=f"{query}&{urlencode({'province': province.code})}")
        context.update(_grid_context(request, communes, [pk for pk, _province in scope], **shown))
    # The filter form as the query wrote it (with its errors), over the sets listed at
    # the version the page's body is kept under.
    written = [request.GET.getlist(name) for name in filters.fields]
    context["filters_key"] = f"{context['body_key']}:{filters.is_bound}:{written}"
    return render(request, "reports/dashboard.html", context)


def _opened_province(request, provinces: set[int]) -> Province | None:
    """The province `?province=CODE` opens among those shown; None (with a message for a
    code not among them) for the country's lines."""
    if not (code := request.GET.get("province")):
        return None
    province = Province.objects.filter(code=code, pk__in=provinces).first()
    if province is None:
        messages.error(request, _("Không có tỉnh này trong phạm vi theo dõi; đang hiện tất cả các tỉnh."))
    return province


def _country_context(request, communes, scope, *, criteria_set, year, as_of, query) -> dict:
    """Several provinces: their totals and one line per province."""
    overview = dashboard_overview(
        communes, scope, criteria_set=criteria_set, year=year, as_of=as_of, query=query
    )
    return {
        "overview": overview,
        # The country's communes at risk are counted by province, not listed.
        "outside": overview.outside,
        "queue": work_queue(
            request.user, grid=overview, own=None, criteria_set=criteria_set, year=year, query=query
        ),
        "body_key": overview.key,
    }


def _grid_context(request, communes, ids, *, criteria_set, year, as_of, query) -> dict:
    """One province or district: its totals, its group tiles or its communes' grid."""
    grid = dashboard_grid(communes, ids, criteria_set=criteria_set, year=year, as_of=as_of, query=query)
    summary, group = grid.totals, None
    if grid.groups and "group" in request.GET:
        # A tile's link: that group's grid and totals.
        group = grid.group(request.GET["group"])
        if group is None:
            messages.error(
                request, _("Không có nhóm xã này trong phạm vi theo dõi; đang hiện tất cả các nhóm.")
            )
        else:
            summary = group.summary
    # A single commune (an official's own): its row, and its standing in the queue.
    single = grid.rows[0] if grid.size == 1 else None
    # A commune official sees their own commune, not a one-commune "district" average.
    own_commune = single if not access_for(request.user).has_role(*DISTRICT_ROLES) else None
    return {
        # Read only when the page's body is drawn, not when it comes from the cache.
        # Several groups and none chosen: their tiles, not one grid of every commune.
        "grid_rows": SimpleLazyObject(lambda: group.rows if group else ([] if grid.groups else grid.rows)),
        "criteria": SimpleLazyObject(lambda: grid.criteria),
        "at_risk": SimpleLazyObject(
            lambda: [] if own_commune else (group.summary.at_risk if group else grid.at_risk)
        ),
        "grid": grid,
        "grid_size": grid.size,
        "groups": grid.groups,
        "group": group,
        "summary": summary,
        "outside": [] if group else grid.outside,
        "queue": work_queue(
            request.user, grid=grid, own=single, criteria_set=criteria_set, year=year, query=query
        ),
        "own_commune": own_commune,
        # What the page drawn from the grid varies on: the grid, the group opened, and
        # whether it shows an official their own commune.
        "body_key": f"{grid.key}:{group.key if group else ''}:{'own' if own_commune else ''}",
    }


@login_required
def scorecard(request, code):
    """One commune: every criterion and indicator, unmet first, with villages."""
    commune, can = get_commune_for_user(request.user, code)
    villages = list(commune.villages.order_by("name"))
    for village in villages:
        village.commune = commune
    filters = StandingFilterForm(request.GET)
    criteria_set, year, as_of = filters.resolve()
    predecessors = list(commune.predecessors.order_by("name"))
    context = {
        "commune": commune,
        "filters": filters,
        "criteria_set": criteria_set,
        "year": year,
        "as_of": as_of,
        "villages": villages,
        "predecessors": predecessors,
        "successors": commune.successors.order_by("name"),
        "can_enter": can.enter and as_of is None,
        "can_manage": can.coordinate,
        "registrations": commune.registrations.select_related("criteria_set", "confirmed_by"),
        "recognitions": commune.recognitions.select_related("criteria_set"),
    }
    if criteria_set is not None and not criteria_set.applies_to_unit(commune):
        # A thị trấn has no standing against a xã set: say so rather than count it.
        context["not_covered"] = True
    elif criteria_set is not None:
        criteria = criteria_tree(criteria_set)
        (row,) = commune_rows([commune], criteria_set=criteria_set, year=year, as_of=as_of, criteria=criteria)
        # The region whose targets judge the commune this year (its own, or a rule's).
        region = criteria_set.edition(year, as_of).region_of(commune)
        context.update(
            row=row,
            standing=row.standing,
            query=_query(criteria_set, year, as_of),
            ownership=ownership_for(commune, criteria_set),
            target_region=Region(region) if region else None,
            unchecked=is_unchecked(criteria, criteria_set.edition(year, as_of)),
        )
        context["dossier"] = Dossier.objects.filter(
            commune=commune, criteria_set=criteria_set, year=year
        ).first()
        context["village_results"] = village_results(commune, villages, year, as_of)
        context["predecessor_rows"] = predecessor_rows(
            predecessors, criteria_set=criteria_set, year=year, as_of=as_of
        )
    return render(request, "reports/scorecard.html", context)


# --- Printed reports ----------------------------------------------------------------
#
# Each report has a preview page, a .pdf and an .xlsx at stable addresses taking the
# dashboard's ?set=&year=&as_of=, and a form that saves the PDF for a meeting. The
# three formats are rendered from one report object (content.py).


def _report(request, kind, scope):
    """The filters of the query string, and the report they ask for (None without a set)."""
    return report_for_query(kind, scope, request.GET)


def report_urls(kind, commune=None) -> dict[str, str]:
    """The preview, downloads and snapshot form of a report, without the query."""
    args = [commune.code] if commune is not None else []
    return {
        name: reverse(f"reports:{kind}{suffix}", args=args)
        for name, suffix in (
            ("preview", ""),
            ("pdf", "_pdf"),
            ("xlsx", "_xlsx"),
            ("snapshot", "_snapshot"),
            ("job", "_job"),
        )
    }


def _preview(request, kind, scope, can, filters, report, *, snapshot_form=None, status=200):
    context = {
        "kind": kind,
        "heading": ReportKind(kind).label,
        "commune": scope.commune,
        "filters": filters,
        "report": report,
        "urls": report_urls(kind, scope.commune),
        "can_save": can.save,
        "snapshot_form": snapshot_form or SnapshotForm(),
    }
    return render(request, "reports/report_preview.html", context, status=status)


@login_required
def report_preview(request, kind, code=None):
    scope, can = get_report_scope_for_user(request.user, kind, code)
    filters, report = _report(request, kind, scope)
    if report is not None and report.notice:
        messages.error(request, report.notice)
    return _preview(request, kind, scope, can, filters, report)


@login_required
def report_download(request, kind, extension, code=None):
    """The report as .pdf or .xlsx; 404 when there is nothing to print."""
    scope, _can = get_report_scope_for_user(request.user, kind, code)
    _filters, report = _report(request, kind, scope)
    if report is None or not report.communes:
        raise Http404
    if extension == "pdf":
        response = HttpResponse(render_pdf(report), content_type="application/pdf")
    else:
        response = HttpResponse(render_xlsx(report), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"{report.file_stem}.{extension}")
    return response


@login_required
@require_POST
def report_job(request, kind, code=None):
    """Render a large report's .pdf or .xlsx in the background; the job's page offers it.
    Those who may save a report for a meeting may have one rendered."""
    scope, _can = get_report_scope_for_user(request.user, kind, code, need="save")
    _filters, report = _report(request, kind, scope)
    if report is None or not report.communes:
        raise Http404
    extension = request.POST.get("format")
    if extension not in ("pdf", "xlsx"):
        return HttpResponseBadRequest(_("Chọn PDF hoặc Excel."))
    job = start_job(
        kind=Job.Kind.REPORT,
        title=f"{report.file_stem}.{extension}",
        user=request.user,
        task=render_report_job,
        unit=coordinated_unit(request.user),
        task_kwargs={"kind": kind, "code": code, "extension": extension, "query": request.GET.dict()},
    )
    return redirect(job)


@login_required
@require_POST
def snapshot_create(request, kind, code=None):
    """Save the report, as the query string asks for it, for a meeting."""
    scope, can = get_report_scope_for_user(request.user, kind, code, need="save")
    filters, report = _report(request, kind, scope)
    if report is None or not report.communes:
        raise Http404
    form = SnapshotForm(request.POST)
    if not form.is_valid():
        return _preview(request, kind, scope, can, filters, report, snapshot_form=form, status=400)
    try:
        snapshot = save_snapshot(report=report, user=request.user, **form.cleaned_data)
    except OSError as error:
        if not is_storage_full(error):
            raise
        form.add_error(
            None,
            _(
                "Máy chủ đã hết chỗ lưu trữ nên chưa lưu được bản báo cáo; không có gì được lưu dở. "
                "Hãy báo quản trị hệ thống."
            ),
        )
        return _preview(request, kind, scope, can, filters, report, snapshot_form=form, status=507)
    messages.success(
        request,
        _("Đã lưu bản báo cáo số %(number)s cho cuộc họp ngày %(date)s.")
        % {"number": snapshot.number, "date": short_date(snapshot.meeting_date)},
    )
    return redirect(f"{reverse('reports:snapshot_list')}#snapshot-{snapshot.pk}")


@login_required
def report_index(request):
    """The reports, for the filters chosen, and the latest snapshots."""
    filters = StandingFilterForm(request.GET)
    criteria_set, year, as_of = filters.resolve()
    visible = access_for(request.user).visible_communes().current(as_of)
    search = request.GET.get("q", "").strip()
    # A page of commune links: the index of a province or of the country costs what one
    # district's did. A link needs the commune's code and name only.
    communes = visible.search(search).order_by("search_name", "name").only("code", "name")
    page = Paginator(communes, COMMUNE_LINKS_PER_PAGE).get_page(request.GET.get("page"))
    query = _query(criteria_set, year, as_of) if criteria_set else ""
    provinces, groups = scope_levels(visible)
    context = {
        "filters": filters,
        "criteria_set": criteria_set,
        "year": year,
        "as_of": as_of,
        "query": query,
        "search": search,
        "page": page,
        "page_params": "&".join(part for part in (query, urlencode({"q": search}) if search else "") if part),
        "communes": page.object_list,
        # A report per province, or per group of the province: each narrows the report
        # of the whole scope.
        "provinces": provinces,
        "groups": groups,
        "kinds": ReportKind,
        "snapshots": visible_snapshots(request.user).select_related("created_by")[:5],
        "signature_units": signature_units(request.user),
    }
    return render(request, "reports/report_index.html", context)


@login_required
def snapshot_list(request):
    """Saved reports, by meeting date, newest first."""
    snapshots = visible_snapshots(request.user).select_related("created_by")
    page = Paginator(snapshots, SNAPSHOTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "reports/snapshot_list.html", {"page": page, "snapshots": page.object_list})


@login_required
def snapshot_download(request, pk):
    """The stored bytes, exactly as saved; never served as a static file."""
    snapshot = get_snapshot_for_user(request.user, pk)
    what = _("bản báo cáo đã lưu số %(number)s (%(title)s)") % {
        "number": snapshot.number,
        "title": snapshot.title,
    }
    return stored_file_response(
        request,
        snapshot.file,
        what=what,
        back=reverse("reports:snapshot_list"),
        as_attachment=True,
        filename=snapshot.download_name,
        content_type="application/pdf",
    )


@login_required
def signature_edit(request, kind, pk):
    """Who signs the unit's documents: its coordinators keep it, the others read it."""
    block, can = get_signature_for_user(
        request.user, kind, pk, need="edit" if request.method == "POST" else None
    )
    form = SignatureBlockForm(request.POST or None, instance=block)
    if request.method == "POST" and form.is_valid():
        block = form.save(commit=False)
        block.updated_by = request.user
        block.save()
        messages.success(request, _("Đã lưu chữ ký văn bản của %(unit)s.") % {"unit": block.unit})
        return redirect("reports:index")
    context = {"block": block, "form": form if can.edit else None}
    return render(request, "reports/signature_edit.html", context, status=400 if form.is_bound else 200)
