"""The dashboard's grid (communes × criteria, its totals and dossier columns), kept in
Django's cache under a version of the data it is drawn from.

The version (`ntm.lib.versions`) is the newest history row of every model the grid
reads: each unit, score, registration, recognition, criterion, indicator, target,
dossier, item or appraisal written through the app adds one, so a warm grid is never
stale. Communes, the set, the year and the day (`as_of`, or today) are part of the key.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone, translation

from communes.models import UNITS
from criteria.models import SET_RULES, CriteriaSet, Recognition, Registration, Score
from criteria.standing import CommuneRow, DistrictSummary, commune_rows, criteria_tree, units_in_scope
from dossiers.models import Appraisal, Dossier, DossierItem
from dossiers.progress import appraisal_progress_of
from ntm.lib.urls import url_of_code
from ntm.lib.versions import version_of

from .levels import Tile, group_tiles, province_tiles

# Long enough to serve a morning of meetings; a new version makes a new key anyway.
GRID_TIMEOUT = 6 * 60 * 60
# The units too: a commune's region, class or group decides which targets judge it, and
# its group and district which tile it is counted in.
VERSIONED_MODELS = (
    *UNITS,
    Score,
    Registration,
    Recognition,
    *SET_RULES,
    Dossier,
    DossierItem,
    Appraisal,
)


@dataclass(frozen=True)
class Totals:
    """The numbers of a group or a province, copied from its DistrictSummary: what the
    dashboard shows of the communes it does not list, kept without their rows."""

    commune_count: int
    not_assessed_count: int
    average_criteria: float
    bands: list[tuple[str, int]]
    recognised_count: int
    registered_count: int
    at_risk_count: int
    all_count: int

    @classmethod
    def of(cls, summary: DistrictSummary) -> Totals:
        return cls(
            commune_count=summary.commune_count,
            not_assessed_count=summary.not_assessed_count,
            average_criteria=summary.average_criteria,
            bands=summary.bands,
            recognised_count=summary.recognised_count,
            registered_count=summary.registered_count,
            at_risk_count=summary.at_risk_count,
            all_count=len(summary.all_rows),
        )


@dataclass(frozen=True)
class Line:
    """A tile of a province's group, or a country's row of one province: its key
    (`?group=`, `?province=`), its name and its totals."""

    key: str
    name: str
    totals: Totals

    @classmethod
    def of(cls, tile: Tile) -> Line:
        return cls(tile.key, tile.name, Totals.of(tile.summary))


class Apart:
    """A part of a cached object kept pickled with the other parts, and read only when
    a page uses it: a warm dashboard, whose body and work queue come from the cache
    too, reads none of a province's rows, criteria or communes at risk."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        obj.__dict__.update(pickle.loads(obj.kept))  # noqa: S301 - written by keep(), read from our own cache
        return obj.__dict__[self.name]


class KeepsApart:
    """An object of the cache whose `Apart` parts travel as `kept` only: pickled
    together, so what they share (the criteria every row's summaries point to, the rows
    at risk) is written once."""

    kept: bytes

    def keep(self, **parts) -> None:
        self.kept = pickle.dumps(parts, pickle.HIGHEST_PROTOCOL)
        self._kept_names = frozenset(parts)
        self.__dict__.update(parts)

    def __getstate__(self):
        return {name: value for name, value in self.__dict__.items() if name not in self._kept_names}


@dataclass
class Grid(KeepsApart):
    """The communes of one province (or district): their totals, their groups, and,
    kept apart, the criteria, the communes at risk and every commune's row."""

    totals: Totals
    # More than one group: a province's communes by former district or commune group.
    groups: list[Line]
    outside: list
    size: int
    # The cache key it is kept under: what a page drawn from it varies on.
    key: str = ""

    criteria = Apart()
    at_risk = Apart()
    rows = Apart()

    @classmethod
    def of(cls, rows: list[CommuneRow], criteria: list, outside: list) -> Grid:
        summary = DistrictSummary(all_rows=rows, criteria_total=len(criteria), outside=outside)
        grid = cls(
            totals=Totals.of(summary),
            groups=[Line.of(tile) for tile in group_tiles(rows, len(criteria))],
            outside=outside,
            size=len(rows),
        )
        grid.keep(criteria=criteria, at_risk=summary.at_risk, rows=rows)
        return grid

    def group(self, key: str) -> Tile | None:
        """The rows and totals of the group `key`, for its grid; None for no such group."""
        return next((tile for tile in group_tiles(self.rows, len(self.criteria)) if tile.key == key), None)


