"""Who may read which history, on top of communes.access.

Coordinators read the changes in the units they coordinate: the communes themselves
(region, classes, group, validity), their scores, registrations, recognitions,
dossiers, items and appraisals; the memberships on those
communes and on their district or province; who owns which criteria in that district or
province; the targets of national sets and of the
sets their province issued. The system administrator reads everything. Nobody else
reads the audit trail (403).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from communes.access import Scope, access_for, grant


@dataclass(frozen=True)
class AuditScope:
    is_superuser: bool
    communes: QuerySet
    units: Scope
    province_ids: frozenset[int]

    def commune_q(self, path: str) -> Q:
        """History rows whose commune, reached by `path`, is one the user coordinates."""
        return Q() if self.is_superuser else Q(**{f"{path}__in": self.communes})

    def membership_q(self) -> Q:
        if self.is_superuser:
            return Q()
        return (
            Q(commune__in=self.communes)
            | Q(district__in=self.units.districts)
            | Q(district__province__in=self.units.provinces)
            | Q(province__in=self.units.provinces)
        )

    def owner_q(self) -> Q:
        """Who owns which criteria in the districts and provinces the user coordinates."""
        if self.is_superuser:
            return Q()
        return (
            Q(district__in=self.units.districts)
            | Q(district__province__in=self.units.provinces)
            | Q(province__in=self.units.provinces)
        )

    def target_q(self) -> Q:
        if self.is_superuser:
            return Q()
        issuer = "indicator__criterion__criteria_set__issuer"
        return Q(**{f"{issuer}__isnull": True}) | Q(**{f"{issuer}__in": self.province_ids})


@dataclass(frozen=True)
class AuditCan:
    read: bool


def get_audit_scope_for_user(user, *, need: str | None = None) -> tuple[AuditScope, AuditCan]:
    """What of the history the user may read; 403 when `need="read"` and they read none."""
    access = access_for(user)
    scope = AuditScope(
        is_superuser=access.is_superuser,
        communes=access.coordinated_communes(),
        units=access.coordinator_scope(),
        province_ids=access.coordinator_province_ids,
    )
    return grant(scope, AuditCan(read=access.reads_audit), need)
