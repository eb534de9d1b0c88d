"""Lists of tasks for the pages: the user's own first, overdue first.

Each costs a fixed number of queries whatever the number of tasks: the rows come
with their owner, person and subject in one query.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import BooleanField, Case, Count, Q, Value, When
from django.utils import timezone

from communes.access import access_for
from communes.models import Membership
from ntm.lib.versions import cache_key, version_of

from .access import own_task_q, visible_tasks
from .models import Conclusion, Meeting, Task

Role = Membership.Role
HOME_LIMIT = 10
# The home page's tasks are kept in the cache under the version of the tasks, their
# conclusions and meetings; the timeout bounds how long a renamed department, commune
# or person keeps the old name there.
HOME_MODELS = (Task, Conclusion, Meeting)
HOME_TIMEOUT = 10 * 60
LIST_RELATED = (
    "owner_department",
    "owner_commune",
    "assignee",
    "commune",
    "indicator",
    "conclusion__meeting",
)


def _ordered(tasks, user, today):
    """Own tasks first (when the user owns any), then overdue, then by deadline."""
    return tasks.annotate(
        is_own=Case(
            When(own_task_q(user), then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        is_late=Case(
            When(pk__in=Task.objects.overdue(today).values("pk"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    ).order_by("-is_own", "-is_late", "deadline", "pk")


def task_list(user, *, state: str = "open", mine: bool = False):
    """The tasks the user may see, filtered as /tasks/ asks (a queryset to paginate)."""
    today = timezone.localdate()
    tasks = visible_tasks(user).select_related(*LIST_RELATED)
    if state == "open":
        tasks = tasks.open()
    elif state == Task.OVERDUE:
        tasks = tasks.overdue(today)
    elif state in Task.Status.values:
        tasks = tasks.filter(status=state)
        if state != Task.Status.DONE:
            # "Mới" and "đang làm" on time; late ones are "quá hạn".
            tasks = tasks.exclude(pk__in=Task.objects.overdue(today).values("pk"))
    if mine:
        tasks = tasks.filter(own_task_q(user))
    return _ordered(tasks, user, today)


@dataclass
class HomeTasks:
    """What the home page shows of tasks: the user's own open ones, and for those who
    read a whole unit, how many of its tasks are overdue."""

    own: list[Task] = field(default_factory=list)
    own_count: int = 0
    overdue_in_unit: int | None = None

    @property
    def shown(self) -> bool:
        return bool(self.own) or self.overdue_in_unit is not None


def tasks_for_home(user) -> HomeTasks:
    """At most HOME_LIMIT own open tasks, overdue first, and the counts: from the cache
    when no task changed today for the same roles (1 query), else at most 3."""
    if not user.is_authenticated:
        return HomeTasks()
    today = timezone.localdate()
    key = cache_key("home-tasks", user.pk, access_for(user).fingerprint, today, version_of(*HOME_MODELS))
    home = cache.get(key)
    if home is None:
        home = _tasks_for_home(user, today)
        cache.set(key, home, HOME_TIMEOUT)
    return home


def _tasks_for_home(user, today) -> HomeTasks:
    visible = visible_tasks(user)
    own = visible.open().filter(own_task_q(user))
    counts = visible.aggregate(
        own=Count("pk", filter=Q(pk__in=own.values("pk"))),
        overdue=Count("pk", filter=Q(pk__in=Task.objects.overdue(today).values("pk"))),
    )
    reads_unit = access_for(user).has_role(Role.COORDINATOR, Role.LEADER)
    # No own open task: no list to ask for.
    listed = _ordered(own.select_related(*LIST_RELATED), user, today)[:HOME_LIMIT] if counts["own"] else []
    return HomeTasks(
        own=list(listed),
        own_count=counts["own"],
        overdue_in_unit=counts["overdue"] if reads_unit else None,
    )