@dataclass
class Overview(KeepsApart):
    """Communes of several provinces: the totals, one line per province, and, kept
    apart, the communes at risk (the coordinator's queue lists them)."""

    totals: Totals
    provinces: list[Line]
    outside: list
    key: str = ""

    at_risk = Apart()


def data_version() -> str:
    """The version of everything the grid reads (one query)."""
    return version_of(*VERSIONED_MODELS)


def _key(kind: str, commune_ids, *, version: str, criteria_set, year: int, as_of) -> str:
    communes = hashlib.sha256(",".join(map(str, commune_ids)).encode()).hexdigest()[:24]
    day = (as_of or timezone.localdate()).isoformat()
    parts = [criteria_set.pk, year, day, "now" if as_of is None else "as_of", version]
    return f"dashboard-{kind}:{translation.get_language()}:{':'.join(map(str, parts))}:{communes}"


def _draw(communes, *, criteria_set: CriteriaSet, year: int, as_of, query: str) -> Grid:
    criteria = criteria_tree(criteria_set)
    # Only the units the set applies to are counted; the others are listed apart.
    covered, outside = units_in_scope(communes, criteria_set)
    rows = commune_rows(
        covered, criteria_set=criteria_set, year=year, as_of=as_of, criteria=criteria, detail=False
    )
    dossiers = Dossier.objects.filter(commune__in=covered, criteria_set=criteria_set, year=year)
    progress = {p.dossier.commune_id: p for p in appraisal_progress_of(dossiers)}
    scorecard = url_of_code("reports:scorecard")
    for row in rows:
        row.url = f"{scorecard(row.commune.code)}?{query}"
        row.dossier = progress.get(row.commune.pk)
    return Grid.of(rows, criteria, outside)


def dashboard_grid(
    communes, ids: list[int], *, criteria_set: CriteriaSet, year: int, as_of, query: str
) -> Grid:
    """The grid of `communes` (a queryset, in display order; `ids`, their ids in that
    order), from the cache when the data has not changed since it was drawn (1 query),
    else drawn and kept."""
    key = _key("grid", ids, version=data_version(), criteria_set=criteria_set, year=year, as_of=as_of)
    grid = cache.get(key)
    if grid is None:
        grid = _draw(communes, criteria_set=criteria_set, year=year, as_of=as_of, query=query)
        grid.key = key
        cache.set(key, grid, GRID_TIMEOUT)
    return grid


def dashboard_overview(
    communes, scope: list[tuple[int, int]], *, criteria_set: CriteriaSet, year: int, as_of, query: str
) -> Overview:
    """The totals of `communes` of several provinces (`scope`: their ids and province
    ids, in display order) and one line per province, from the cache when the data has
    not changed (1 query). Drawing it draws every province's grid too, and keeps each,
    so opening a province after the country costs no more."""
    version = data_version()
    options = {"version": version, "criteria_set": criteria_set, "year": year, "as_of": as_of}
    key = _key("overview", [pk for pk, _province in scope], **options)
    overview = cache.get(key)
    if overview is not None:
        return overview
    grid = _draw(communes, criteria_set=criteria_set, year=year, as_of=as_of, query=query)
    provinces = province_tiles(grid.rows, len(grid.criteria))
    for tile in provinces:
        # The key that province's own grid is asked by: its communes, in the same order.
        province_id = tile.rows[0].commune.province_id
        shown = [pk for pk, province in scope if province == province_id]
        outside = [c for c in grid.outside if c.province_id == province_id]
        province_grid = Grid.of(tile.rows, grid.criteria, outside)
        province_grid.key = _key("grid", shown, **options)
        cache.set(province_grid.key, province_grid, GRID_TIMEOUT)
    overview = Overview(
        totals=grid.totals, provinces=[Line.of(tile) for tile in provinces], outside=grid.outside, key=key
    )
    overview.keep(at_risk=grid.at_risk)
    cache.set(key, overview, GRID_TIMEOUT)
    return overview
