"""The two documents a meeting produces, in the layout of the reports (Nghị định 30/2020):

- the "Thông báo kết luận": what the meeting concluded, who does what by when;
- the brief for the next meeting: the tasks of the last meeting (overdue first),
  the criteria each commune gained or lost since, and the dossier and appraisal
  steps taken since.

Each is built once, from a fixed number of queries whatever the number of
communes or tasks, and rendered three ways like the reports: the preview page,
the PDF (reports.pdf) and, for the brief, a workbook. "As of" a past day, tasks
read their history (django-simple-history), so the brief shows what was known then.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from typing import ClassVar

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from communes.models import Commune
from criteria.models import Criterion
from criteria.standing import commune_standings, criteria_tree, end_of_day
from dossiers.models import Appraisal, Transition
from reports.content import Letterhead, date_line, letterhead_for_unit, short_date
from reports.xlsx import Sheet

from .models import Conclusion, Meeting, Task, state_label, unit_communes

# What the brief takes from a task's history: its progress, not who owns it today.
HISTORY_FIELDS = ("title", "deadline", "status", "closed_at", "closing_note")
TASK_RELATED = ("owner_department", "owner_commune", "assignee", "commune", "conclusion")


@dataclass(kw_only=True)
class MeetingDocument:
    """What the print frame of the reports (reports/print/document.html) asks of a document."""

    template: ClassVar[str]
    kind: ClassVar[str]
    landscape: ClassVar[bool] = False
    document_code: ClassVar[str]

    meeting: Meeting
    letterhead: Letterhead
    issued_on: datetime.date

    basis = ""

    @property
    def date_line(self) -> str:
        return date_line(self.letterhead.place, self.issued_on)


# --- Thông báo kết luận ------------------------------------------------------------


@dataclass(kw_only=True)
class Notice(MeetingDocument):
    template = "meetings/print/notice.html"
    kind = "notice"
    document_code = "TB"
    data_date_line = ""

    conclusions: list[Conclusion]

    @property
    def document_type(self) -> str:
        return _("THÔNG BÁO")

    @property
    def title(self) -> str:
        return _("Kết luận tại cuộc họp ngày %(date)s: %(title)s") % {
            "date": short_date(self.meeting.held_on),
            "title": self.meeting.title,
        }

    @property
    def recipients(self) -> list[str]:
        """The owners of the tasks, then the committee and the archive."""
        owners = []
        for conclusion in self.conclusions:
            for task in conclusion.tasks.all():
                if task.owner_name not in owners:
                    owners.append(task.owner_name)
        return [*owners, _("Các thành viên Ban Chỉ đạo"), _("Lưu: VT, VPĐP NTM")]

    @property
    def file_stem(self) -> str:
        return f"thong-bao-ket-luan-{self.meeting.held_on:%Y%m%d}"


def meeting_notice(meeting: Meeting) -> Notice:
    """The notice of a meeting loaded by get_meeting_for_user: its conclusions and their tasks
    (2 queries; printing adds the signature block and the attendance)."""
    conclusions = list(
        meeting.conclusions.prefetch_related(
            Prefetch("tasks", queryset=Task.objects.select_related(*TASK_RELATED).order_by("deadline", "pk"))
        )
    )
    return Notice(
        meeting=meeting,
        letterhead=letterhead_for_unit(meeting.unit),
        issued_on=meeting.held_on,
        conclusions=conclusions,
    )


# --- The brief for the next meeting ----------------------------------------------------


@dataclass
class TaskLine:
    """A task as it stood on the brief's day."""

    task: Task
    state: str

    @property
    def state_label(self) -> str:
        return state_label(self.state)

    @property
    def is_overdue(self) -> bool:
        return self.state == Task.OVERDUE

    @property
    def is_done(self) -> bool:
        return self.state == Task.Status.DONE

    @property
    def order(self) -> tuple:
        """Overdue first, then open, then done; by deadline within each."""
        rank = 0 if self.is_overdue else 2 if self.is_done else 1
        return (rank, self.task.deadline, self.task.pk)


