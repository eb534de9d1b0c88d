"""How complete and how checked a criteria set is ("Độ đầy đủ").

Nobody ships every province's official annex, so a set may lack targets and carry
texts reconstructed rather than read in the decision. This module says what is
missing and what is not checked, for the set page (each item linking to where to
fix it) and for the one note reports print under their title. It decides nothing
else: scores are judged in standing.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import Amendment, CriteriaSet, Criterion, Indicator, IndicatorTarget


def is_unchecked(criteria, edition=None) -> bool:
    """Whether any criterion, indicator (as worded in `edition`, when given) or target
    of the criteria tree `criteria` was not checked against its source."""
    for criterion in criteria:
        if criterion.unverified:
            return True
        for indicator in criterion.indicators.all():
            version = edition.indicator(indicator) if edition is not None else indicator
            if version.unverified or any(target.unverified for target in indicator.targets.all()):
                return True
    return False


@dataclass
class Completeness:
    """What a set lacks, from its criteria tree (current and retired) and amendments."""

    criteria_set: CriteriaSet
    #: Numeric indicators with no target to judge a value by.
    missing_targets: list[Indicator] = field(default_factory=list)
    unchecked_criteria: list[Criterion] = field(default_factory=list)
    unchecked_indicators: list[Indicator] = field(default_factory=list)
    unchecked_targets: list[IndicatorTarget] = field(default_factory=list)
    unchecked_amendments: list[Amendment] = field(default_factory=list)
    criteria_count: int = 0
    indicator_count: int = 0

    @classmethod
    def of(cls, criteria_set: CriteriaSet, criteria: list[Criterion], amendments: list[Amendment]):
        found = cls(criteria_set)
        for criterion in criteria:
            if criterion.retired:
                continue
            found.criteria_count += 1
            if criterion.unverified:
                found.unchecked_criteria.append(criterion)
            for indicator in criterion.indicators.all():
                if indicator.retired:
                    continue
                found.indicator_count += 1
                targets = list(indicator.targets.all())
                if indicator.needs_target and not any(t.threshold is not None for t in targets):
                    found.missing_targets.append(indicator)
                if indicator.unverified:
                    found.unchecked_indicators.append(indicator)
                found.unchecked_targets += [t for t in targets if t.unverified]
        found.unchecked_amendments = [a for a in amendments if a.unverified]
        return found

    @property
    def unchecked_count(self) -> int:
        return (
            len(self.unchecked_criteria)
            + len(self.unchecked_indicators)
            + len(self.unchecked_targets)
            + len(self.unchecked_amendments)
        )

    @property
    def missing_criteria(self) -> int:
        """How many criteria the decision counts that the set does not have yet."""
        expected = self.criteria_set.expected_criteria
        return max(expected - self.criteria_count, 0) if expected else 0

    @property
    def missing_indicators(self) -> int:
        expected = self.criteria_set.expected_indicators
        return max(expected - self.indicator_count, 0) if expected else 0

    @property
    def complete(self) -> bool:
        return not (
            self.missing_targets or self.unchecked_count or self.missing_criteria or self.missing_indicators
        )
