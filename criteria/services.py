"""Workflows over several criteria models."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from communes.access import access_for
from communes.models import Commune, Membership, Province, Village
from notifications.services import Kind, notify, people

from .access import can_enter_scores, can_verify
from .models import (
    AMENDMENT_FIELDS,
    RULE_FIELDS,
    Amendment,
    CriteriaSet,
    Criterion,
    CriterionOwner,
    Indicator,
    IndicatorTarget,
    RegionRule,
    Registration,
    Score,
)
from .owners import ownership_for


@transaction.atomic
def copy_criteria_set(
    *, source: CriteriaSet, code: str, name: str, issuer: Province, legal_basis: str = ""
) -> CriteriaSet:
    """Create a provincial set from `source`: every criterion, indicator and target in
    it, with their sources, and its region rules and amendments.

    The copy points to the national set it concretises (`parent`), so reports
    can still compare it with the national one. The owners the province and its
    districts assigned for the source set are assigned for the copy too; other
    units' owners belong to someone else.
    """
    copy = CriteriaSet.objects.create(
        code=code,
        name=name,
        name_en=source.name_en,
        level=source.level,
        tier=source.tier,
        period=source.period,
        legal_basis=legal_basis,
        issuer=issuer,
        parent=source if source.is_national else source.parent,
        target_dimension=source.target_dimension,
        applies_to=source.applies_to,
        verified=False,
        source_note=source.source_note,
        expected_criteria=source.expected_criteria,
        expected_indicators=source.expected_indicators,
    )
    # Six bulk inserts whatever the size of the set (criteria, indicators, targets, rules,
    # amendments, owners), each with its history: the copy's audit starts here.
    indicators = Indicator.objects.filter(retired=False).prefetch_related("targets", "amendments")
    criteria = list(
        source.criteria.filter(retired=False).prefetch_related(Prefetch("indicators", queryset=indicators))
    )
    new_criteria = bulk_create_with_history(
        [
            Criterion(
                criteria_set=copy,
                number=c.number,
                name=c.name,
                name_en=c.name_en,
                group=c.group,
                source=c.source,
                unverified=c.unverified,
            )
            for c in criteria
        ],
        Criterion,
    )
    pairs = [
        (indicator, new_criterion)
        for criterion, new_criterion in zip(criteria, new_criteria, strict=True)
        for indicator in criterion.indicators.all()
    ]
    new_indicators = bulk_create_with_history(
        [
            Indicator(
                criterion=new_criterion,
                code=i.code,
                text=i.text,
                text_en=i.text_en,
                source=i.source,
                kind=i.kind,
                unit=i.unit,
                conditional=i.conditional,
                required_evidence=i.required_evidence,
                order=i.order,
                unverified=i.unverified,
                note=i.note,
            )
            for i, new_criterion in pairs
        ],
        Indicator,
    )
    bulk_create_with_history(
        [
            IndicatorTarget(
                indicator=new_indicator,
                region=t.region,
                commune_group=t.commune_group,
                from_year=t.from_year,
                to_year=t.to_year,
                value=t.value,
                threshold=t.threshold,
                source=t.source,
                unverified=t.unverified,
            )
            for (indicator, _criterion), new_indicator in zip(pairs, new_indicators, strict=True)
            for t in indicator.targets.all()
        ],
        IndicatorTarget,
    )
    bulk_create_with_history(
        [
            RegionRule(criteria_set=copy, **{name: getattr(r, name) for name in RULE_FIELDS})
            for r in source.region_rules.all()
        ],
        RegionRule,
    )
    bulk_create_with_history(
        [
            Amendment(
                criteria_set=copy,
                indicator=new_indicator,
                **{name: getattr(a, name) for name in AMENDMENT_FIELDS},
            )
            for (indicator, _criterion), new_indicator in zip(pairs, new_indicators, strict=True)
            for a in indicator.amendments.all()
        ],
        Amendment,
    )
    new_criterion_of = {old.pk: new for old, new in zip(criteria, new_criteria, strict=True)}
    new_indicator_of = {old.pk: new for (old, _c), new in zip(pairs, new_indicators, strict=True)}
    bulk_create_with_history(
        [
            CriterionOwner(
                province_id=owner.province_id,
                district_id=owner.district_id,
                criterion=new_criterion_of[owner.criterion_id],
                indicator=new_indicator_of.get(owner.indicator_id),
                department_id=owner.department_id,
            )
            for owner in CriterionOwner.objects.filter(criterion__criteria_set=source).filter(
                Q(province=issuer) | Q(district__province=issuer)
            )
        ],
        CriterionOwner,
    )
    return copy


Role = Membership.Role


class StaleScoresError(ValidationError):
    """Someone saved these scores after the form was opened; nothing was written."""

    def __init__(self, codes: list[str]):
        self.codes = codes
        super().__init__(
            _(
                "Chỉ tiêu %(codes)s vừa được người khác cập nhật sau khi bạn mở trang. "
                "Chưa lưu gì. Hãy tải lại trang để xem số liệu mới rồi nhập lại."
            )
            % {"codes": ", ".join(codes)}
        )


@dataclass
class ScoreEdit:
    """A score assessed by a form or an import row, with the version it was read at."""

    score: Score
    read_version: int  # 0 when the score did not exist yet


@transaction.atomic
def record_scores(
    *,
    commune: Commune,
    village: Village | None = None,
    year: int,
    edits: Sequence[ScoreEdit],
    user,
    reason: str,
    on_behalf_reason: str = "",
) -> int:
    """Save assessed scores all together, or none if any is stale. Returns how many changed.

    Rows are locked first, so two people saving at once cannot both win: the
    second finds a newer version than the one their form was read at. A newer
    version that holds exactly what the edit asks for is the same form sent twice:
    that edit is skipped, and is no conflict. The district entering for the commune
    gives its reason ("thay mặt xã"), kept on each score.
    """
    if not can_enter_scores(user, commune):
        raise PermissionDenied
    on_behalf_reason = require_on_behalf_reason(user, commune, on_behalf_reason)
    indicator_ids = [edit.score.indicator_id for edit in edits]
    current = {
        s.indicator_id: s
        for s in Score.objects.select_for_update()
        .filter(commune=commune, village=village, year=year, indicator_id__in=indicator_ids)
        .only("indicator_id", "version", *ASSESSED_FIELDS)
    }
    fresh, stale = [], []
    for edit in edits:
        before = current.get(edit.score.indicator_id)
        if (before.version if before else 0) == edit.read_version:
            fresh.append(edit)
        elif not _same_assessment(before, edit.score):
            stale.append(edit.score.indicator.code)
    if stale:
        raise StaleScoresError(stale)
    now = timezone.now()
    for edit in fresh:
        score = edit.score
        score.entered_by, score.entered_at = user, now
        score.on_behalf_reason = on_behalf_reason
        score.void_verification_if_result_changed(current.get(score.indicator_id))
        score._history_user, score._change_reason = user, score.override_reason or reason
        if on_behalf_reason:
            score._change_reason = _("Thay mặt xã: %(reason)s") % {"reason": on_behalf_reason}
        score.save()
    notify_verifiers(commune=commune, year=year, scores=[e.score for e in fresh], user=user)
    return len(fresh)


# What a person assesses on the entry page (the rest is bookkeeping).
ASSESSED_FIELDS = ("value_number", "value_text", "status", "note", "override_reason")


def _same_assessment(before: Score | None, after: Score) -> bool:
    return before is not None and all(getattr(before, f) == getattr(after, f) for f in ASSESSED_FIELDS)


class OnBehalfError(ValidationError):
    """The district entered for a commune without saying so; nothing was written."""


def require_on_behalf_reason(user, commune, reason: str) -> str:
    """The reason the district gives for entering the commune's data, required of anyone
    who is not the commune's own official; empty for the commune itself."""
    if not access_for(user).acts_for(commune):
        return ""
    if not reason.strip():
        raise OnBehalfError(
            _(
                "Cán bộ huyện nhập thay xã phải chọn “Thay mặt xã” và ghi lý do "
                "(ví dụ: xã chưa có cán bộ nhập)."
            )
        )
    return reason.strip()