@dataclass
class CommuneChange:
    """A commune's criteria met at the meeting and on the brief's day."""

    commune: Commune
    met_then: list[Criterion]
    met_now: list[Criterion]
    total: int

    @property
    def gained(self) -> list[Criterion]:
        then = {c.pk for c in self.met_then}
        return [c for c in self.met_now if c.pk not in then]

    @property
    def lost(self) -> list[Criterion]:
        now = {c.pk for c in self.met_now}
        return [c for c in self.met_then if c.pk not in now]

    @property
    def changed(self) -> bool:
        return bool(self.gained or self.lost)


@dataclass
class DossierStep:
    """One dossier or appraisal event of the window: "Sở Xây dựng về kiểm tra"."""

    commune: Commune
    day: datetime.date
    text: str


@dataclass(kw_only=True)
class Brief(MeetingDocument):
    template = "meetings/print/brief.html"
    kind = "brief"
    document_code = "BC"

    on: datetime.date
    tasks: list[TaskLine]
    changes: list[CommuneChange] = field(default_factory=list)
    steps: list[DossierStep] = field(default_factory=list)

    @property
    def document_type(self) -> str:
        return _("BÁO CÁO")

    @property
    def title(self) -> str:
        return _("Kết quả thực hiện kết luận cuộc họp ngày %(date)s và tiến độ đến ngày %(on)s") % {
            "date": short_date(self.meeting.held_on),
            "on": short_date(self.on),
        }

    @property
    def data_date_line(self) -> str:
        return _("Số liệu tính đến ngày %(date)s") % {"date": short_date(self.on)}

    @property
    def overdue(self) -> list[TaskLine]:
        return [line for line in self.tasks if line.is_overdue]

    @property
    def done(self) -> list[TaskLine]:
        return [line for line in self.tasks if line.is_done]

    @property
    def changed(self) -> list[CommuneChange]:
        return [change for change in self.changes if change.changed]

    @property
    def file_stem(self) -> str:
        return f"bao-cao-chuan-bi-hop-{self.meeting.held_on:%Y%m%d}-{self.on:%Y%m%d}"


def next_meeting_day(meeting: Meeting) -> datetime.date:
    """The brief prepares the next meeting: its day if recorded and past, else today (1 query)."""
    today = timezone.localdate()
    following = (
        Meeting.objects.filter(district=meeting.district_id, province=meeting.province_id)
        .filter(held_on__gt=meeting.held_on, held_on__lte=today)
        .order_by("held_on")
        .values_list("held_on", flat=True)
        .first()
    )
    return following or today


def _task_lines(meeting: Meeting, on: datetime.date) -> list[TaskLine]:
    """The meeting's tasks as they stood at the end of `on` (1 query, 2 for a past day)."""
    tasks = Task.objects.filter(conclusion__meeting=meeting).select_related(*TASK_RELATED)
    if on >= timezone.localdate():
        return sorted((TaskLine(task, task.state_on(on)) for task in tasks), key=lambda line: line.order)
    then = {
        record.id: record
        for record in Task.history.filter(conclusion__meeting=meeting, history_date__lte=end_of_day(on))
        .latest_of_each()
        .exclude(history_type="-")
    }
    lines = []
    for task in tasks:
        record = then.get(task.pk)
        if record is None:
            continue  # given after that day
        for name in HISTORY_FIELDS:
            setattr(task, name, getattr(record, name))
        lines.append(TaskLine(task, task.state_on(on)))
    return sorted(lines, key=lambda line: line.order)


