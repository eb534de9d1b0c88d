"""Who may see and save report snapshots, on top of communes.access.

Reports need no rule of their own: each is built from the communes the user may
see (`access_for(user).visible_communes()`), and the commune report goes through
`get_commune_for_user`. A snapshot is a frozen report, so it may be fetched by
whoever may see every commune it shows: a commune official gets their own
commune's saved report, never a district report with the neighbours in it.
"""

from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404

from communes.access import access_for
from communes.models import Membership

from .models import ReportSnapshot

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
