"""What people do with meetings and tasks, each step in one transaction.

The views ask meetings.access first (who may); these functions check what the
state of the objects allows, and raise TaskError, with a message for the user,
when it does not. Closing a task never touches a score: a task tied to an
indicator is closed when the work is done, and the indicator's result still goes
through entry and verification.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.services import check_upload
from ntm.lib.storage import atomic_with_files, discard_on_rollback

from .models import Conclusion, Meeting, Task, TaskNote

Status = Task.Status


class TaskError(ValidationError):
    """A step the task's state does not allow; nothing changed."""


@transaction.atomic
def add_conclusion(*, meeting: Meeting, text: str, task: dict | None = None, user) -> Conclusion:
    """The next numbered conclusion of the meeting, and the task that carries it out if given
    (`task`: the keyword arguments of create_task but the unit, which is the meeting's)."""
    # Lock the meeting so that two conclusions added at once do not draw the same number.
    list(Meeting.objects.select_for_update().filter(pk=meeting.pk).values_list("pk", flat=True))
    last = meeting.conclusions.aggregate(last=Max("number"))["last"] or 0
    conclusion = Conclusion.objects.create(meeting=meeting, number=last + 1, text=text.strip())
    if task:
        create_task(unit=meeting.unit, conclusion=conclusion, user=user, **task)
    return conclusion


@transaction.atomic
def create_task(
    *,
    unit,
    title: str,
    owner,
    deadline: datetime.date,
    user,
    assignee=None,
    description: str = "",
    conclusion: Conclusion | None = None,
    commune=None,
    indicator=None,
    dossier_item=None,
) -> Task:
    task = Task(
        title=title.strip(),
        description=description.strip(),
        deadline=deadline,
        assignee=assignee,
        conclusion=conclusion,
        commune=commune,
        indicator=indicator,
        dossier_item=dossier_item,
        created_by=user,
    )
    task.unit = unit
    task.owner = owner
    task.save()
    return task


@transaction.atomic
def report_progress(*, task: Task, text: str, user) -> TaskNote:
    """A progress note; a new task is then under way."""
    _lock(task)
    if task.status == Status.DONE:
        raise TaskError(_("Nhiệm vụ đã hoàn thành; muốn ghi thêm thì điều phối viên mở lại nhiệm vụ."))
    note = TaskNote.objects.create(task=task, author=user, text=text.strip())
    if task.status == Status.NEW:
        task.status = Status.IN_PROGRESS
        task.save(update_fields=["status"])
    return note


@atomic_with_files
def close_task(*, task: Task, note: str, user, evidence=None) -> Task:
    """Done: what was done, and optionally a file that shows it (checked like any evidence).
    The file is stored whole before the row commits, and removed if the row does not."""
    _lock(task)
    if task.status == Status.DONE:
        raise TaskError(_("Nhiệm vụ đã được báo hoàn thành."))
    if evidence is not None:
        content_type, extension = check_upload(evidence)
        task.evidence_name, task.evidence_type = evidence.name, content_type
        # The stored name comes from evidence_path(); only the detected extension is kept.
        task.evidence.save(f"evidence{extension}", evidence, save=False)
        discard_on_rollback(task.evidence)
    task.status = Status.DONE
    task.closed_at, task.closed_by = timezone.now(), user
    task.closing_note = note.strip()
    task.save()
    return task


@transaction.atomic
def reopen_task(*, task: Task, reason: str, user) -> Task:
    """The coordinator sends a closed task back: the work was not done after all."""
    _lock(task)
    if task.status != Status.DONE:
        raise TaskError(_("Nhiệm vụ chưa hoàn thành, không cần mở lại."))
    TaskNote.objects.create(task=task, author=user, text=_("Mở lại: %(reason)s") % {"reason": reason.strip()})
    task.status = Status.IN_PROGRESS
    task.closed_at = task.closed_by = None
    task.save(update_fields=["status", "closed_at", "closed_by"])
    return task


def _lock(task: Task) -> Task:
    """Lock the task's row and re-read its status, so two steps cannot interleave."""
    list(Task.objects.select_for_update().filter(pk=task.pk).values_list("pk", flat=True))
    task.refresh_from_db(fields=["status", "closed_at"])
    return task
