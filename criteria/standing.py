"""Derived standing: where a commune (or village) stands against a criteria set.

Nothing here is stored by hand; it is computed from scores, in this one place,
and used by every page, export and report:

- an indicator counts as met when its status is "Đạt" or "Không áp dụng";
  "Cơ bản đạt" is shown but counts as not met;
- a criterion is met when every applicable indicator is met;
- a place meets the set when every criterion is met;
- counts read "15/19 tiêu chí, 52/57 chỉ tiêu" (the indicator total is the
  set's; a not-applicable indicator counts as met);
- each score is shown and counted as judged by the set in force for its year
  (editions.py): the wording of that year, and the target that applies then;
- only the units the set applies to are counted (`units_in_scope`); the others
  (a thị trấn for a xã set) are listed apart.

Loading costs a fixed number of queries whatever the number of places:
three for the criteria tree, two for the set's rules and amendments, one for
the scores.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import NamedTuple

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .editions import Edition
from .models import (
    CriteriaSet,
    Criterion,
    Indicator,
    IndicatorTarget,
    Recognition,
    Registration,
    Score,
    computed_status,
    judged_status,
)

Status = Score.Status
COUNTS_AS_MET = frozenset({Status.MET, Status.NOT_APPLICABLE})


@dataclass(slots=True)
class IndicatorResult:
    indicator: Indicator
    status: str = Status.NOT_ASSESSED
    score: Score | None = None
    target: IndicatorTarget | None = None

    @property
    def counts_as_met(self) -> bool:
        return self.status in COUNTS_AS_MET

    def get_status_display(self) -> str:
        return Status(self.status).label

    @property
    def target_label(self) -> str:
        """What the indicator must reach: the target's value; "Đạt" for a yes/no
        indicator, which needs no target row; "—" when none is set yet."""
        if self.target is not None:
            return self.target.value
        if self.indicator.kind == Indicator.Kind.YES_NO:
            return str(Status.MET.label)
        return "—"


# Each status as one plain string object: a province's summary holds one per indicator
# and commune, and a cached grid pickles each distinct object once.
_PLAIN_STATUS = {status.value: status.value for status in Status}
_NOT_APPLICABLE, _MET = {Status.NOT_APPLICABLE.value}, {Status.MET.value}
# What a criterion with some indicator not met shows, first match wins.
_SHORTFALLS = (Status.NOT_MET.value, Status.NOT_ASSESSED.value)


def criterion_status(statuses) -> str:
    """A criterion's status from its indicators' statuses: met when every applicable one
    is met; else not met, not assessed or basically met, in that order."""
    if not statuses:
        return Status.NOT_ASSESSED.value
    applicable = {_PLAIN_STATUS[status] for status in statuses} - _NOT_APPLICABLE
    if applicable <= _MET:
        return Status.MET.value
    for status in _SHORTFALLS:
        if status in applicable:
            return status
    return Status.BASICALLY_MET.value


@dataclass
class CriterionResult:
    criterion: Criterion
    indicators: list[IndicatorResult]

    @cached_property
    def status(self) -> str:
        """Met, not met, basically met or not assessed, for the dashboard cell."""
        return criterion_status([r.status for r in self.indicators])

    @property
    def indicators_met(self) -> int:
        return sum(1 for r in self.indicators if r.counts_as_met)

    @property
    def indicators_total(self) -> int:
        return len(self.indicators)

    @property
    def met(self) -> bool:
        return self.status == Status.MET

    @property
    def unmet_indicators(self) -> list[IndicatorResult]:
        return [r for r in self.indicators if not r.counts_as_met]

    def get_status_display(self) -> str:
        return Status(self.status).label


class CriterionSummary(NamedTuple):
    """A criterion's result without its indicators' detail: all a grid cell, a count or
    a district list reads."""

    criterion: Criterion
    status: str
    indicators_met: int
    indicators_total: int

    @property
    def met(self) -> bool:
        return self.status == Status.MET

    def get_status_display(self) -> str:
        return Status(self.status).label


class Summaries(Sequence):
    """A place's CriterionSummary for each criterion, kept as the criteria (one list,
    shared by every place) and a tuple of (status, indicators met, indicators total).

    A province's cached grid holds 19 criteria for each commune. As plain tuples they
    pickle and unpickle in C, and the garbage collector leaves them alone; as 19 objects
    holding a criterion each, a drawn grid made it walk the whole process every few
    drawings."""

    __slots__ = ("criteria", "counts")

    def __init__(self, criteria: list[Criterion], counts: tuple[tuple[str, int, int], ...]):
        self.criteria, self.counts = criteria, counts

    @classmethod
    def judged(cls, criteria: list[Criterion], statuses: Iterable[tuple[str, ...]]) -> Summaries:
        """From each criterion's indicators' statuses, in the criteria's order."""
        counts = tuple(
            (criterion_status(found), sum(1 for status in found if status in COUNTS_AS_MET), len(found))
            for found in statuses
        )
        return cls(criteria, counts)

    def __len__(self) -> int:
        return len(self.counts)

    def __getitem__(self, index: int) -> CriterionSummary:
        return CriterionSummary(self.criteria[index], *self.counts[index])

    def __iter__(self):
        return (CriterionSummary(c, *counts) for c, counts in zip(self.criteria, self.counts, strict=True))

    def __getstate__(self):
        return self.criteria, self.counts

    def __setstate__(self, state):
        self.criteria, self.counts = state