def notify_verifiers(*, commune, year: int, scores, user) -> None:
    """Ask each department that owns a changed result to verify it."""
    ownership = None
    by_department: dict[int, list[str]] = {}
    for score in scores:
        if score.verification != Score.Verification.PENDING:
            continue
        if ownership is None:
            ownership = ownership_for(commune, score.indicator.criterion.criteria_set_id)
        department = ownership.of_indicator(score.indicator)
        if department is not None:
            by_department.setdefault(department.pk, []).append(score.indicator.code)
    for department_id, codes in by_department.items():
        notify(
            recipients=people(commune, Role.DEPARTMENT, department_ids=[department_id]),
            kind=Kind.VERIFICATION_REQUESTED,
            message=_("Xã %(commune)s đã cập nhật kết quả năm %(year)s, chờ thẩm tra: chỉ tiêu %(codes)s.")
            % {"commune": commune.name, "year": year, "codes": ", ".join(codes)},
            url=reverse("criteria:verification_queue") + f"?commune={commune.code}",
            actor=user,
        )


@transaction.atomic
def verify_score(*, score: Score, user, verified: bool, comment: str, read_version: int) -> Score:
    """The owning department confirms or rejects a self-assessed score.

    `read_version` is the version the verifier saw: confirming a value that
    changed since would confirm something nobody checked.
    """
    if not can_verify(user, score.commune, score.indicator):
        raise PermissionDenied
    if score.entered_by_id == user.pk:
        raise ValidationError(
            {
                "comment": _(
                    "Bạn đã nhập kết quả này; người khác phải thẩm tra (không tự thẩm tra việc mình làm)."
                )
            }
        )
    if not verified and not comment.strip():
        raise ValidationError({"comment": _("Khi không xác nhận, hãy ghi ý kiến thẩm tra.")})
    score = Score.objects.select_for_update().select_related("indicator").get(pk=score.pk)
    verification = Score.Verification.VERIFIED if verified else Score.Verification.REJECTED
    if score.version != read_version:
        repeated = (score.verification, score.verified_by_id, score.verification_comment) == (
            verification,
            user.pk,
            comment.strip(),
        )
        if repeated:
            return score  # this verdict, sent twice
        raise StaleScoresError([score.indicator.code])
    score.verification = verification
    score.verified_by, score.verified_at = user, timezone.now()
    score.verification_comment = comment.strip()
    score._history_user = user
    score._change_reason = _("Thẩm tra: %(decision)s") % {"decision": score.get_verification_display()}
    score.save()
    return score


@transaction.atomic
def confirm_registration(*, registration: Registration, user) -> bool:
    """The district confirms a commune's registration and puts it in the year's plan.

    Returns False when it was confirmed already (a second click changes nothing).
    """
    if not access_for(user).coordinates(registration.commune):
        raise PermissionDenied
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.confirmed_on is not None:
        return False
    registration.confirmed_on = max(timezone.localdate(), registration.registered_on)
    registration.confirmed_by = user
    registration._change_reason = _("Huyện xác nhận đăng ký")
    registration.save(update_fields=["confirmed_on", "confirmed_by"])
    return True
