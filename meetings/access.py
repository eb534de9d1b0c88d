"""Who may see and act on meetings and tasks, on top of communes.access.

Meetings: a meeting belongs to a district (or, since 2025, a province). Everyone
who reads that unit (its coordinators, departments and leaders) reads the meeting;
its coordinators record it, its conclusions and their tasks. Commune officials see
no meetings, only their tasks.

Tasks:
- the coordinators of the task's unit create, change, close and reopen it;
- the owner — the officers of the owning department, the officials of the owning
  commune, the person named — reports progress and closes it;
- a commune official sees the tasks of their commune (owned by it or about it);
- a department officer sees only their department's tasks;
- leaders read every task of their unit and change none.

Every helper answers 404 when the user may not see the object, and through
``grant`` 403 when they may see it but not do what `need` names.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from communes.access import Scope, access_for, grant
from communes.models import Commune, District, Membership, Province
from dossiers.access import visible_dossiers
from dossiers.models import DossierItem

from .models import Conclusion, Meeting, Task

Role = Membership.Role
# The roles that read a whole district or province.
UNIT_WIDE = (Role.COORDINATOR, Role.DEPARTMENT, Role.LEADER)


@dataclass(frozen=True)
class MeetingCan:
    edit: bool  # record the meeting, its conclusions and their tasks


@dataclass(frozen=True)
class TaskCan:
    edit: bool  # change what, who and when; reopen a closed task
    report_progress: bool
    close: bool


@dataclass(frozen=True)
class AssignCan:
    assign: bool  # record meetings, give tasks


def _unit_q(access, *roles) -> Q:
    """Rows of a district or province that these roles cover."""
    districts, provinces = access.unit_ids(*roles)
    return Q(district__in=districts) | Q(district__province__in=provinces) | Q(province__in=provinces)


def _own_communes(access) -> frozenset[int]:
    return access.scopes.get(Role.COMMUNE, Scope()).communes


# Meetings -------------------------------------------------------------------------


def visible_meetings(user):
    access = access_for(user)
    meetings = Meeting.objects.all()
    return meetings if access.is_superuser else meetings.filter(_unit_q(access, *UNIT_WIDE))


def get_meeting_for_user(user, pk: int, *, need: str | None = None) -> tuple[Meeting, MeetingCan]:
    meeting = get_object_or_404(
        visible_meetings(user).select_related("district", "province", "criteria_set", "recorded_by"), pk=pk
    )
    can = MeetingCan(edit=access_for(user).covers_unit(meeting.unit, Role.COORDINATOR))
    return grant(meeting, can, need)


def can_see_meeting(user, meeting: Meeting) -> bool:
    return access_for(user).covers_unit(meeting.unit, *UNIT_WIDE)


def get_conclusion_for_user(user, pk: int, *, need: str | None = None) -> tuple[Conclusion, MeetingCan]:
    """A conclusion goes with its meeting."""
    conclusion = get_object_or_404(Conclusion.objects.filter(meeting__in=visible_meetings(user)), pk=pk)
    meeting, can = get_meeting_for_user(user, conclusion.meeting_id, need=need)
    conclusion.meeting = meeting
    return conclusion, can


def can_record_meetings(user) -> bool:
    return access_for(user).has_role(Role.COORDINATOR)


def get_units_for_user(user, *, need: str | None = None) -> tuple[list[District | Province], AssignCan]:
    """The units whose meetings the user records: 404 for one who reads no unit, 403
    through `need` for one who reads but does not coordinate."""
    access = access_for(user)
    if not access.has_role(*UNIT_WIDE):
        raise Http404
    if access.is_superuser:
        units = [*Province.objects.all(), *District.objects.select_related("province")]
    else:
        districts, provinces = access.unit_ids(Role.COORDINATOR)
        units = [
            *Province.objects.filter(pk__in=provinces),
            *District.objects.filter(pk__in=districts).select_related("province"),
        ]
    return grant(units, AssignCan(assign=bool(units)), need)


# Tasks ----------------------------------------------------------------------------


def visible_tasks(user):
    access = access_for(user)
    tasks = Task.objects.all()
    if access.is_superuser:
        return tasks
    communes = _own_communes(access)
    return tasks.filter(
        _unit_q(access, Role.COORDINATOR, Role.LEADER)
        | Q(owner_department__in=access.department_ids)
        | Q(owner_commune__in=communes)
        | Q(commune__in=communes)
        | Q(assignee=user.pk)
    )


def owns(user, task: Task) -> bool:
    """Whether the task is the user's to do: their department's, their commune's, or theirs."""
    access = access_for(user)
    return (
        task.owner_department_id in access.department_ids
        or task.owner_commune_id in _own_communes(access)
        or (task.assignee_id is not None and task.assignee_id == user.pk)
    )


def own_task_q(user) -> Q:
    """The database side of `owns`, to put a user's own tasks first."""
    access = access_for(user)
    return (
        Q(owner_department__in=access.department_ids)
        | Q(owner_commune__in=_own_communes(access))
        | Q(assignee=user.pk)
    )


def task_can(user, task: Task) -> TaskCan:
    coordinates = access_for(user).covers_unit(task.unit, Role.COORDINATOR)
    acts = coordinates or owns(user, task)
    return TaskCan(edit=coordinates, report_progress=acts, close=acts)


def get_task_for_user(user, pk: int, *, need: str | None = None) -> tuple[Task, TaskCan]:
    task = get_object_or_404(
        visible_tasks(user).select_related(
            "district",
            "province",
            "owner_department",
            "owner_commune",
            "assignee",
            "commune",
            "indicator__criterion__criteria_set",
            "dossier_item__dossier",
            "dossier_item__criterion",
            "conclusion__meeting__district",
            "conclusion__meeting__province",
            "created_by",
            "closed_by",
        ),
        pk=pk,
    )
    return grant(task, task_can(user, task), need)


# Where tasks are born outside meetings ------------------------------------------------


def can_assign(user, commune: Commune) -> bool:
    """Tasks about a commune are given by the coordinators over it."""
    return access_for(user).coordinates(commune)


def get_commune_for_assigning(user, code: str, *, need: str | None = None) -> tuple[Commune, AssignCan]:
    """A commune (404 unless visible) and whether the user gives tasks about it."""
    commune = get_object_or_404(
        access_for(user).visible_communes().select_related("district", "province"), code=code
    )
    return grant(commune, AssignCan(assign=can_assign(user, commune)), need)


def get_item_for_assigning(user, pk: int, *, need: str | None = None) -> tuple[DossierItem, AssignCan]:
    """A dossier item (404 unless its dossier is visible) and whether the user gives tasks about it."""
    item = get_object_or_404(
        DossierItem.objects.filter(dossier__in=visible_dossiers(user)).select_related(
            "dossier__commune__district", "dossier__commune__province", "criterion"
        ),
        pk=pk,
    )
    return grant(item, AssignCan(assign=can_assign(user, item.dossier.commune)), need)
