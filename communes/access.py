"""The one place that decides which units a user may see and change.

Access is derived from role × unit (``Membership`` rows), never from grants on
single objects. Other apps build their per-object helpers on top of
``access_for(user)`` (e.g. ``get_set_for_user`` in criteria/access.py); views
never filter by commune or role themselves.

Rules:
- a superuser sees and changes everything;
- coordinators, department officers and leaders see every commune of their
  district (or province);
- commune officials see only their own commune, and read the communes merged
  into it (its predecessors), where they change nothing;
- coordinators change the communes they see; commune officials change their
  own commune; department officers change only what their department owns
  (checked by the apps that own those objects); leaders change nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Commune, District, Membership, Province

Role = Membership.Role
# How many mergers back a commune's officials read their former communes (A and B
# merged into N in 2020, N into M in 2025: M's officials read N, A and B).
INHERITED_MERGERS = 3
T = TypeVar("T")
C = TypeVar("C")


def grant(obj: T, can: C, need: str | None = None) -> tuple[T, C]:
    """The object and what the user may do with it; 403 when `need` names a permission
    the user lacks.

    Every ``get_<object>_for_user(user, ..., need=None)`` helper ends with this call:
    it raises 404 itself when the user may not see the object, and returns
    ``(obj, can)``, ``can`` being a frozen dataclass of booleans named for the actions
    (``can.submit``, ``can.edit``). A view asks once, and never raises by hand.
    """
    if need is not None and not getattr(can, need):
        raise PermissionDenied
    return obj, can


@dataclass(frozen=True)
class Scope:
    """The units one role covers, as sets of primary keys."""

    provinces: frozenset[int] = frozenset()
    districts: frozenset[int] = frozenset()
    communes: frozenset[int] = frozenset()

    def covers(self, commune: Commune) -> bool:
        return (
            commune.pk in self.communes
            or commune.district_id in self.districts
            or commune.province_id in self.provinces
        )

    def as_q(self) -> Q:
        # pk__in=[] matches nothing, so an empty scope is an empty queryset.
        return Q(pk__in=self.communes) | Q(district__in=self.districts) | Q(province__in=self.provinces)

    def __bool__(self):
        return bool(self.provinces or self.districts or self.communes)


@dataclass(frozen=True)
class Access:
    """What one user may do. Built once per request by ``access_for``."""

    is_superuser: bool
    scopes: dict[str, Scope] = field(default_factory=dict)
    department_ids: frozenset[int] = frozenset()
    # Provinces whose provincial criteria sets this user may edit: those where
    # they coordinate, directly or through one of its districts.
    coordinator_province_ids: frozenset[int] = frozenset()

    @property
    def roles(self) -> set[str]:
        return {role for role, scope in self.scopes.items() if scope}

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or any(self.scopes.get(role) for role in roles)

    @property
    def fingerprint(self) -> str:
        """The same string for the same roles over the same units: what a part of a page
        kept in the cache for one user varies on, so a changed membership is never served
        the old part."""
        scopes = sorted(
            (role, sorted(scope.provinces), sorted(scope.districts), sorted(scope.communes))
            for role, scope in self.scopes.items()
        )
        facts = (self.is_superuser, scopes, sorted(self.department_ids))
        return hashlib.sha256(repr(facts).encode()).hexdigest()[:24]

    @property
    def is_read_only(self) -> bool:
        """Leaders read everything and change nothing."""
        return not self.is_superuser and self.roles <= {Role.LEADER}

    def _scope(self, *roles: str) -> Scope:
        parts = [self.scopes[r] for r in roles if r in self.scopes]
        return Scope(
            provinces=frozenset().union(*(p.provinces for p in parts)),
            districts=frozenset().union(*(p.districts for p in parts)),
            communes=frozenset().union(*(p.communes for p in parts)),
        )

    # Communes ---------------------------------------------------------------
    def visible_communes(self):
        qs = Commune.objects.all()
        return qs if self.is_superuser else qs.filter(self._scope(*Role.values).as_q() | self._inherited_q())

    def can_see_commune(self, commune: Commune) -> bool:
        if self.is_superuser or self._scope(*Role.values).covers(commune):
            return True
        # Asked of the database only for a commune outside the scope: an official
        # opening a former commune of theirs (or being refused another one).
        return bool(self._scope(Role.COMMUNE)) and (
            Commune.objects.filter(self._inherited_q(), pk=commune.pk).exists()
        )

    def _inherited_q(self) -> Q:
        """The communes merged into the communes this user is an official of, up to
        INHERITED_MERGERS mergers back: the merged commune's officials read their
        predecessors' pages (scores, dossiers, reports as they were), and change
        nothing there (`can_change_commune` does not cover them)."""
        communes = self._scope(Role.COMMUNE).communes
        if not communes:
            return Q(pk__in=[])
        merged = Commune.predecessors.through.objects
        level = merged.filter(from_commune__in=communes).values("to_commune")
        inherited = Q(pk__in=level)
        for _ in range(INHERITED_MERGERS - 1):
            level = merged.filter(from_commune__in=level).values("to_commune")
            inherited |= Q(pk__in=level)
        return inherited

    def can_change_commune(self, commune: Commune) -> bool:
        """May enter data for this commune (self-assessment, evidence, units)."""
        return self.is_superuser or self._scope(Role.COORDINATOR, Role.COMMUNE).covers(commune)

    def acts_for(self, commune: Commune) -> bool:
        """Changes the commune's data without being one of its officials: the district
        entering for the commune ("thay mặt xã") must say so and why."""
        return self.can_change_commune(commune) and not self._scope(Role.COMMUNE).covers(commune)

    def sees_unit(self, *, district=None, province=None) -> bool:
        """Sees the whole district or province (commune officials see only their commune)."""
        if self.is_superuser:
            return True
        scope = self._scope(Role.COORDINATOR, Role.DEPARTMENT, Role.LEADER)
        if district is not None:
            return district.pk in scope.districts or district.province_id in scope.provinces
        return province.pk in scope.provinces or province.pk in self._district_provinces(scope)

    def coordinates_unit(self, *, district=None, province=None) -> bool:
        """Runs the programme there: a district's coordinators for the district, the
        coordinators of a province or of one of its districts for the province (as for
        the province's criteria sets)."""
        if self.is_superuser:
            return True
        if district is not None:
            scope = self._scope(Role.COORDINATOR)
            return district.pk in scope.districts or district.province_id in scope.provinces
        return province.pk in self.coordinator_province_ids

    def _district_provinces(self, scope: Scope) -> set[int]:
        from .models import District

        return set(District.objects.filter(pk__in=scope.districts).values_list("province_id", flat=True))

    def coordinates(self, commune: Commune) -> bool:
        """May run the programme for this commune: review, confirm, record decisions."""
        return self.is_superuser or self._scope(Role.COORDINATOR).covers(commune)

    @property
    def reads_audit(self) -> bool:
        """Who changed what: coordinators (over the units they coordinate) and the
        system administrator."""
        return self.has_role(Role.COORDINATOR)

    def coordinator_scope(self) -> Scope:
        """The units this user coordinates (empty for a superuser: they need none)."""
        return self._scope(Role.COORDINATOR)

    def coordinated_communes(self):
        """The communes this user runs the programme for."""
        qs = Commune.objects.all()
        return qs if self.is_superuser else qs.filter(self.coordinator_scope().as_q())

    def verifies_for(self, commune: Commune) -> frozenset[int]:
        """The departments this user verifies for in this commune."""
        if self._scope(Role.DEPARTMENT).covers(commune):
            return self.department_ids
        return frozenset()

    def refused_units(self, *, province, district, commune, predecessors=(), renames_province=False) -> list:
        """The units a row of the units file names that are not this user's to write
        (empty: the row is theirs). The administrator writes any. A coordinator writes
        the communes they coordinate and the districts they coordinate; creates districts,
        and communes outside a district, only in a province they coordinate as a whole;
        creates no province, and renames one only as its coordinator. Units the row
        creates are unsaved (no pk); `predecessors` are the communes a merger ends.
        """
        if self.is_superuser:
            return []
        refused = []
        coordinates_province = province.pk is not None and self.covers_unit(province, Role.COORDINATOR)
        if province.pk is None or not (
            coordinates_province if renames_province else self.coordinates_unit(province=province)
        ):
            refused.append(province)
        if district is not None and not (
            self.coordinates_unit(district=district) if district.pk is not None else coordinates_province
        ):
            refused.append(district)
        if commune.pk is not None:
            if not self.coordinates(commune):
                refused.append(commune)
        elif district is None and not refused and not coordinates_province:
            # A new commune under a district is the district's (refused above, if so).
            refused.append(commune)
        refused.extend(c for c in predecessors if c.pk is not None and not self.coordinates(c))
        return refused

    # Districts and provinces ---------------------------------------------------
    def unit_ids(self, *roles: str) -> tuple[frozenset[int], frozenset[int]]:
        """The district and province ids that these roles of the user hold."""
        scope = self._scope(*roles)
        return scope.districts, scope.provinces

    def covers_unit(self, unit, *roles: str) -> bool:
        """Whether these roles cover a district or a province (a province covers its districts)."""
        if self.is_superuser:
            return True
        districts, provinces = self.unit_ids(*roles)
        if isinstance(unit, District):
            return unit.pk in districts or unit.province_id in provinces
        return isinstance(unit, Province) and unit.pk in provinces


def access_for(user) -> Access:
    """Return (and cache on the user object) what `user` may do."""
    cached = getattr(user, "_ntm_access", None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        access = Access(is_superuser=False)
    else:
        memberships = list(
            Membership.objects.filter(user=user)
            .select_related("district")
            .only(
                "role",
                "province_id",
                "district_id",
                "district__province_id",
                "commune_id",
                "department_id",
            )
        )
        units: dict[str, dict[str, set[int]]] = {}
        for m in memberships:
            bucket = units.setdefault(m.role, {"provinces": set(), "districts": set(), "communes": set()})
            if m.province_id:
                bucket["provinces"].add(m.province_id)
            if m.district_id:
                bucket["districts"].add(m.district_id)
            if m.commune_id:
                bucket["communes"].add(m.commune_id)
        access = Access(
            is_superuser=user.is_superuser,
            scopes={role: Scope(**{k: frozenset(v) for k, v in b.items()}) for role, b in units.items()},
            department_ids=frozenset(m.department_id for m in memberships if m.department_id),
            coordinator_province_ids=frozenset(
                m.province_id or m.district.province_id
                for m in memberships
                if m.role == Role.COORDINATOR and (m.province_id or m.district_id)
            ),
        )
    user._ntm_access = access
    return access


@dataclass(frozen=True)
class CommuneCan:
    """What a user may do on one commune's pages.

    - ``enter``: self-assessment, evidence, registrations (the commune's officials
      and the coordinators over it);
    - ``coordinate``: review, confirm, record the province's decisions;
    - ``verify_departments``: the departments the user verifies for in this commune;
    - ``on_behalf``: entering here means acting for the commune ("thay mặt xã"), with a reason.
    """

    enter: bool
    coordinate: bool
    verify_departments: frozenset[int] = frozenset()
    on_behalf: bool = False

    @property
    def verify(self) -> bool:
        return self.coordinate or bool(self.verify_departments)

    def verifies(self, department_id: int | None) -> bool:
        """May confirm results owned by this department (coordinators verify every one)."""
        return self.coordinate or (department_id is not None and department_id in self.verify_departments)


def commune_can(user, commune: Commune) -> CommuneCan:
    access = access_for(user)
    return CommuneCan(
        enter=access.can_change_commune(commune),
        coordinate=access.coordinates(commune),
        verify_departments=access.verifies_for(commune),
        on_behalf=access.acts_for(commune),
    )


def get_commune_for_user(user, code: str, *, need: str | None = None) -> tuple[Commune, CommuneCan]:
    """The commune `code` and what the user may do there; 404 when they may not see it,
    403 when `need` ("enter", "coordinate", "verify") is not theirs."""
    commune = get_object_or_404(Commune.objects.select_related("province", "district"), code=code)
    if not access_for(user).can_see_commune(commune):
        raise Http404
    return grant(commune, commune_can(user, commune), need)


def units_importer(user):
    """What the units import may write for this user (their access); 403 for those
    who do not coordinate: the units file is the coordination office's."""
    if not can_merge_communes(user):
        raise PermissionDenied
    return access_for(user)


def can_merge_communes(user) -> bool:
    """A merger is the coordination office's act (and the administrator's)."""
    return access_for(user).has_role(Role.COORDINATOR)


def merger_communes_for_user(user):
    """The communes a user may merge: those they coordinate (the administrator: all);
    403 for everyone else."""
    if not can_merge_communes(user):
        raise PermissionDenied
    return access_for(user).coordinated_communes()
