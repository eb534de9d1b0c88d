"""Who owns which criterion, where: the one place that answers it.

A commune's results are verified by the departments of its district, as the district
assigned them; a commune outside any district (since 01/7/2025) by its province's sở,
ngành. The province's assignment also says which provincial department appraises which
criteria of a dossier. Every rule that needs an owner (verifying a score, reviewing a
dossier item, the department's work queue, the appraisal form) asks `ownership_for`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from simple_history.utils import bulk_create_with_history

from communes.models import Commune, Department, District, Province

from .models import CriteriaSet, Criterion, CriterionOwner, Indicator


@dataclass(frozen=True)
class Unit:
    """A district, or a province: the level at which owners are assigned."""

    district: District | None = None
    province: Province | None = None

    @property
    def place(self):
        return self.district or self.province

    @property
    def level(self) -> str:
        return "district" if self.district else "province"

    @property
    def filter(self) -> dict:
        return {"district": self.district} if self.district else {"province": self.province, "district": None}

    def departments(self):
        """The departments that may own criteria here: the district's phòng, or the province's sở."""
        if self.district:
            return Department.objects.filter(district=self.district, level=Department.Level.DISTRICT)
        return Department.objects.filter(province=self.province, level=Department.Level.PROVINCE)


def unit_of(commune: Commune) -> Unit:
    """The unit whose assignment applies to the commune: its district, else its province."""
    if commune.district_id:
        return Unit(district=District(pk=commune.district_id))
    return Unit(province=Province(pk=commune.province_id))


@dataclass
class Ownership:
    """The owners of one set's criteria and indicators in one unit (loaded in one query)."""

    criteria: dict[int, Department] = field(default_factory=dict)
    indicators: dict[int, Department] = field(default_factory=dict)

    def of_criterion(self, criterion: Criterion | int) -> Department | None:
        return self.criteria.get(getattr(criterion, "pk", criterion))

    def of_indicator(self, indicator: Indicator) -> Department | None:
        """The indicator's own owner, else its criterion's."""
        return self.indicators.get(indicator.pk) or self.criteria.get(indicator.criterion_id)

    def department_id(self, indicator: Indicator) -> int | None:
        department = self.of_indicator(indicator)
        return department.pk if department else None

    def criteria_of(self, department_id: int) -> set[int]:
        """Criteria the department owns, wholly or through one of their indicators."""
        owned = {c for c, d in self.criteria.items() if d.pk == department_id}
        return owned | {
            row.criterion_id for row in self._indicator_rows if row.department_id == department_id
        }

    _indicator_rows: list[CriterionOwner] = field(default_factory=list)


def _ownership(rows) -> Ownership:
    ownership = Ownership()
    for row in rows:
        if row.indicator_id:
            ownership.indicators[row.indicator_id] = row.department
            ownership._indicator_rows.append(row)
        else:
            ownership.criteria[row.criterion_id] = row.department
    return ownership


def ownership_in(unit: Unit, criteria_set: CriteriaSet | int) -> Ownership:
    """The owners a unit assigned for a set (1 query)."""
    rows = CriterionOwner.objects.filter(criterion__criteria_set=criteria_set, **unit.filter).select_related(
        "department"
    )
    return _ownership(rows)


def ownership_for(commune: Commune, criteria_set: CriteriaSet | int) -> Ownership:
    """The owners that apply to a commune's results for a set."""
    return ownership_in(unit_of(commune), criteria_set)


def province_ownership(province_id: int, criteria_set: CriteriaSet | int) -> Ownership:
    """The province's sở, ngành for a set: who appraises which criteria of a dossier."""
    return ownership_in(Unit(province=Province(pk=province_id)), criteria_set)


@dataclass
class Duty:
    """What one department verifies, over every set: the criteria it owns (wholly or
    through an indicator), the indicators whose results it confirms, and where."""

    department: Department
    criteria: set[int] = field(default_factory=set)
    indicators: set[int] = field(default_factory=set)
    # Criteria it owns as a whole: their dossier items are its to review.
    whole_criteria: set[int] = field(default_factory=set)

    def communes(self, prefix: str = "") -> Q:
        """The communes whose results it verifies: its district's, or its province's
        communes outside any district."""
        department = self.department
        if department.district_id:
            return Q(**{f"{prefix}district": department.district_id})
        return Q(**{f"{prefix}province": department.province_id, f"{prefix}district__isnull": True})


def duties_of(department_ids) -> list[Duty]:
    """The duties of the user's departments (3 queries whatever the number of sets)."""
    departments = list(Department.objects.filter(pk__in=department_ids))
    if not departments:
        return []
    units = Q(pk__in=[])
    for department in departments:
        if department.district_id:
            units |= Q(district=department.district_id)
        else:
            units |= Q(province=department.province_id, district__isnull=True)
    rows = list(
        CriterionOwner.objects.filter(units).values_list(
            "criterion_id", "indicator_id", "department_id", "district_id", "province_id"
        )
    )
    mine = {department.pk for department in departments}
    whole = {c for c, i, d, *_ in rows if i is None and d in mine}
    indicators_of: dict[int, list[int]] = {}
    for pk, criterion_id in Indicator.objects.filter(criterion__in=whole).values_list("pk", "criterion_id"):
        indicators_of.setdefault(criterion_id, []).append(pk)
    duties = []
    for department in departments:
        unit = (department.district_id, None) if department.district_id else (None, department.province_id)
        here = [(c, i, d) for c, i, d, district, province in rows if (district, province) == unit]
        overridden = {i for c, i, d in here if i is not None and d != department.pk}
        duty = Duty(department)
        for criterion_id, indicator_id, owner in here:
            if owner != department.pk:
                continue
            duty.criteria.add(criterion_id)
            if indicator_id is None:
                duty.whole_criteria.add(criterion_id)
                duty.indicators.update(i for i in indicators_of.get(criterion_id, []) if i not in overridden)
            else:
                duty.indicators.add(indicator_id)
        duties.append(duty)
    return duties


@transaction.atomic
def assign_owners(
    *, unit: Unit, criteria_set: CriteriaSet, criteria: dict[int, Department | None], indicators: dict
) -> int:
    """Replace the unit's assignment for the set: `criteria` {criterion pk: department or
    None}, `indicators` {indicator pk: department or None (same as its criterion)}.
    Returns the number of rows written."""
    CriterionOwner.objects.filter(criterion__criteria_set=criteria_set, **unit.filter).delete()
    place = {"district": unit.district} if unit.district else {"province": unit.province}
    criterion_of = dict(Indicator.objects.filter(pk__in=list(indicators)).values_list("pk", "criterion_id"))
    rows = [
        CriterionOwner(criterion_id=pk, department=department, **place)
        for pk, department in criteria.items()
        if department is not None
    ] + [
        CriterionOwner(criterion_id=criterion_of[pk], indicator_id=pk, department=department, **place)
        for pk, department in indicators.items()
        if department is not None
    ]
    bulk_create_with_history(rows, CriterionOwner)  # the audit page lists who owns what
    return len(rows)