@dataclass(slots=True)
class Standing:
    """One place's standing against one set, in one year."""

    place: object
    # CriterionResult with each indicator's result, or Summaries (detail=False).
    criteria: list[CriterionResult] | Summaries = field(default_factory=list)
    # Whether the place has any score at all for the set and year.
    assessed: bool = False
    # Counted once when built: every list and total reads them, and a cached grid
    # keeps them.
    criteria_met: int = field(init=False)
    indicators_met: int = field(init=False)
    indicators_total: int = field(init=False)

    def __post_init__(self):
        counts = (
            self.criteria.counts
            if isinstance(self.criteria, Summaries)
            else [(c.status, c.indicators_met, c.indicators_total) for c in self.criteria]
        )
        self.criteria_met = sum(1 for status, _met, _total in counts if status == Status.MET)
        self.indicators_met = sum(met for _status, met, _total in counts)
        self.indicators_total = sum(total for _status, _met, total in counts)

    @property
    def criteria_total(self) -> int:
        return len(self.criteria)

    @property
    def meets_set(self) -> bool:
        return bool(self.criteria) and self.criteria_met == self.criteria_total

    @property
    def unmet_criteria(self) -> list[CriterionResult]:
        """Criteria not met, each with its unmet indicators: the list leaders work from."""
        return [c for c in self.criteria if not c.met]

    @property
    def unmet_indicator_codes(self) -> list[str]:
        return [r.indicator.code for c in self.criteria for r in c.indicators if not r.counts_as_met]

    @property
    def summary(self) -> str:
        return _("%(met)s/%(total)s tiêu chí, %(indicators_met)s/%(indicators_total)s chỉ tiêu") % {
            "met": self.criteria_met,
            "total": self.criteria_total,
            "indicators_met": self.indicators_met,
            "indicators_total": self.indicators_total,
        }


def criteria_tree(criteria_set: CriteriaSet, *, retired: bool = False) -> list[Criterion]:
    """The set's criteria with their indicators and targets (3 queries); what a changed
    file dropped (kept, retired, for the data that points at it) only with `retired`."""
    indicators = Indicator.objects.prefetch_related("targets")
    criteria = criteria_set.criteria.all()
    if not retired:
        indicators, criteria = indicators.filter(retired=False), criteria.filter(retired=False)
    return list(criteria.prefetch_related(Prefetch("indicators", queryset=indicators)))


def units_in_scope(communes: Iterable, criteria_set: CriteriaSet) -> tuple[list, list]:
    """The communes `criteria_set` applies to, and the others (a thị trấn for a xã set),
    each in the given order. Counts, lists and reports cover the first; the second is
    listed apart."""
    covered, others = [], []
    for commune in communes:
        (covered if criteria_set.applies_to_unit(commune) else others).append(commune)
    return covered, others


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The last instant of `day` in the office's time zone: "as of 30/04/2023" includes that day."""
    start = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    return timezone.make_aware(start) - datetime.timedelta(microseconds=1)


