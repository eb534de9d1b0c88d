"""A criteria set as in force for one year's scores, seen from one day.

A set changes after it is issued. An amending decision rewords an indicator, or
changes its kind or unit, from a date (`Amendment`); a region rule says from which
date communes of a class are judged by another region's targets (`RegionRule`).
A rule or amendment dated within a year governs that year's scores — provided it was
issued by the day the page looks from (`as_of`, default today): a 2024 score seen
as of 15/02/2024 is still judged by the wording before the 01/3/2024 amendment.

`CriteriaSet.edition()` reads a set's rules and amendments once, in two queries; then every
indicator's wording and every commune's target resolve without another query, each
(indicator, region, commune group) target once per page. Pages, exports, reports
and imports all ask their edition, so they print and judge a score alike.
"""

from __future__ import annotations

import copy
import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils import timezone

if TYPE_CHECKING:
    from .models import Amendment, CriteriaSet, Indicator, IndicatorTarget, RegionRule


def in_force(effective_on: datetime.date, *, year: int, day: datetime.date) -> bool:
    """Whether a rule or amendment dated `effective_on` governs `year`'s scores as seen on
    `day`: dated within that year or before, and issued by that day."""
    return effective_on.year <= year and effective_on <= day


@dataclass
class Rulebook:
    """Everything dated in one set: its region rules and amendments, oldest first."""

    rules: list[RegionRule] = field(default_factory=list)
    amendments: list[Amendment] = field(default_factory=list)

    @classmethod
    def for_sets(cls, criteria_sets) -> dict[int, Rulebook]:
        """The rulebooks of `criteria_sets` by set id (2 queries whatever their number)."""
        from .models import Amendment, RegionRule  # models.py imports this module

        books = {criteria_set.pk: cls() for criteria_set in criteria_sets}
        for rule in RegionRule.objects.filter(criteria_set__in=list(books)).order_by("from_date", "pk"):
            books[rule.criteria_set_id].rules.append(rule)
        amendments = Amendment.objects.filter(criteria_set__in=list(books)).order_by("effective_on", "pk")
        for amendment in amendments:
            books[amendment.criteria_set_id].amendments.append(amendment)
        return books

    def edition(self, criteria_set, year: int, as_of: datetime.date | None = None) -> Edition:
        day = as_of or timezone.localdate()
        region_by_class = {}
        for rule in self.rules:
            if in_force(rule.from_date, year=year, day=day):
                # The latest rule in force for a class replaces an earlier one.
                region_by_class[rule.commune_class] = rule
        amendments: dict[int, list] = {}
        for amendment in self.amendments:
            if in_force(amendment.effective_on, year=year, day=day):
                amendments.setdefault(amendment.indicator_id, []).append(amendment)
        return Edition(criteria_set, year, day, region_by_class, amendments)


@dataclass
class Edition:
    """The set in force for `year`'s scores on `day`."""

    criteria_set: CriteriaSet
    year: int
    day: datetime.date
    #: commune class -> the region rule in force for it
    rules: dict[str, RegionRule]
    #: indicator id -> the amendments in force for it, oldest first
    amendments: dict[int, list[Amendment]]
    _versions: dict = field(default_factory=dict, repr=False)
    _targets: dict = field(default_factory=dict, repr=False)
    _regions: dict = field(default_factory=dict, repr=False)

    def region_of(self, commune) -> str:
        """The region whose targets judge `commune`: the one a rule in force assigns to
        one of its classes, else its own."""
        key = (commune.pk, commune.region, tuple(commune.classes or ()))
        if key not in self._regions:
            rules = [self.rules[c] for c in commune.classes or () if c in self.rules]
            # Of several classes with a rule, the most recent rule decides.
            rule = max(rules, key=lambda r: (r.from_date, r.pk or 0), default=None)
            self._regions[key] = rule.region if rule is not None else commune.region
        return self._regions[key]

    def indicator(self, indicator: Indicator) -> Indicator:
        """`indicator` as it reads in force: itself when unamended, else a copy (never
        saved) with the amended text, kind and unit, and `amendment` set to the latest."""
        amendments = self.amendments.get(indicator.pk)
        if not amendments:
            return indicator
        version = self._versions.get(indicator.pk)
        if version is None:
            version = copy.copy(indicator)
            for amendment in amendments:
                if amendment.text:
                    version.text, version.text_en = amendment.text, ""
                    version.source, version.unverified = amendment.source, amendment.unverified
                if amendment.kind:
                    version.kind = amendment.kind
                    if not version.is_numeric and not amendment.unit:
                        version.unit = ""
                if amendment.unit:
                    version.unit = amendment.unit
            version.amendment = amendments[-1]
            self._versions[indicator.pk] = version
        return version

    def target(self, indicator: Indicator, commune) -> IndicatorTarget | None:
        """The target for `commune` (`Indicator.target_for`), once per indicator, region
        and commune group."""
        key = (indicator.pk, self.region_of(commune), commune.commune_group)
        if key not in self._targets:
            self._targets[key] = indicator.target_for(commune, self.year, edition=self)
        return self._targets[key]

    def amendments_in_force(self) -> list[Amendment]:
        return sorted(
            (a for amendments in self.amendments.values() for a in amendments),
            key=lambda a: (a.effective_on, a.pk or 0),
        )
