"""`notify` tells people something waits for them: one notice in the app each, and an
email to those who have an address and have not turned email off.

Emails leave only when the transaction that caused them commits: a workflow step that
is refused or rolled back tells nobody anything.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from communes.models import Commune, Membership

from .models import EmailPreference, Kind, Notification

__all__ = ["Kind", "notify", "people"]

logger = logging.getLogger(__name__)
Role = Membership.Role


def people(commune: Commune, *roles: str, department_ids=None):
    """The active users who hold one of `roles` over `commune` (department officers only
    of `department_ids`, when given)."""
    where = Q(pk__in=[])
    unit = Q(memberships__commune=commune) | Q(memberships__province=commune.province_id)
    if commune.district_id:
        unit |= Q(memberships__district=commune.district_id)
    for role in roles:
        condition = Q(memberships__role=role) & unit
        if role == Role.DEPARTMENT and department_ids is not None:
            condition &= Q(memberships__department__in=department_ids)
        where |= condition
    return get_user_model().objects.filter(where, is_active=True).distinct()


def notify(*, recipients, kind: str, message: str, url: str = "", actor=None) -> list[Notification]:
    """One notice per recipient (never to the person who acted), emailed after commit."""
    users = [user for user in recipients if actor is None or user.pk != actor.pk]
    notices = Notification.objects.bulk_create(
        Notification(recipient=user, kind=kind, message=message, url=url) for user in users
    )
    addresses = _email_addresses(users)
    if addresses:
        transaction.on_commit(lambda: _send(kind, message, url, addresses))
    return notices


def _email_addresses(users) -> list[str]:
    with_email = [user for user in users if user.email]
    if not with_email:
        return []
    opted_out = set(
        EmailPreference.objects.filter(user__in=with_email, email_enabled=False).values_list(
            "user_id", flat=True
        )
    )
    return [user.email for user in with_email if user.pk not in opted_out]


def _send(kind: str, message: str, url: str, addresses: list[str]) -> None:
    subject = f"[NTM] {Kind(kind).label}"
    link = f"{settings.SITE_URL.rstrip('/')}{url}" if url and settings.SITE_URL else url
    body = "\n\n".join(
        part
        for part in (
            message,
            _("Xem chi tiết: %(link)s") % {"link": link} if link else "",
            _("Tắt nhận thư: mục “Thông báo” trên trang, rồi “Cài đặt thư điện tử”."),
        )
        if part
    )
    emails = [EmailMessage(subject, body, to=[address]) for address in addresses]
    try:
        get_connection().send_messages(emails)
    except OSError:
        # A mail server that is down must not undo a step already saved; the notice
        # is in the app, and the log says what did not leave.
        logger.exception("Could not send %s notice to %s", kind, ", ".join(addresses))
