"""Who may see and act on dossiers, on top of communes.access.

Seeing a dossier follows seeing its commune. Acting follows the role:
commune officials prepare and submit their own commune's dossier; the
department that owns a criterion reviews that criterion's item; the
coordination office reviews the general items, returns or accepts the
dossier, records the province's appraisal and the recognition decision.

Each ``get_*_for_user`` returns the object and what the user may do with it,
404 when they may not see it, 403 when ``need`` names an action not theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.shortcuts import get_object_or_404

from communes.access import access_for, grant
from criteria.owners import ownership_for

from .models import Document, Dossier, DossierItem

Status = Dossier.Status
# The district may still add or withdraw evidence until the dossier goes to the province.
DISTRICT_MAY_UPLOAD = frozenset({Status.DRAFT, Status.RETURNED, Status.SUBMITTED, Status.ACCEPTED})


def can_prepare(user, dossier: Dossier) -> bool:
    """Open the dossier, upload and withdraw evidence, submit."""
    return access_for(user).can_change_commune(dossier.commune)


def can_coordinate(user, dossier: Dossier) -> bool:
    """Return, accept, record the province's appraisals and decision, build packages."""
    return access_for(user).coordinates(dossier.commune)


def can_upload(user, dossier: Dossier) -> bool:
    """The commune while it holds the dossier; the coordinator until it goes to the province."""
    if can_coordinate(user, dossier):
        return dossier.status in DISTRICT_MAY_UPLOAD
    return can_prepare(user, dossier) and dossier.is_editable_by_commune


def can_review_item(user, item: DossierItem) -> bool:
    """The department owning the item's criterion where the commune is; the coordinator
    for every item."""
    access = access_for(user)
    commune = item.dossier.commune
    if access.coordinates(commune):
        return True
    if not item.criterion_id or not access.verifies_for(commune):
        return False
    owner = ownership_for(commune, item.dossier.criteria_set_id).of_criterion(item.criterion_id)
    return owner is not None and owner.pk in access.verifies_for(commune)


@dataclass(frozen=True)
class DossierCan:
    """`prepare` and `coordinate` are the roles; `submit`, `decide` (return or
    accept) and `send` (to the province) also need the dossier in the state that
    allows the step. `on_behalf`: preparing here is acting for the commune, with a
    reason ("thay mặt xã")."""

    prepare: bool
    coordinate: bool
    upload: bool
    submit: bool
    decide: bool
    send: bool = False
    on_behalf: bool = False


@dataclass(frozen=True)
class ItemCan(DossierCan):
    review: bool = False


def dossier_can(user, dossier: Dossier) -> DossierCan:
    prepare, coordinate = can_prepare(user, dossier), can_coordinate(user, dossier)
    return DossierCan(
        prepare=prepare,
        coordinate=coordinate,
        upload=can_upload(user, dossier),
        submit=prepare and dossier.is_editable_by_commune,
        decide=coordinate and dossier.status == Status.SUBMITTED,
        send=coordinate and dossier.status == Status.ACCEPTED,
        on_behalf=prepare and access_for(user).acts_for(dossier.commune),
    )


def visible_dossiers(user):
    return Dossier.objects.filter(commune__in=access_for(user).visible_communes())


def get_dossier_for_user(user, pk: int, *, need: str | None = None) -> tuple[Dossier, DossierCan]:
    """The dossier if the user may see its commune (404 otherwise: guessing ids reveals
    nothing), and what they may do with it."""
    dossiers = visible_dossiers(user).select_related("commune__province", "criteria_set")
    dossier = get_object_or_404(dossiers, pk=pk)
    return grant(dossier, dossier_can(user, dossier), need)


def get_item_for_user(
    user, dossier_pk: int, item_pk: int, *, need: str | None = None
) -> tuple[DossierItem, ItemCan]:
    dossier = get_object_or_404(
        visible_dossiers(user).select_related("commune__province", "criteria_set"), pk=dossier_pk
    )
    item = get_object_or_404(DossierItem.objects.select_related("criterion"), pk=item_pk, dossier=dossier)
    item.dossier = dossier
    can = ItemCan(**vars(dossier_can(user, dossier)), review=can_review_item(user, item))
    return grant(item, can, need)


def get_document_for_user(
    user, dossier_pk: int, document_pk: int, *, need: str | None = None
) -> tuple[Document, DossierCan]:
    """A document version of a dossier the user may see; `need="upload"` to withdraw it.
    Withdrawing takes evidence out of the district's or the province's hands, so it is
    refused once the dossier has gone to the province (see `can_upload`)."""
    dossier = get_object_or_404(
        visible_dossiers(user).select_related("commune__province", "criteria_set"), pk=dossier_pk
    )
    document = get_object_or_404(
        Document.objects.select_related("item"), pk=document_pk, item__dossier=dossier
    )
    document.item.dossier = dossier
    return grant(document, dossier_can(user, dossier), need)