def scores_queryset(*, criteria_set: CriteriaSet, year: int, as_of: datetime.date | None = None):
    """Scores of the set for the year, current or as they stood at the end of `as_of`."""
    if as_of is None:
        return Score.objects.filter(indicator__criterion__criteria_set=criteria_set, year=year)
    end = end_of_day(as_of)
    # Each score's last record by then (the later of two saved at one instant), found
    # through the score's id. The library's latest_of_each asks instead that no later
    # record exists, repeating the set's joins for every row: when PostgreSQL's
    # statistics are stale (a table analysed while empty) it plans that as a loop
    # within a loop, minutes for a few thousand records.
    last = (
        Score.history.filter(id=OuterRef("id"), history_date__lte=end)
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    scores = Score.history.filter(
        history_date__lte=end, indicator__criterion__criteria_set=criteria_set, year=year
    )
    return scores.filter(history_id=Subquery(last)).as_instances()


def build_standings(
    places: Iterable,
    criteria: list[Criterion],
    scores: Iterable,
    *,
    edition: Edition,
    place_key: str = "commune_id",
    detail: bool = True,
) -> dict[int, Standing]:
    """Standings keyed by place id, from the criteria tree and the places' scores.

    `places` are communes (place_key "commune_id") or villages ("village_id").
    Every score is judged by `edition`, the set in force for its year: each result
    carries the indicator as worded then, and the score's status as its value and
    the target that applies to the place judge it. With `detail`, `scores` are Score
    objects and each result carries its score and target; without, `scores` are
    (place id, indicator id, status, value, override reason) rows, which is all a
    summary needs and several times cheaper to load for a whole province.
    """
    by_place: dict[int, dict] = defaultdict(dict)
    if detail:
        for score in scores:
            by_place[getattr(score, place_key)][score.indicator_id] = score
    else:
        # A tuple, not a list: a tuple of plain values is left alone by the garbage
        # collector, and a province's scores would otherwise make it walk the whole
        # process once every few drawings.
        for row in scores:
            by_place[row[0]][row[1]] = row[2:]
    # Each criterion's indicators as in force, with their ids: this loop runs for every
    # commune × indicator of a province.
    layout = [
        (
            criterion,
            [(edition.indicator(indicator), indicator.pk) for indicator in criterion.indicators.all()],
        )
        for criterion in criteria
    ]
    # Summaries only: the criteria, one list for every place's Summaries, and each
    # judging (region and commune group) with its numeric indicators' targets, found
    # once for all the communes it judges.
    listed = [criterion for criterion, _found in layout]
    judgings: dict[tuple, list] = {}
    standings = {}
    for place in places:
        place_id = place.pk
        place_scores = by_place.get(place_id, {})
        # A village takes its commune's targets.
        commune = getattr(place, "commune", place)
        if detail:
            results = [
                CriterionResult(
                    criterion, [_result(edition, i, commune, place_scores.get(pk)) for i, pk in found]
                )
                for criterion, found in layout
            ]
        else:
            judging = (edition.region_of(commune), commune.commune_group)
            if (judged_layout := judgings.get(judging)) is None:
                judged_layout = judgings[judging] = _judged_layout(edition, layout, commune)
            results = Summaries.judged(
                listed,
                (
                    tuple(_judged(place_scores.get(pk), kind, target) for pk, kind, target in found)
                    for found in judged_layout
                ),
            )
        standings[place_id] = Standing(place=place, criteria=results, assessed=bool(place_scores))
    return standings


def _result(edition: Edition, indicator: Indicator, commune, score: Score | None) -> IndicatorResult:
    """One indicator's result with its score and the target that judges it."""
    target = edition.target(indicator, commune)
    if score is None:
        return IndicatorResult(indicator, Status.NOT_ASSESSED, None, target)
    score.indicator = indicator
    return IndicatorResult(indicator, score.judged_status(target), score, target)


def _judged_layout(edition: Edition, layout, commune) -> list:
    """Each criterion's indicators as (id, kind, target) for the communes judged as
    `commune` is (same region and commune group): a kind and a target only for a
    numeric indicator, the only kind a value judges."""
    return [
        [
            (pk, indicator.kind, edition.target(indicator, commune))
            if indicator.is_numeric
            else (pk, None, None)
            for indicator, pk in found
        ]
        for _criterion, found in layout
    ]


def _judged(row, kind: str | None, target: IndicatorTarget | None) -> str:
    """The status of a (status, value, override reason) row, as Score.judged_status, as
    a plain string; `kind` and `target` are the numeric indicator's, else None."""
    if row is None:
        return Status.NOT_ASSESSED.value
    status, value_number, override_reason = row
    if kind is None or value_number is None or override_reason:
        return _PLAIN_STATUS[status]
    computed = computed_status(kind, value_number, target)
    return _PLAIN_STATUS[judged_status(status=status, override_reason=override_reason, computed=computed)]


SUMMARY_FIELDS = ("indicator_id", "status", "value_number", "override_reason")


def commune_standings(
    communes,
    *,
    criteria_set: CriteriaSet,
    year: int,
    as_of: datetime.date | None = None,
    criteria=None,
    detail: bool = True,
) -> dict[int, Standing]:
    """Commune-level standings of `communes` (6 queries whatever their number; the
    criteria tree and the edition are reused when given or loaded already)."""
    communes = list(communes)
    criteria = criteria if criteria is not None else criteria_tree(criteria_set)
    # Unordered: the standings are keyed by place, and Score's default order joins
    # the communes only to sort a province's scores by name.
    scores = (
        scores_queryset(criteria_set=criteria_set, year=year, as_of=as_of)
        .filter(commune_id__in=[c.pk for c in communes], village__isnull=True)
        .order_by()
    )
    if not detail:
        scores = scores.values_list("commune_id", *SUMMARY_FIELDS)
    edition = criteria_set.edition(year, as_of)
    return build_standings(communes, criteria, scores, edition=edition, detail=detail)


def village_standings(
    villages, *, criteria_set: CriteriaSet, year: int, as_of: datetime.date | None = None, criteria=None
) -> dict[int, Standing]:
    """Village standings against a village set."""
    villages = list(villages)
    criteria = criteria if criteria is not None else criteria_tree(criteria_set)
    scores = (
        scores_queryset(criteria_set=criteria_set, year=year, as_of=as_of)
        .filter(village_id__in=[v.pk for v in villages])
        .order_by()
    )
    edition = criteria_set.edition(year, as_of)
    return build_standings(villages, criteria, scores, edition=edition, place_key="village_id")


# The district view: standing plus registration, recognition and risk -------------


class Verdict(StrEnum):
    """Where a commune stands with the set this year, in one word for every page."""

    RECOGNISED = "recognised"
    NOT_ASSESSED = "not_assessed"
    AT_RISK = "at_risk"
    MEETS_SET = "meets_set"
    SHORT = "short"


@dataclass(slots=True)
class CommuneRow:
    """A commune's line on the dashboard and in reports (slotted: a province's cached
    grid holds one per commune)."""

    commune: object
    standing: Standing
    year: int
    registration: Registration | None = None
    recognition: Recognition | None = None
    # The dashboard's: the link to its scorecard, and its dossier's appraisal progress.
    url: str = ""
    dossier: object = None

    @property
    def registered_this_year(self) -> bool:
        """Registered to reach the set in the year shown ("đăng ký về đích năm nay")."""
        return self.registration is not None and self.registration.target_year == self.year

    @property
    def at_risk(self) -> bool:
        """Registered to reach the set this year, still short of it, and not recognised."""
        return self.registered_this_year and not self.standing.meets_set and self.recognition is None

    @property
    def verdict(self) -> Verdict:
        if self.recognition is not None:
            return Verdict.RECOGNISED
        if not self.standing.assessed:
            return Verdict.NOT_ASSESSED
        if self.at_risk:
            return Verdict.AT_RISK
        return Verdict.MEETS_SET if self.standing.meets_set else Verdict.SHORT

    @property
    def verdict_label(self) -> str:
        verdict = self.verdict
        if verdict == Verdict.RECOGNISED:
            return _("Đã công nhận: QĐ %(number)s ngày %(date)s") % {
                "number": self.recognition.decision_number,
                "date": date_format(self.recognition.decided_on, "SHORT_DATE_FORMAT"),
            }
        if verdict == Verdict.AT_RISK:
            return _("Có nguy cơ không về đích năm %(year)s") % {"year": self.year}
        return {
            Verdict.NOT_ASSESSED: _("Chưa có số liệu"),
            Verdict.MEETS_SET: _("Đạt đủ tiêu chí, chưa có quyết định công nhận"),
            Verdict.SHORT: _("Chưa đạt đủ tiêu chí"),
        }[verdict]

    @property
    def note(self) -> str:
        """What a district list writes in its note column: only what needs the meeting's
        attention (recognition and missing data have columns of their own)."""
        return self.verdict_label if self.verdict in (Verdict.AT_RISK, Verdict.MEETS_SET) else ""


def commune_rows(
    communes,
    *,
    criteria_set: CriteriaSet,
    year: int,
    as_of: datetime.date | None = None,
    criteria=None,
    detail: bool = True,
) -> list[CommuneRow]:
    """One CommuneRow per commune, in the given order (8 queries whatever their number).

    Give it the communes in the set's scope (`units_in_scope`)."""
    communes = list(communes)
    day = as_of or timezone.localdate()
    standings = commune_standings(
        communes, criteria_set=criteria_set, year=year, as_of=as_of, criteria=criteria, detail=detail
    )
    ids = [c.pk for c in communes]
    # The latest registration made by `day` is the one in force.
    registrations = {}
    for registration in Registration.objects.filter(
        commune_id__in=ids, criteria_set=criteria_set, registered_on__lte=day
    ).order_by("registered_on", "pk"):
        registrations[registration.commune_id] = registration
    recognitions = {}
    for recognition in Recognition.objects.filter(
        commune_id__in=ids, criteria_set=criteria_set, decided_on__lte=day
    ).order_by("decided_on", "pk"):
        if recognition.is_in_force(day):
            recognitions[recognition.commune_id] = recognition
    return [
        CommuneRow(
            commune=c,
            standing=standings[c.pk],
            year=year,
            registration=registrations.get(c.pk),
            recognition=recognitions.get(c.pk),
        )
        for c in communes
    ]


# How far short of the whole set a commune is: all met, at most 4 short, at most 9
# short, more. For 19 criteria the bands read 19 / 15–18 / 10–14 / under 10.
BAND_SHORTFALLS = (0, 4, 9)


def band_of(met: int, total: int) -> int:
    """The band (0 = every criterion met) that `met` criteria out of `total` fall in."""
    shortfall = total - met
    return next((i for i, limit in enumerate(BAND_SHORTFALLS) if shortfall <= limit), len(BAND_SHORTFALLS))


@dataclass
class DistrictSummary:
    """The totals a meeting starts from.

    Rows are the communes the set applies to; `outside` lists the units it does not
    cover (a thị trấn for a xã set), which no count includes. Averages and bands
    cover the communes that have been assessed at all.
    """

    all_rows: list[CommuneRow]
    criteria_total: int
    outside: list = field(default_factory=list)

    @cached_property
    def rows(self) -> list[CommuneRow]:
        return [r for r in self.all_rows if r.standing.assessed]

    @property
    def commune_count(self) -> int:
        return len(self.rows)

    @property
    def not_assessed_count(self) -> int:
        return len(self.all_rows) - len(self.rows)

    @property
    def average_criteria(self) -> float:
        if not self.rows:
            return 0.0
        return sum(r.standing.criteria_met for r in self.rows) / len(self.rows)

    @property
    def bands(self) -> list[tuple[str, int]]:
        """Communes by criteria met, with each band's label: "19", "15–18", "10–14", "dưới 10".

        A small set (the model tier's 4 conditions) has only the bands it can reach.
        """
        n = self.criteria_total
        counts = [0] * (len(BAND_SHORTFALLS) + 1)
        for row in self.rows:
            counts[band_of(row.standing.criteria_met, n)] += 1
        labels = []
        previous = -1
        for limit in BAND_SHORTFALLS:
            low, high = max(n - limit, 0), n - previous - 1
            if high < 0:
                break
            labels.append(str(n) if low == high else f"{low}–{high}")
            previous = limit
        else:
            if n - previous > 0:
                labels.append(_("dưới %(n)s") % {"n": n - previous})
        return list(zip(labels, counts, strict=False))

    @property
    def recognised_count(self) -> int:
        return sum(1 for r in self.all_rows if r.recognition is not None)

    @property
    def registered_this_year(self) -> list[CommuneRow]:
        return [r for r in self.all_rows if r.registered_this_year]

    @property
    def registered_count(self) -> int:
        return len(self.registered_this_year)

    @cached_property
    def at_risk(self) -> list[CommuneRow]:
        return [r for r in self.all_rows if r.at_risk]

    @property
    def at_risk_count(self) -> int:
        return len(self.at_risk)


def predecessor_rows(predecessors, *, criteria_set: CriteriaSet, year: int, as_of=None) -> list[CommuneRow]:
    """Where the communes merged into one stood in `year`, for the years up to their
    merger: their scores stay theirs, so the new commune's page shows them beside its own.
    [] for a commune formed by no merger, and for years after it."""
    merged = [c for c in predecessors if c.valid_to is None or year <= c.valid_to.year]
    if not merged:
        return []
    return commune_rows(merged, criteria_set=criteria_set, year=year, as_of=as_of, detail=False)