def meeting_brief(meeting: Meeting, on: datetime.date) -> Brief:
    """From the meeting to the end of `on`: tasks, criteria gained and lost, dossier steps."""
    today = timezone.localdate()
    communes = list(unit_communes(meeting.unit, on).select_related("district", "province"))
    criteria = criteria_tree(meeting.criteria_set)
    common = {
        "criteria_set": meeting.criteria_set,
        "year": meeting.year,
        "criteria": criteria,
        "detail": False,
    }
    then = commune_standings(communes, as_of=meeting.held_on, **common)
    now = commune_standings(communes, as_of=None if on >= today else on, **common)
    changes = [
        CommuneChange(
            commune=commune,
            met_then=[r.criterion for r in then[commune.pk].criteria if r.met],
            met_now=[r.criterion for r in now[commune.pk].criteria if r.met],
            total=len(criteria),
        )
        for commune in communes
    ]
    return Brief(
        meeting=meeting,
        letterhead=letterhead_for_unit(meeting.unit),
        issued_on=on,
        on=on,
        tasks=_task_lines(meeting, on),
        changes=changes,
        steps=_dossier_steps(meeting, communes, on),
    )


def _dossier_steps(meeting: Meeting, communes, on: datetime.date) -> list[DossierStep]:
    """The steps of the meeting's dossiers after the meeting day up to `on` (2 queries)."""
    dossiers = {
        "dossier__commune__in": communes,
        "dossier__criteria_set": meeting.criteria_set,
        "dossier__year": meeting.year,
    }
    steps = [
        DossierStep(
            transition.dossier.commune,
            timezone.localdate(transition.at),
            f"{transition.get_to_status_display()}{': ' + transition.comment if transition.comment else ''}",
        )
        for transition in Transition.objects.filter(
            at__gt=end_of_day(meeting.held_on), at__lte=end_of_day(on), **dossiers
        ).select_related("dossier__commune")
    ]
    in_window = Q(sent_on__gt=meeting.held_on, sent_on__lte=on) | Q(
        inspected_on__gt=meeting.held_on, inspected_on__lte=on
    )
    for appraisal in Appraisal.objects.filter(in_window, **dossiers).select_related(
        "dossier__commune", "department"
    ):
        name, commune = appraisal.department.name, appraisal.dossier.commune
        if appraisal.sent_on and meeting.held_on < appraisal.sent_on <= on:
            steps.append(
                DossierStep(commune, appraisal.sent_on, _("Gửi hồ sơ tới %(name)s") % {"name": name})
            )
        if appraisal.inspected_on and meeting.held_on < appraisal.inspected_on <= on:
            steps.append(
                DossierStep(commune, appraisal.inspected_on, _("%(name)s về kiểm tra") % {"name": name})
            )
    return sorted(steps, key=lambda step: (step.commune.search_name, step.day))


def brief_xlsx(brief: Brief) -> bytes:
    """The brief as a workbook: tasks, criteria, dossier steps, one sheet each."""
    book = Workbook()
    tasks = Sheet(
        book,
        _("Nhiệm vụ"),
        brief,
        columns=[
            (_("TT"), 5),
            (_("Việc cần làm"), 48),
            (_("Đơn vị thực hiện"), 28),
            (_("Hạn hoàn thành"), 14),
            (_("Trạng thái"), 12),
            (_("Kết quả thực hiện"), 36),
        ],
        first=True,
    )
    for n, line in enumerate(brief.tasks, 1):
        task = line.task
        tasks.row(
            [n, task.title, task.owner_name, short_date(task.deadline), line.state_label, task.closing_note]
        )
    criteria = Sheet(
        book,
        _("Tiêu chí"),
        brief,
        columns=[
            (_("TT"), 5),
            (_("Xã"), 22),
            (_("Tiêu chí đạt tại cuộc họp"), 14),
            (_("Tiêu chí đạt đến ngày báo cáo"), 14),
            (_("Tiêu chí đạt thêm"), 30),
            (_("Tiêu chí không còn đạt"), 30),
        ],
    )
    for n, change in enumerate(brief.changes, 1):
        criteria.row(
            [
                n,
                change.commune.name,
                len(change.met_then),
                len(change.met_now),
                ", ".join(str(c.number) for c in change.gained),
                ", ".join(str(c.number) for c in change.lost),
            ]
        )
    steps = Sheet(
        book,
        _("Hồ sơ, thẩm định"),
        brief,
        columns=[(_("Xã"), 22), (_("Ngày"), 14), (_("Diễn biến"), 60)],
    )
    for step in brief.steps:
        steps.row([step.commune.name, short_date(step.day), step.text])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
