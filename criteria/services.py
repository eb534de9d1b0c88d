"""Workflows over several criteria models."""

from django.db import transaction

from communes.models import Province

from .models import CriteriaSet, Criterion, Indicator, IndicatorTarget


@transaction.atomic
def copy_criteria_set(
    *, source: CriteriaSet, code: str, name: str, issuer: Province, legal_basis: str = ""
) -> CriteriaSet:
    """Create a provincial set from `source`: every criterion, indicator and target.

    The copy points to the national set it concretises (`parent`), so reports
    can still compare it with the national one. Departments are kept only when
    they serve the copy's province; others would belong to someone else.
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
        verified=False,
        source_note=source.source_note,
        expected_criteria=source.expected_criteria,
        expected_indicators=source.expected_indicators,
    )
    # Three bulk inserts whatever the size of the set: criteria, indicators, targets.
    criteria = list(
        source.criteria.select_related("responsible_department__district").prefetch_related(
            "indicators__targets", "indicators__responsible_department__district"
        )
    )
    new_criteria = Criterion.objects.bulk_create(
        Criterion(
            criteria_set=copy,
            number=c.number,
            name=c.name,
            name_en=c.name_en,
            group=c.group,
            responsible_department=_department_in(c.responsible_department, issuer),
            unverified=c.unverified,
        )
        for c in criteria
    )
    pairs = [
        (indicator, new_criterion)
        for criterion, new_criterion in zip(criteria, new_criteria, strict=True)
        for indicator in criterion.indicators.all()
    ]
    new_indicators = Indicator.objects.bulk_create(
        Indicator(
            criterion=new_criterion,
            code=i.code,
            text=i.text,
            kind=i.kind,
            unit=i.unit,
            conditional=i.conditional,
            responsible_department=_department_in(i.responsible_department, issuer),
            required_evidence=i.required_evidence,
            order=i.order,
            unverified=i.unverified,
            note=i.note,
        )
        for i, new_criterion in pairs
    )
    IndicatorTarget.objects.bulk_create(
        IndicatorTarget(
            indicator=new_indicator,
            region=t.region,
            commune_group=t.commune_group,
            year=t.year,
            value=t.value,
            threshold=t.threshold,
        )
        for (indicator, _criterion), new_indicator in zip(pairs, new_indicators, strict=True)
        for t in indicator.targets.all()
    )
    return copy


def _department_in(department, province: Province):
    if department is None:
        return None
    serves = department.province_id or department.district.province_id
    return department if serves == province.pk else None
