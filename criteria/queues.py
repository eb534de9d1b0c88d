"""Work queues of the criteria app: what waits for someone's verification.

Built on `access_for(user)` and `owners.duties_of`: a department officer's queue holds
the results of the indicators their department owns, in the communes it serves; a
coordinator's holds every result of the communes they coordinate. Oldest first.
"""

from __future__ import annotations

from django.db.models import Q

from communes.access import access_for

from .models import Score
from .owners import duties_of


def pending_verifications(user):
    """Results entered and not yet verified that this user may verify, oldest first."""
    access = access_for(user)
    where = Q(pk__in=[])
    if access.is_superuser or access.has_role("coordinator"):
        where |= Q(commune__in=access.coordinated_communes())
    for duty in duties_of(access.department_ids):
        where |= Q(indicator__in=duty.indicators) & duty.communes("commune__")
    return (
        Score.objects.filter(where, verification=Score.Verification.PENDING)
        .exclude(status=Score.Status.NOT_ASSESSED)
        .order_by("entered_at", "pk")
    )
