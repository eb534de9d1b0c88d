"""Work queues of the dossiers app, built on `access_for(user)` and the owners of criteria:
what waits for the district (dossiers to review, to send, appraisals overdue), for a
department (items of its criteria to review) and for a commune (its own dossier)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q

from communes.access import access_for
from criteria.owners import duties_of

from .models import Appraisal, Dossier, DossierItem, Transition
from .progress import DossierProgress, progress_of, with_progress_data


def dossier_counts(user) -> dict[str, int]:
    """Dossiers of the communes the user coordinates, counted by state (1 query)."""
    dossiers = Dossier.objects.filter(commune__in=access_for(user).coordinated_communes())
    return dict(dossiers.values_list("status").annotate(n=Count("pk")).order_by())


def overdue_appraisals(user, today: datetime.date) -> list[Appraisal]:
    """Departments past the day they were to answer, still without a result (1 query)."""
    return list(
        Appraisal.objects.filter(
            dossier__commune__in=access_for(user).coordinated_communes(),
            due_on__lt=today,
            result=Appraisal.Result.PENDING,
        )
        .select_related("dossier__commune", "department")
        .order_by("due_on", "pk")
    )


def items_to_review(user) -> list[DossierItem]:
    """Items of submitted dossiers, of the criteria the user's departments own where the
    commune is, not yet reviewed; oldest dossier first."""
    where = Q(pk__in=[])
    for duty in duties_of(access_for(user).department_ids):
        where |= Q(criterion__in=duty.whole_criteria) & duty.communes("dossier__commune__")
    return list(
        DossierItem.objects.filter(
            where, review=DossierItem.Review.PENDING, dossier__status=Dossier.Status.SUBMITTED
        )
        .select_related("dossier__commune", "criterion")
        .order_by("dossier__created_at", "criterion__number")
    )


def commune_dossier(commune, criteria_set, year) -> tuple[DossierProgress, Transition | None] | None:
    """The commune's dossier for the set and year with its progress, and the district's
    last return when it is returned."""
    dossiers = with_progress_data(
        Dossier.objects.filter(commune=commune, criteria_set=criteria_set, year=year)
    )
    progress = progress_of(dossiers)
    if not progress:
        return None
    (progress,) = progress
    returned = None
    if progress.dossier.status == Dossier.Status.RETURNED:
        returned = (
            progress.dossier.transitions.filter(to_status=Dossier.Status.RETURNED)
            .select_related("actor")
            .order_by("-at", "-pk")
            .first()
        )
    return progress, returned
