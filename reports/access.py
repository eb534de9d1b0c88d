"""Who may see and save report snapshots, on top of communes.access.

Reports need no rule of their own: each is built from the communes the user may
see (`access_for(user).visible_communes()`), and the commune report goes through
`get_commune_for_user`. A snapshot is a frozen report, so it may be fetched by
whoever may see every commune it shows: a commune official gets their own
commune's saved report, never a district report with the neighbours in it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from communes.access import access_for, get_commune_for_user, grant
from communes.models import Commune, District, Membership, Province

from .models import ReportKind, ReportSnapshot, SignatureBlock

Role = Membership.Role
SnapshotCommune = ReportSnapshot.communes.through


def can_save_snapshots(user) -> bool:
    """Coordinators prepare the meetings and leaders take reports to them. Saving a
    snapshot files a copy and changes no programme data, so leaders may, read-only
    as they otherwise are; commune officials and department officers read reports
    but do not file them for the steering committee."""
    return access_for(user).has_role(Role.COORDINATOR, Role.LEADER)


def visible_snapshots(user):
    access = access_for(user)
    snapshots = ReportSnapshot.objects.all()
    if access.is_superuser:
        return snapshots
    visible = access.visible_communes().values("pk")
    shows = SnapshotCommune.objects.filter(reportsnapshot=OuterRef("pk"))
    return snapshots.filter(Exists(shows.filter(commune__in=visible))).exclude(
        Exists(shows.exclude(commune__in=visible))
    )


def get_snapshot_for_user(user, pk: int) -> ReportSnapshot:
    """The snapshot if the user may see everything in it; 404 otherwise."""
    return get_object_or_404(visible_snapshots(user).select_related("created_by"), pk=pk)


@dataclass(frozen=True)
class ReportScope:
    """What a report may show: the communes the user sees, and for a commune report
    the one commune asked for."""

    communes: QuerySet
    commune: Commune | None = None


@dataclass(frozen=True)
class ReportCan:
    save: bool


def get_report_scope_for_user(
    user, kind: str, code: str | None = None, *, need: str | None = None
) -> tuple[ReportScope, ReportCan]:
    """The scope of a report of `kind` (404 for a commune the user may not see), and
    whether they may save it for a meeting (403 when `need="save"` is not theirs)."""
    commune = get_commune_for_user(user, code)[0] if kind == ReportKind.COMMUNE else None
    scope = ReportScope(communes=access_for(user).visible_communes(), commune=commune)
    return grant(scope, ReportCan(save=can_save_snapshots(user)), need)


# Signature blocks -------------------------------------------------------------------

UNIT_MODELS = {"district": District, "province": Province}


@dataclass(frozen=True)
class SignatureCan:
    edit: bool


def signature_units(user) -> list[tuple[str, District | Province]]:
    """The units whose signature block the user keeps, those they coordinate, as (kind, unit)."""
    districts, provinces = access_for(user).unit_ids(Role.COORDINATOR)
    return [("province", p) for p in Province.objects.filter(pk__in=provinces)] + [
        ("district", d) for d in District.objects.filter(pk__in=districts)
    ]


def get_signature_for_user(user, kind: str, pk: int, *, need: str | None = None):
    """The unit's signature block (unsaved when none is recorded) and what the user may do:
    everyone who reads the unit's reports sees it (404 otherwise); its coordinators edit it."""
    if kind not in UNIT_MODELS:
        raise Http404
    unit = get_object_or_404(UNIT_MODELS[kind], pk=pk)
    access = access_for(user)
    if not access.covers_unit(unit, Role.COORDINATOR, Role.DEPARTMENT, Role.LEADER):
        raise Http404
    return grant(
        SignatureBlock.for_unit(unit), SignatureCan(edit=access.covers_unit(unit, Role.COORDINATOR)), need
    )
