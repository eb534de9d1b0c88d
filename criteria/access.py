"""Who may see and change criteria sets, on top of communes.access.

Every signed-in user reads the library. A national set is changed only by the
system administrator (through load_criteria or the admin); a provincial set by
the coordinators working in that province.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from communes.access import access_for

from .models import CriteriaSet


def can_edit_set(user, criteria_set: CriteriaSet) -> bool:
    access = access_for(user)
    if access.is_superuser:
        return True
    return criteria_set.issuer_id is not None and criteria_set.issuer_id in access.coordinator_province_ids


def can_copy_sets(user) -> bool:
    """May create a provincial set by copying another one."""
    access = access_for(user)
    return access.is_superuser or bool(access.coordinator_province_ids)


def get_set_for_user(user, code: str, *, change: bool = False) -> CriteriaSet:
    """The set `code` (404 if absent); 403 if `change` and the user may not edit it."""
    criteria_set = get_object_or_404(CriteriaSet.objects.select_related("issuer", "parent"), code=code)
    if change and not can_edit_set(user, criteria_set):
        raise PermissionDenied
    return criteria_set


def can_enter_scores(user, commune) -> bool:
    """Self-assessment: the commune's officials and the coordinators over it."""
    return access_for(user).can_change_commune(commune)


def can_verify(user, commune, indicator) -> bool:
    """Verification: the department that owns the indicator, or a coordinator."""
    access = access_for(user)
    if access.coordinates(commune):
        return True
    department = indicator.department
    return department is not None and department.pk in access.verifies_for(commune)


def can_manage_programme(user, commune) -> bool:
    """Registrations and recognition decisions are recorded by the coordination office."""
    return access_for(user).coordinates(commune)
