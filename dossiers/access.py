"""Who may see and act on dossiers, on top of communes.access.

Seeing a dossier follows seeing its commune. Acting follows the role:
commune officials prepare and submit their own commune's dossier; the
department that owns a criterion reviews that criterion's item; the
coordination office reviews the general items, returns or accepts the
dossier, records the province's appraisal and the recognition decision.
"""

from django.shortcuts import get_object_or_404

from communes.access import access_for

from .models import Document, Dossier, DossierItem


def visible_dossiers(user):
    return Dossier.objects.filter(commune__in=access_for(user).visible_communes())


def get_dossier_for_user(user, pk: int) -> Dossier:
    """The dossier if the user may see its commune; 404 otherwise (guessing ids reveals nothing)."""
    return get_object_or_404(visible_dossiers(user).select_related("commune", "criteria_set"), pk=pk)


def get_item_for_user(user, dossier_pk: int, item_pk: int) -> DossierItem:
    dossier = get_dossier_for_user(user, dossier_pk)
    item = get_object_or_404(
        DossierItem.objects.select_related("criterion__responsible_department"), pk=item_pk, dossier=dossier
    )
    item.dossier = dossier
    return item


def get_document_for_user(user, dossier_pk: int, document_pk: int) -> Document:
    dossier = get_dossier_for_user(user, dossier_pk)
    document = get_object_or_404(
        Document.objects.select_related("item"), pk=document_pk, item__dossier=dossier
    )
    document.item.dossier = dossier
    return document


def can_prepare(user, dossier: Dossier) -> bool:
    """Open the dossier, upload and withdraw evidence, submit."""
    return access_for(user).can_change_commune(dossier.commune)


def can_coordinate(user, dossier: Dossier) -> bool:
    return access_for(user).coordinates(dossier.commune)


def can_review_item(user, item: DossierItem) -> bool:
    """The department owning the item's criterion; the coordinator for every item."""
    access = access_for(user)
    if access.coordinates(item.dossier.commune):
        return True
    department = item.criterion.responsible_department_id if item.criterion_id else None
    return department is not None and department in access.verifies_for(item.dossier.commune)
