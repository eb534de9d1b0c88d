"""Who may see and change criteria sets and scores, on top of communes.access.

Every signed-in user reads the library. A national set is changed only by the
system administrator (through load_criteria or the admin); a provincial set by
the coordinators working in that province. Scores follow the commune: its
officials and coordinators enter them, the department that owns an indicator
(or a coordinator) verifies them. Scores files are imported by coordinators.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from communes.access import CommuneCan, access_for, commune_can, get_commune_for_user, grant
from communes.models import District, Membership, Province

from .assessment import Assessment
from .models import MAX_YEAR, MIN_YEAR, CriteriaSet, Indicator, Score
from .owners import Unit, ownership_for


@dataclass(frozen=True)
class SetCan:
    edit: bool
    copy: bool


def can_edit_set(user, criteria_set: CriteriaSet) -> bool:
    access = access_for(user)
    if access.is_superuser:
        return True
    return criteria_set.issuer_id is not None and criteria_set.issuer_id in access.coordinator_province_ids


def can_copy_sets(user) -> bool:
    """May create a provincial set by copying another one."""
    access = access_for(user)
    return access.is_superuser or bool(access.coordinator_province_ids)


def can_import_criteria(user) -> bool:
    """May open the criteria workbook import: the administrator, and coordinators (for
    their province's sets; the import refuses a set they may not change)."""
    return can_copy_sets(user)


def criteria_importer_required(view):
    """403 for anyone who may not import criteria workbooks."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_import_criteria(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def provinces_for_new_sets(user):
    """The provinces a user may issue a provincial set for."""
    access = access_for(user)
    provinces = Province.objects.order_by("name")
    return provinces if access.is_superuser else provinces.filter(pk__in=access.coordinator_province_ids)


def get_set_for_user(user, code: str, *, need: str | None = None) -> tuple[CriteriaSet, SetCan]:
    """The set `code` (404 if absent) and whether the user may edit or copy it;
    403 when `need` ("edit", "copy") is not theirs."""
    criteria_set = get_object_or_404(CriteriaSet.objects.select_related("issuer", "parent"), code=code)
    can = SetCan(edit=can_edit_set(user, criteria_set), copy=can_copy_sets(user))
    return grant(criteria_set, can, need)


# Scores ----------------------------------------------------------------------------


def can_enter_scores(user, commune) -> bool:
    """Self-assessment: the commune's officials and the coordinators over it."""
    return access_for(user).can_change_commune(commune)


def can_verify(user, commune, indicator: Indicator) -> bool:
    """Verification: the department that owns the indicator where the commune is (its
    district's assignment, or its province's), or a coordinator."""
    owner = ownership_for(commune, indicator.criterion.criteria_set_id).department_id(indicator)
    return commune_can(user, commune).verifies(owner)


def can_import_scores(user) -> bool:
    """Scores files are imported by coordinators; the import itself refuses any row of a
    commune the user does not coordinate."""
    return access_for(user).has_role(Membership.Role.COORDINATOR)


def scores_importer_required(view):
    """403 for anyone who may not import scores files."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_import_scores(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def get_assessment_for_user(
    user, code: str, set_code: str, year: int, number: int, *, village_code: str = "", need: str | None = None
) -> tuple[Assessment, CommuneCan]:
    """One criterion of a commune (or of one of its villages, for a village set) for a
    year, and what the user may do there; 404 for what they may not see or what does
    not exist (a set that does not apply to the commune's kind of unit), 403 when
    `need` ("enter") is not theirs."""
    commune, can = get_commune_for_user(user, code)
    criteria_set, _set_can = get_set_for_user(user, set_code)
    if not MIN_YEAR <= year <= MAX_YEAR or not criteria_set.applies_to_unit(commune):
        raise Http404
    criterion = get_object_or_404(criteria_set.criteria, number=number)
    village = None
    if criteria_set.level == CriteriaSet.Level.VILLAGE:
        village = get_object_or_404(commune.villages, code=village_code)
        village.commune = commune
    assessment = Assessment(
        commune=commune, criteria_set=criteria_set, criterion=criterion, year=year, village=village
    )
    return grant(assessment, can, need)


def get_score_for_verifier(
    user, code: str, set_code: str, year: int, number: int, indicator_pk: int, *, village_code: str = ""
) -> tuple[Assessment, CommuneCan, Score]:
    """The score a department (or coordinator) is about to confirm or reject, with its
    assessment page: 404 when it does not exist or cannot be seen, 403 when the user
    does not verify its indicator."""
    assessment, can = get_assessment_for_user(user, code, set_code, year, number, village_code=village_code)
    score = assessment.scores.get(indicator_pk)
    if score is None:
        raise Http404
    if not can.verifies(assessment.ownership.department_id(score.indicator)):
        raise PermissionDenied
    return assessment, can, score


# Owners of criteria per unit ------------------------------------------------------


@dataclass(frozen=True)
class OwnersCan:
    edit: bool


@dataclass(frozen=True)
class OwnerAssignment:
    """One unit's assignment of departments to one set's criteria."""

    criteria_set: CriteriaSet
    unit: Unit


def get_owners_for_user(
    user, code: str, level: str, unit_code: str, *, need: str | None = None
) -> tuple[OwnerAssignment, OwnersCan]:
    """A district's (or province's) owners of a set's criteria: seen by those who see the
    whole unit (404 otherwise), changed by its coordinators (403 when `need="edit"`)."""
    criteria_set = get_object_or_404(CriteriaSet, code=code)
    if level == "district":
        place = get_object_or_404(District.objects.select_related("province"), code=unit_code)
        unit = Unit(district=place)
    elif level == "province":
        place = get_object_or_404(Province, code=unit_code)
        unit = Unit(province=place)
    else:
        raise Http404
    access = access_for(user)
    if not access.sees_unit(**{level: place}):
        raise Http404
    can = OwnersCan(edit=access.coordinates_unit(**{level: place}))
    return grant(OwnerAssignment(criteria_set=criteria_set, unit=unit), can, need)


def owner_units_for(user) -> list[Unit]:
    """The districts and provinces whose assignments the user may open: those they
    coordinate (or, for other district roles, work in), each district's province too."""
    access = access_for(user)
    if access.is_superuser:
        districts = District.objects.select_related("province")
        provinces = Province.objects.all()
    else:
        roles = (Membership.Role.COORDINATOR, Membership.Role.DEPARTMENT, Membership.Role.LEADER)
        scopes = [access.scopes[r] for r in roles if r in access.scopes]
        district_ids = set().union(*(s.districts for s in scopes))
        province_ids = set().union(*(s.provinces for s in scopes))
        districts = District.objects.filter(pk__in=district_ids).select_related("province")
        provinces = Province.objects.filter(pk__in=province_ids)
    districts = list(districts.order_by("name"))
    provinces = {p.pk: p for p in provinces}
    provinces.update({d.province_id: d.province for d in districts})
    units = [Unit(district=d) for d in districts]
    units += [Unit(province=p) for p in sorted(provinces.values(), key=lambda p: p.name)]
    return units
