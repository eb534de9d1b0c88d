"""One criterion of one commune (or village) for one year: what the self-assessment
and verification page shows, loaded in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from communes.models import Commune, Village

from .editions import Edition
from .forms import ScoreForm, VerificationForm
from .models import CriteriaSet, Criterion, Indicator, Score
from .owners import Ownership, ownership_for


@dataclass
class Assessment:
    commune: Commune
    criteria_set: CriteriaSet
    criterion: Criterion
    year: int
    village: Village | None = None
    edition: Edition = field(init=False)
    indicators: list[Indicator] = field(init=False)
    scores: dict[int, Score] = field(init=False)
    ownership: Ownership = field(init=False)

    def __post_init__(self):
        # Each indicator as worded, and judged, for this year's scores.
        self.edition = self.criteria_set.edition(self.year)
        self.indicators = []
        for indicator in self.criterion.indicators.filter(retired=False).prefetch_related("targets"):
            indicator.criterion = self.criterion
            self.indicators.append(self.edition.indicator(indicator))
        by_pk = {indicator.pk: indicator for indicator in self.indicators}
        self.ownership = ownership_for(self.commune, self.criteria_set)
        self.scores = {}
        for score in Score.objects.filter(
            commune=self.commune, village=self.village, year=self.year, indicator__in=self.indicators
        ).select_related("entered_by", "verified_by"):
            score.indicator, score.commune = by_pk[score.indicator_id], self.commune
            # Shown as the page's other views judge it (a target set after it was entered).
            score.status = score.judged_status(self.edition.target(score.indicator, self.commune))
            self.scores[score.indicator_id] = score

    @property
    def url(self) -> str:
        url = reverse(
            "criteria:score_entry",
            args=[self.commune.code, self.criteria_set.code, self.year, self.criterion.number],
        )
        return f"{url}?village={self.village.code}" if self.village else url

    def score_for(self, indicator: Indicator) -> Score:
        """The saved score, or a new unsaved one; always with the loaded indicator."""
        return self.scores.get(indicator.pk) or Score(
            commune=self.commune, village=self.village, year=self.year, indicator=indicator
        )

    def entry_forms(self, data=None) -> list[ScoreForm]:
        return [
            ScoreForm(
                data,
                prefix=f"i{i.pk}",
                score=self.score_for(i),
                target=self.edition.target(i, self.commune),
            )
            for i in self.indicators
        ]

    def history(self) -> dict[int, list]:
        ids = [s.pk for s in self.scores.values()]
        records = Score.history.filter(id__in=ids).select_related("history_user").order_by("-history_date")
        by_score: dict[int, list] = {}
        for record in records:
            by_score.setdefault(record.id, []).append(record)
        return by_score

    @property
    def department(self):
        """The department that owns the criterion here."""
        return self.ownership.of_criterion(self.criterion)

    def rows(self, can, *, user=None, forms=None, verify_forms=None) -> list[dict]:
        """One row per indicator: its entry form, score, target, history, its owner, and
        the verification form where `can` (a CommuneCan) verifies the indicator — never
        to the person who entered the result."""
        forms = forms if forms is not None else self.entry_forms()
        verify_forms = verify_forms or {}
        history = self.history()
        rows = []
        for indicator, form in zip(self.indicators, forms, strict=True):
            score = self.scores.get(indicator.pk)
            verify_form = None
            own_entry = score is not None and user is not None and score.entered_by_id == user.pk
            if score is not None and not own_entry and can.verifies(self.ownership.department_id(indicator)):
                verify_form = verify_forms.get(indicator.pk) or VerificationForm(
                    initial={"version": score.version}, prefix=f"v{indicator.pk}"
                )
            rows.append(
                {
                    "indicator": indicator,
                    "form": form,
                    "score": score,
                    "target": form.target,
                    "history": history.get(score.pk, []) if score else [],
                    "verify_form": verify_form,
                    "own_entry": own_entry and can.verifies(self.ownership.department_id(indicator)),
                    "department": self.ownership.of_indicator(indicator),
                }
            )
        return rows

    def siblings(self) -> list[tuple[int, str]]:
        return list(self.criteria_set.criteria.filter(retired=False).values_list("number", "name"))
