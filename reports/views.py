from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from communes.access import access_for, get_commune_for_user
from communes.models import Membership
from criteria.access import can_enter_scores, can_manage_programme
from criteria.forms import StandingFilterForm
from criteria.models import CriteriaSet, Score
from criteria.standing import DistrictSummary, commune_rows, criteria_tree, village_standings
from dossiers.models import Dossier
from dossiers.progress import progress_of, with_progress_data


def _query(criteria_set, year, as_of) -> str:
    params = {"set": criteria_set.code, "year": year}
    if as_of:
        params["as_of"] = as_of.isoformat()
    return urlencode(params)


@login_required
def dashboard(request):
    """Communes × criteria: where every commune stands, at a glance."""
    filters = StandingFilterForm(request.GET)
    criteria_set, year, as_of = filters.resolve()
    access = access_for(request.user)
    context = {
        "filters": filters,
        "criteria_set": criteria_set,
        "year": year,
        "as_of": as_of,
        "can_import": access.has_role(Membership.Role.COORDINATOR),
    }
    if criteria_set is None:
        return render(request, "reports/dashboard.html", context)
    communes = (
        access.visible_communes().current(as_of).select_related("district").order_by("search_name", "name")
    )
    criteria = criteria_tree(criteria_set)
    rows = commune_rows(
        communes, criteria_set=criteria_set, year=year, as_of=as_of, criteria=criteria, detail=False
    )
    query = _query(criteria_set, year, as_of)
    dossiers = with_progress_data(
        Dossier.objects.filter(commune__in=communes, criteria_set=criteria_set, year=year)
    )
    progress = {p.dossier.commune_id: p for p in progress_of(dossiers)}
    for row in rows:
        row.url = f"{reverse('reports:scorecard', args=[row.commune.code])}?{query}"
        row.dossier = progress.get(row.commune.pk)
    context.update(
        rows=rows,
        criteria=criteria,
        summary=DistrictSummary(all_rows=rows, criteria_total=len(criteria)),
        query=query,
    )
    return render(request, "reports/dashboard.html", context)


@login_required
def scorecard(request, code):
    """One commune: every criterion and indicator, unmet first, with villages."""
    commune = get_commune_for_user(request.user, code)
    villages = list(commune.villages.order_by("name"))
    for village in villages:
        village.commune = commune
    filters = StandingFilterForm(request.GET)
    criteria_set, year, as_of = filters.resolve()
    context = {
        "commune": commune,
        "filters": filters,
        "criteria_set": criteria_set,
        "year": year,
        "as_of": as_of,
        "villages": villages,
        "predecessors": commune.predecessors.order_by("name"),
        "successors": commune.successors.order_by("name"),
        "can_enter": can_enter_scores(request.user, commune) and as_of is None,
        "can_manage": can_manage_programme(request.user, commune),
        "registrations": commune.registrations.select_related("criteria_set", "confirmed_by"),
        "recognitions": commune.recognitions.select_related("criteria_set"),
    }
    if criteria_set is not None:
        (row,) = commune_rows([commune], criteria_set=criteria_set, year=year, as_of=as_of)
        context.update(row=row, standing=row.standing, query=_query(criteria_set, year, as_of))
        context["dossier"] = Dossier.objects.filter(
            commune=commune, criteria_set=criteria_set, year=year
        ).first()
        context["village_results"] = _village_results(commune, villages, year, as_of)
    return render(request, "reports/scorecard.html", context)


def _village_results(commune, villages, year, as_of):
    """Each village set in use in the commune that year, with every village's standing."""
    set_ids = (
        Score.objects.filter(commune=commune, village__isnull=False, year=year)
        .values_list("indicator__criterion__criteria_set", flat=True)
        .distinct()
    )
    results = []
    for village_set in CriteriaSet.objects.filter(pk__in=set_ids, level=CriteriaSet.Level.VILLAGE):
        standings = village_standings(villages, criteria_set=village_set, year=year, as_of=as_of)
        results.append((village_set, [standings[v.pk] for v in villages]))
    return results
