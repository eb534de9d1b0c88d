"""Derived dossier progress: computed here only, for the dossier page, the progress
page, the dashboard and reports.

- an item is complete when every kind of evidence the library asks for has a
  current document (or, where it asks for nothing specific, when it has one), and
  the district has not asked for a supplement that has not come yet;
- "hồ sơ 19/19 tiêu chí; hồ sơ chung: còn thiếu" counts criterion items and
  general items apart;
- "đã gửi 8/17 ngành, 5 ngành đã về kiểm tra" counts appraisal rows against the
  province's departments;
- the appraisal is done only when every department has answered and every
  answer is "Đạt" — never after the first answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count, Prefetch

from communes.models import Department
from criteria.models import Criterion

from .models import Appraisal, Document, Dossier, DossierItem


@dataclass
class ItemProgress:
    item: DossierItem
    documents: list[Document]

    @cached_property
    def required(self) -> list[str]:
        return self.item.required_evidence()

    @cached_property
    def missing(self) -> list[str]:
        """Required evidence kinds with no current document."""
        if self.item.is_general:
            return [] if self.documents else self.required
        covered = {d.evidence_kind for d in self.documents}
        missing = [kind for kind in self.required if kind not in covered]
        return missing if self.required else ([] if self.documents else [""])

    @property
    def needs_supplement(self) -> bool:
        """The district asked for more ("Cần bổ sung") and nothing was uploaded since."""
        item = self.item
        if item.review != DossierItem.Review.INCOMPLETE:
            return False
        return not any(item.reviewed_at is None or d.uploaded_at > item.reviewed_at for d in self.documents)

    @property
    def complete(self) -> bool:
        return bool(self.documents) and not self.missing and not self.needs_supplement


@dataclass
class AppraisalProgress:
    """Where a dossier stands with the provincial departments."""

    dossier: Dossier
    appraisals: list[Appraisal] = field(default_factory=list)
    department_total: int = 0

    @property
    def sent_count(self) -> int:
        return sum(1 for a in self.appraisals if a.sent_on)

    @property
    def inspected_count(self) -> int:
        return sum(1 for a in self.appraisals if a.inspected_on)

    @property
    def answered_count(self) -> int:
        return sum(1 for a in self.appraisals if a.result != Appraisal.Result.PENDING)

    @property
    def appraisal_passed(self) -> bool:
        """The one rule: every department of the province has answered, and all said "Đạt"."""
        sent = [a for a in self.appraisals if a.sent_on]
        return (
            self.department_total > 0
            and len(sent) == self.department_total
            and all(a.result == Appraisal.Result.AGREED for a in sent)
        )


@dataclass
class DossierProgress(AppraisalProgress):
    """Appraisal progress plus the completeness of every item."""

    items: list[ItemProgress] = field(default_factory=list)

    @property
    def criterion_items(self) -> list[ItemProgress]:
        return [i for i in self.items if not i.item.is_general]

    @property
    def general_items(self) -> list[ItemProgress]:
        return [i for i in self.items if i.item.is_general]

    @property
    def criteria_complete(self) -> int:
        return sum(1 for i in self.criterion_items if i.complete)

    @property
    def criteria_total(self) -> int:
        return len(self.criterion_items)

    @property
    def general_complete(self) -> bool:
        return all(i.complete for i in self.general_items)

    @property
    def incomplete_items(self) -> list[ItemProgress]:
        return [i for i in self.items if not i.complete]


def department_totals(province_ids) -> dict[int, int]:
    """Provincial departments that appraise dossiers, counted per province (1 query)."""
    rows = Department.objects.appraising(*province_ids).values("province_id").annotate(n=Count("pk"))
    return {row["province_id"]: row["n"] for row in rows}


def with_progress_data(dossiers):
    """Prefetch what progress needs: items, current documents, appraisals (a fixed
    number of queries whatever the number of dossiers). The items' criteria come in
    progress_of(), once per set."""
    return dossiers.select_related("commune", "criteria_set").prefetch_related(
        Prefetch(
            "items",
            queryset=DossierItem.objects.prefetch_related(
                Prefetch("documents", queryset=Document.objects.current(), to_attr="current_documents"),
            ),
        ),
        Prefetch("appraisals", queryset=Appraisal.objects.select_related("department")),
    )


def share_criteria(dossiers) -> None:
    """Give every item of `dossiers` its criterion, with indicators, from one load per
    set (2 queries): a hundred dossiers of one set share its 19 criteria instead of
    loading 19 × 57 indicators each."""
    criteria = {
        c.pk: c
        for c in Criterion.objects.filter(
            criteria_set_id__in={d.criteria_set_id for d in dossiers}
        ).prefetch_related("indicators")
    }
    for dossier in dossiers:
        for item in dossier.items.all():
            if item.criterion_id:
                item.criterion = criteria[item.criterion_id]


def progress_of(dossiers) -> list[DossierProgress]:
    """Progress of dossiers loaded through `with_progress_data`."""
    dossiers = list(dossiers)
    share_criteria(dossiers)
    totals = department_totals({d.commune.province_id for d in dossiers})
    return [
        DossierProgress(
            dossier=d,
            items=[
                ItemProgress(item=i, documents=i.current_documents)
                for i in sorted(d.items.all(), key=lambda item: item.sort_key)
            ],
            appraisals=list(d.appraisals.all()),
            department_total=totals.get(d.commune.province_id, 0),
        )
        for d in dossiers
    ]


def appraisal_progress_of(dossiers) -> list[AppraisalProgress]:
    """Only the appraisal counts, for pages that show nothing of the items: three
    queries, and none of the documents a whole province's dossiers hold."""
    dossiers = list(
        dossiers.select_related("commune").prefetch_related(
            Prefetch("appraisals", queryset=Appraisal.objects.select_related("department"))
        )
    )
    totals = department_totals({d.commune.province_id for d in dossiers})
    return [
        AppraisalProgress(
            dossier=d,
            appraisals=list(d.appraisals.all()),
            department_total=totals.get(d.commune.province_id, 0),
        )
        for d in dossiers
    ]


def dossier_progress(dossier: Dossier) -> DossierProgress:
    (progress,) = progress_of(with_progress_data(Dossier.objects.filter(pk=dossier.pk)))
    return progress
