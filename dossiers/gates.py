"""The gates of the workflow (DESIGN §5), in one place: what stops a step, in plain words.

- A commune submits when its self-assessed standing meets every criterion of the set
  for the year and every item has its required evidence.
- The district accepts when every item has been reviewed as complete and every
  criterion's results are verified by the department that owns them.
- The dossier goes to the province only once accepted (services.send_to_province).

A coordinator may move a dossier past a gate with a written reason; the reason is kept
in the dossier's log and printed on the dossier report.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.utils.translation import gettext as _

from criteria.models import Score
from criteria.standing import Standing, commune_standings

from .models import Dossier, DossierItem
from .progress import DossierProgress, dossier_progress


def numbers(results) -> str:
    return ", ".join(str(r.criterion.number) for r in results)


@dataclass
class Gates:
    dossier: Dossier
    progress: DossierProgress
    standing: Standing

    @cached_property
    def submission(self) -> list[str]:
        """Why the commune may not submit yet; empty when it may."""
        gaps = []
        standing = self.standing
        if not standing.meets_set:
            gaps.append(
                _(
                    "Xã mới đạt %(met)s/%(total)s tiêu chí theo tự đánh giá năm %(year)s; "
                    "chưa đạt tiêu chí %(numbers)s."
                )
                % {
                    "met": standing.criteria_met,
                    "total": standing.criteria_total,
                    "year": self.dossier.year,
                    "numbers": numbers(standing.unmet_criteria),
                }
            )
        incomplete = self.progress.incomplete_items
        if incomplete:
            gaps.append(
                _("Còn thiếu hồ sơ ở: %(items)s.") % {"items": "; ".join(i.item.title for i in incomplete)}
            )
        return gaps

    @cached_property
    def acceptance(self) -> list[str]:
        """Why the district may not accept yet; empty when it may."""
        gaps = []
        pending = [i.item for i in self.progress.items if i.item.review == DossierItem.Review.PENDING]
        if pending:
            gaps.append(
                _("Chưa xem xét %(count)s thành phần hồ sơ: %(items)s.")
                % {"count": len(pending), "items": "; ".join(item.title for item in pending)}
            )
        incomplete = [i.item for i in self.progress.items if i.item.review == DossierItem.Review.INCOMPLETE]
        if incomplete:
            gaps.append(
                _("Thành phần được đánh giá “Cần bổ sung”: %(items)s; hãy trả lại hồ sơ cho xã.")
                % {"items": "; ".join(item.title for item in incomplete)}
            )
        if not self.standing.meets_set:
            gaps.append(
                _("Xã chưa đạt tiêu chí %(numbers)s.") % {"numbers": numbers(self.standing.unmet_criteria)}
            )
        unverified = [c for c in self.standing.criteria if not _verified(c)]
        if unverified:
            gaps.append(
                _("Tiêu chí chưa được phòng, ban phụ trách thẩm tra xác nhận: %(numbers)s.")
                % {"numbers": numbers(unverified)}
            )
        return gaps


def _verified(criterion_result) -> bool:
    return all(
        r.score is not None and r.score.verification == Score.Verification.VERIFIED
        for r in criterion_result.indicators
    )


def gates_for(dossier: Dossier, progress: DossierProgress | None = None) -> Gates:
    """The gates of one dossier, from its progress and the commune's standing for the
    dossier's set and year."""
    progress = progress or dossier_progress(dossier)
    standings = commune_standings([dossier.commune], criteria_set=dossier.criteria_set, year=dossier.year)
    return Gates(dossier=dossier, progress=progress, standing=standings[dossier.commune.pk])
