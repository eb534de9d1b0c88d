"""Reminder digests: each owner gets one e-mail listing its tasks due within N days
or overdue, through Django's mail. A task goes into an owner's digest at most once a
day (the Reminder rows, unique per task and day), so running the command twice the
same day sends nothing twice, and a run that fails to send records nothing."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from communes.models import Membership

from .models import Reminder, Task

Role = Membership.Role


@dataclass
class Digest:
    """One owner's reminder: its open tasks due by the horizon, and who receives it."""

    owner_key: tuple[str, int]
    tasks: list[Task]
    recipients: list[str]
    today: datetime.date

    @property
    def owner_name(self) -> str:
        return self.tasks[0].owner_name

    def lines(self):
        return [
            (task, task.state_on(self.today), settings.SITE_URL.rstrip("/") + task.get_absolute_url())
            for task in self.tasks
        ]

    def message(self, connection) -> EmailMessage:
        overdue = sum(1 for task in self.tasks if task.state_on(self.today) == Task.OVERDUE)
        subject = _("[NTM] %(owner)s: %(count)s nhiệm vụ sắp đến hạn, %(overdue)s quá hạn") % {
            "owner": self.owner_name,
            "count": len(self.tasks) - overdue,
            "overdue": overdue,
        }
        body = render_to_string(
            "meetings/email/reminder.txt",
            {"digest": self, "site_url": settings.SITE_URL.rstrip("/")},
        )
        return EmailMessage(subject, body, to=self.recipients, connection=connection)


def _owner_key(task: Task) -> tuple[str, int]:
    return (
        ("department", task.owner_department_id)
        if task.owner_department_id
        else ("commune", task.owner_commune_id)
    )


def due_digests(*, today: datetime.date, days: int) -> list[Digest]:
    """The digests to send today (2 queries): open tasks due by today + `days`, not yet
    reminded today, grouped by owner; recipients are the active users holding the owner
    unit's membership, and the person named on a task."""
    tasks = (
        Task.objects.due_by(today + datetime.timedelta(days=days))
        .exclude(reminders__sent_on=today)
        .select_related("owner_department", "owner_commune", "assignee")
        .order_by("deadline", "pk")
    )
    by_owner: dict[tuple[str, int], list[Task]] = defaultdict(list)
    for task in tasks:
        by_owner[_owner_key(task)].append(task)
    departments = [pk for kind, pk in by_owner if kind == "department"]
    communes = [pk for kind, pk in by_owner if kind == "commune"]
    members: dict[tuple[str, int], set[str]] = defaultdict(set)
    for membership in Membership.objects.filter(
        Q(role=Role.DEPARTMENT, department__in=departments) | Q(role=Role.COMMUNE, commune__in=communes),
        user__is_active=True,
    ).select_related("user"):
        key = (
            ("department", membership.department_id)
            if membership.department_id
            else ("commune", membership.commune_id)
        )
        if membership.user.email:
            members[key].add(membership.user.email)
    digests = []
    for key, owner_tasks in by_owner.items():
        recipients = set(members[key])
        recipients |= {
            t.assignee.email for t in owner_tasks if t.assignee and t.assignee.is_active and t.assignee.email
        }
        digests.append(Digest(owner_key=key, tasks=owner_tasks, recipients=sorted(recipients), today=today))
    return sorted(digests, key=lambda digest: digest.owner_name)


def send_reminders(*, today: datetime.date, days: int) -> tuple[list[Digest], list[Digest]]:
    """Send today's digests; returns (sent, skipped for want of an address)."""
    sent, skipped = [], []
    connection = get_connection()
    for digest in due_digests(today=today, days=days):
        if not digest.recipients:
            skipped.append(digest)
            continue
        # Recorded first: the unique constraint stops a concurrent run, and a failed
        # send rolls the record back so tomorrow's run tries again.
        with transaction.atomic():
            Reminder.objects.bulk_create(
                [
                    Reminder(task=task, sent_on=today, recipients=", ".join(digest.recipients))
                    for task in digest.tasks
                ]
            )
            digest.message(connection).send()
        sent.append(digest)
    return sent, skipped
