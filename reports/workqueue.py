""" "Việc cần làm": what waits for the signed-in user, first on their home page.

Each entry is a count with the list behind it (a link), built from the selectors of the
apps that own the rules: `criteria.queues`, `dossiers.queues`, `access_for(user)`. Every
queue costs a fixed number of queries, whatever the number of communes; drawn with the
dashboard's grid, it is kept in the cache beside it, under the version of what it reads.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from communes.access import access_for
from communes.models import Membership
from criteria.models import CriterionOwner
from criteria.queues import pending_verifications
from dossiers import queues as dossier_queues
from dossiers.models import Document, Dossier, Transition
from notifications.models import Notification
from ntm.lib.versions import cache_key, version_of

from .access import visible_snapshots
from .models import ReportSnapshot

Role = Membership.Role
# What the queue reads beyond the grid it is drawn with (whose key carries the
# version of the units, scores, dossiers, items and appraisals): the evidence, the
# returns, the departments' duties and the snapshots.
QUEUE_MODELS = (Document, Transition, CriterionOwner, ReportSnapshot)
# The version moves with every change the queue counts; the timeout bounds how long a
# renamed department keeps its old name in the lines.
QUEUE_TIMEOUT = 10 * 60


@dataclass
class Entry:
    label: str
    count: int
    url: str
    lines: list[tuple[str, str]] = field(default_factory=list)
    urgent: bool = False


@dataclass
class WorkQueue:
    entries: list[Entry] = field(default_factory=list)
    # The commune official's own dossier this year, when there is one.
    dossier: object = None
    returned: object = None
    latest_snapshot: object = None
    # The key it is kept in the cache under ("" when it is not), and the unread
    # notifications counted live: what the page drawn from it varies on.
    key: str = ""
    unread: int = 0

    def add(self, label, count, url, lines=(), urgent=False):
        self.entries.append(Entry(label, count, url, list(lines), urgent))


def _progress_url(criteria_set, year, status) -> str:
    query = urlencode({"set": criteria_set.code, "year": year, "status": status})
    return f"{reverse('dossiers:progress')}?{query}"


def work_queue(user, *, grid, own, criteria_set, year, query) -> WorkQueue:
    """The entries for every role the user holds, from the dashboard's `grid` (a Grid or
    an Overview, or None without a criteria set): `own` is the row of the one commune
    shown (an official's), and the grid's communes at risk are listed.

    With a grid, the queue is kept in the cache beside it, for this user, their roles and
    today (1 query when nothing changed). The unread notifications are counted every time
    (1 query)."""
    today = timezone.localdate()
    options = {"own": own, "criteria_set": criteria_set, "year": year, "query": query, "today": today}
    if grid is None:
        queue = _queue(user, at_risk=[], **options)
    else:
        version = version_of(*QUEUE_MODELS)
        key = cache_key("work-queue", user.pk, access_for(user).fingerprint, today, grid.key, version)
        queue = cache.get(key)
        if queue is None:
            queue = _queue(user, at_risk=grid.at_risk, **options)
            queue.key = key
            cache.set(key, queue, QUEUE_TIMEOUT)
    queue.unread = unread = Notification.objects.filter(recipient=user).unread().count()
    if unread:
        queue.add(_("Thông báo chưa đọc"), unread, reverse("notifications:list"))
    return queue


def _queue(user, *, own, at_risk, criteria_set, year, query, today) -> WorkQueue:
    access = access_for(user)
    queue = WorkQueue()
    if access.has_role(Role.COMMUNE) and not access.is_superuser:
        _commune(queue, user, row=own, criteria_set=criteria_set, year=year, query=query, today=today)
    if access.department_ids:
        _department(queue, user)
    if access.has_role(Role.COORDINATOR):
        _coordinator(queue, user, at_risk=at_risk, criteria_set=criteria_set, year=year, today=today)
    if access.has_role(Role.LEADER, Role.COORDINATOR):
        queue.latest_snapshot = visible_snapshots(user).select_related("created_by").first()
    return queue


def _commune(queue, user, *, row, criteria_set, year, query, today) -> None:
    """Own commune: its standing, the evidence still missing per item, returned items with
    the district's reason, registration and the deadline."""
    if criteria_set is None or row is None:
        return
    standing = row.standing
    unmet = standing.unmet_criteria
    queue.add(
        _("Tiêu chí chưa đạt (%(met)s/%(total)s đã đạt)")
        % {"met": standing.criteria_met, "total": standing.criteria_total},
        len(unmet),
        f"{reverse('reports:scorecard', args=[row.commune.code])}?{query}",
        [
            (
                f"{r.criterion.number}. {r.criterion.display_name}",
                reverse(
                    "criteria:score_entry",
                    args=[row.commune.code, criteria_set.code, year, r.criterion.number],
                ),
            )
            for r in unmet
        ],
    )
    mine = dossier_queues.commune_dossier(row.commune, criteria_set, year)
    if mine is None:
        return
    progress, returned = mine
    queue.dossier, queue.returned = progress.dossier, returned
    missing = [p for p in progress.items if not p.complete]
    queue.add(
        _("Thành phần hồ sơ còn thiếu minh chứng"),
        sum(max(len(p.missing), 1) for p in missing),
        progress.dossier.get_absolute_url(),
        [
            (
                f"{p.item.title}: {', '.join(k for k in p.missing if k) or _('cần bổ sung')}",
                reverse("dossiers:item_detail", args=[progress.dossier.pk, p.item.pk]),
            )
            for p in missing
        ],
    )
    due = progress.dossier.due_on
    if due and progress.dossier.is_editable_by_commune:
        days = (due - today).days
        queue.add(
            _("Ngày còn lại đến hạn nộp hồ sơ (%(date)s)") % {"date": due.strftime("%d/%m/%Y")},
            max(days, 0),
            progress.dossier.get_absolute_url(),
            urgent=days <= 7,
        )


def _department(queue, user) -> None:
    pending = pending_verifications(user)
    queue.add(
        _("Kết quả chờ phòng thẩm tra"),
        pending.count(),
        reverse("criteria:verification_queue"),
        [
            (
                f"{score.commune.name} · {score.indicator.code} ({score.year})",
                reverse(
                    "criteria:score_entry",
                    args=[
                        score.commune.code,
                        score.indicator.criterion.criteria_set.code,
                        score.year,
                        score.indicator.criterion.number,
                    ],
                )
                + f"#indicator-{score.indicator_id}",
            )
            for score in pending.select_related("commune", "indicator__criterion__criteria_set")[:5]
        ],
    )
    items = dossier_queues.items_to_review(user)
    queue.add(
        _("Thành phần hồ sơ chờ phòng xem xét"),
        len(items),
        reverse("dossiers:progress"),
        [
            (
                f"{item.dossier.commune.name} {item.dossier.year}: {item.title}",
                reverse("dossiers:item_detail", args=[item.dossier_id, item.pk]),
            )
            for item in items[:10]
        ],
    )


def _coordinator(queue, user, *, at_risk, criteria_set, year, today: datetime.date) -> None:
    counts = dossier_queues.dossier_counts(user)
    if criteria_set is not None:
        for status, label in (
            (Dossier.Status.SUBMITTED, _("Hồ sơ xã đã nộp, chờ huyện thẩm tra")),
            (Dossier.Status.RETURNED, _("Hồ sơ đã trả lại, chờ xã bổ sung")),
            (Dossier.Status.ACCEPTED, _("Hồ sơ đã chấp nhận, chờ gửi tỉnh")),
        ):
            queue.add(label, counts.get(status, 0), _progress_url(criteria_set, year, status))
    overdue = dossier_queues.overdue_appraisals(user, today)
    queue.add(
        _("Sở, ngành quá hạn trả kết quả thẩm định"),
        len(overdue),
        reverse("dossiers:progress"),
        [
            (
                f"{a.dossier.commune.name}: {a.department.name}",
                reverse("dossiers:appraisals", args=[a.dossier_id]),
            )
            for a in overdue[:10]
        ],
        urgent=bool(overdue),
    )
    queue.add(
        _("Xã có nguy cơ không về đích năm %(year)s") % {"year": year},
        len(at_risk),
        "#at-risk",
        [(row.commune.name, row.url) for row in at_risk],
        urgent=bool(at_risk),
    )
