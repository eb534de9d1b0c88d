"""The dashboard's grid (communes × criteria, its totals and dossier columns), kept in
Django's cache under a version of the data it is drawn from.

The version is the newest history row of every model the grid reads: each score,
registration, recognition, target, dossier, item or appraisal written through the app
(one by one or in bulk, with history) adds one, so a warm grid is never stale, and
several processes sharing one cache backend agree on it. Communes, the set, the year
and the day (`as_of`, or today) are part of the key.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from criteria.models import SET_RULES, CriteriaSet, Recognition, Registration, Score
from criteria.standing import CommuneRow, DistrictSummary, commune_rows, criteria_tree, units_in_scope
from dossiers.models import Appraisal, Dossier, DossierItem
from dossiers.progress import appraisal_progress_of

from .levels import Tile, group_tiles

# Long enough to serve a morning of meetings; a new version makes a new key anyway.
GRID_TIMEOUT = 6 * 60 * 60
VERSIONED_MODELS = (Score, Registration, Recognition, *SET_RULES, Dossier, DossierItem, Appraisal)


@dataclass
class Grid:
    rows: list[CommuneRow]
    criteria: list
    summary: DistrictSummary
    # More than one group: a province's communes by former district or commune group.
    groups: list[Tile] = field(default_factory=list)

    def group(self, key: str) -> Tile | None:
        return next((tile for tile in self.groups if tile.key == key), None)


def data_version() -> str:
    """The newest history id of each model the grid reads (one query, each answered
    from its primary key index)."""
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"(SELECT MAX({quote('history_id')}) FROM {quote(model.history.model._meta.db_table)})"
        for model in VERSIONED_MODELS
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")  # noqa: S608 - table names from the models, no input
        return ".".join(str(newest or 0) for newest in cursor.fetchone())


def _key(commune_ids, *, criteria_set: CriteriaSet, year: int, as_of: datetime.date | None) -> str:
    communes = hashlib.sha256(",".join(map(str, commune_ids)).encode()).hexdigest()[:24]
    day = (as_of or timezone.localdate()).isoformat()
    parts = [criteria_set.pk, year, day, "now" if as_of is None else "as_of", data_version()]
    return f"dashboard-grid:{translation.get_language()}:{':'.join(map(str, parts))}:{communes}"


def dashboard_grid(communes, *, criteria_set: CriteriaSet, year: int, as_of, query: str) -> Grid:
    """The grid of `communes` (a queryset, in display order), from the cache when the
    data has not changed since it was drawn (2 queries), else drawn and kept."""
    key = _key(list(communes.values_list("pk", flat=True)), criteria_set=criteria_set, year=year, as_of=as_of)
    grid = cache.get(key)
    if grid is not None:
        return grid
    criteria = criteria_tree(criteria_set)
    # Only the units the set applies to are counted; the others are listed apart.
    covered, outside = units_in_scope(communes, criteria_set)
    rows = commune_rows(
        covered, criteria_set=criteria_set, year=year, as_of=as_of, criteria=criteria, detail=False
    )
    dossiers = Dossier.objects.filter(commune__in=covered, criteria_set=criteria_set, year=year)
    progress = {p.dossier.commune_id: p for p in appraisal_progress_of(dossiers)}
    for row in rows:
        row.url = f"{reverse('reports:scorecard', args=[row.commune.code])}?{query}"
        row.dossier = progress.get(row.commune.pk)
    summary = DistrictSummary(all_rows=rows, criteria_total=len(criteria), outside=outside)
    grid = Grid(rows=rows, criteria=criteria, summary=summary, groups=group_tiles(rows, len(criteria)))
    cache.set(key, grid, GRID_TIMEOUT)
    return grid
