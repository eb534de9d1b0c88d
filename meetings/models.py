"""Steering-committee meetings, their conclusions, and the tasks born from them:
"rõ người, rõ việc, rõ thời gian" — an owner, a task and a deadline for every gap.

A meeting belongs to the unit whose steering committee meets: a district, or since
2025 a province. A task belongs to the same kind of unit, has one owner (a department
or a commune), an optional person, a deadline and a status. "Quá hạn" (overdue) is
never stored: it follows from the deadline, in `Task.state_on`.
"""

from __future__ import annotations

import datetime
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communes.models import Commune, Department, District, Province
from criteria.models import CriteriaSet, Indicator
from dossiers.models import DossierItem
from reports.models import ReportSnapshot


class SteeringUnit(models.Model):
    """The district or the province whose steering committee the row belongs to."""

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("huyện")
    )
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("tỉnh")
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(district__isnull=False, province__isnull=True)
                | Q(district__isnull=True, province__isnull=False),
                name="%(class)s_one_unit",
            ),
        ]

    @property
    def unit(self) -> District | Province:
        return self.district or self.province

    @unit.setter
    def unit(self, unit: District | Province) -> None:
        if isinstance(unit, District):
            self.district, self.province = unit, None
        else:
            self.district, self.province = None, unit


def unit_of(commune: Commune) -> District | Province:
    """The steering unit over a commune: its district, or its province since 2025."""
    return commune.district or commune.province


def unit_filter(unit, *, departments=False) -> Q:
    """Departments or communes under a district or a province."""
    if isinstance(unit, District):
        if departments:
            # The district's own offices, and the province's departments that appraise.
            return Q(district=unit) | Q(province=unit.province_id)
        return Q(district=unit)
    return Q(province=unit)


def unit_departments(unit):
    return Department.objects.filter(unit_filter(unit, departments=True)).order_by("level", "name")


def unit_communes(unit, on: datetime.date | None = None):
    return Commune.objects.filter(unit_filter(unit)).current(on).order_by("search_name", "name")


class Meeting(SteeringUnit):
    held_on = models.DateField(_("ngày họp"))
    title = models.CharField(
        _("nội dung cuộc họp"),
        max_length=300,
        help_text=_("Ví dụ: Họp Ban Chỉ đạo nghe báo cáo tiến độ hoàn thiện hồ sơ xét công nhận xã NTM."),
    )
    chair = models.CharField(_("chủ trì"), max_length=200, help_text=_("Chức vụ, họ tên người chủ trì."))
    attending_departments = models.ManyToManyField(
        Department, blank=True, related_name="+", verbose_name=_("phòng, ban, sở, ngành dự họp")
    )
    attending_communes = models.ManyToManyField(
        Commune, blank=True, related_name="+", verbose_name=_("các xã dự họp")
    )
    attendees = models.TextField(
        _("thành phần khác"), blank=True, help_text=_("Người dự họp, mỗi người một dòng.")
    )
    agenda = models.TextField(_("chương trình họp"), blank=True)
    minutes = models.TextField(_("diễn biến cuộc họp (biên bản)"), blank=True)
    snapshots = models.ManyToManyField(
        ReportSnapshot, blank=True, related_name="meetings", verbose_name=_("báo cáo trình bày tại cuộc họp")
    )
    # What the meeting reviewed: the brief for the next meeting compares standings against it.
    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.PROTECT, related_name="+", verbose_name=_("bộ tiêu chí")
    )
    year = models.PositiveSmallIntegerField(_("năm xét"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người ghi")
    )
    created_at = models.DateTimeField(_("thời điểm ghi"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta(SteeringUnit.Meta):
        ordering = ["-held_on", "-pk"]
        verbose_name = _("cuộc họp")
        verbose_name_plural = _("cuộc họp")
        indexes = [models.Index(fields=["district", "held_on"], name="meeting_district_date")]

    def __str__(self):
        return f"{self.held_on:%d/%m/%Y} — {self.title}"

    def get_absolute_url(self):
        return reverse("meetings:meeting_detail", args=[self.pk])


class Conclusion(models.Model):
    """One point of what the chair concluded; tasks carry it out."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="conclusions", verbose_name=_("cuộc họp")
    )
    number = models.PositiveSmallIntegerField(_("số thứ tự"))
    text = models.TextField(_("nội dung kết luận"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "number"]
        verbose_name = _("kết luận")
        verbose_name_plural = _("kết luận")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="conclusion_number_unique_in_meeting"),
        ]

    def __str__(self):
        return f"{self.number}. {self.text[:80]}"


def evidence_path(task: Task, filename: str) -> str:
    """A stored name that owes nothing to the uploader's file name but its extension."""
    extension = PurePosixPath(filename).suffix.lower()
    return f"tasks/{task.pk}/{uuid.uuid4().hex}{extension}"


class TaskQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status=Task.Status.DONE)

    def overdue(self, on: datetime.date):
        """The rule of Task.state_on, for the database: not done and past its deadline."""
        return self.open().filter(deadline__lt=on)

    def due_by(self, day: datetime.date):
        """Open tasks due on or before `day`, overdue ones included."""
        return self.open().filter(deadline__lte=day)


class Task(SteeringUnit):
    class Status(models.TextChoices):
        NEW = "new", _("Mới")
        IN_PROGRESS = "in_progress", _("Đang làm")
        DONE = "done", _("Xong")

    # Shown, never stored: a task not done after its deadline.
    OVERDUE = "overdue"
    OVERDUE_LABEL = _("Quá hạn")

    title = models.CharField(_("việc cần làm"), max_length=300)
    description = models.TextField(_("yêu cầu cụ thể"), blank=True)
    conclusion = models.ForeignKey(
        Conclusion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("theo kết luận"),
    )
    owner_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("phòng, ban, sở, ngành thực hiện"),
    )
    owner_commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_tasks",
        verbose_name=_("xã thực hiện"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("người thực hiện"),
    )
    deadline = models.DateField(_("hạn hoàn thành"))
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status, default=Status.NEW)
    # What the task is about.
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks", verbose_name=_("xã")
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chỉ tiêu"),
    )
    dossier_item = models.ForeignKey(
        DossierItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("thành phần hồ sơ"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người giao")
    )
    created_at = models.DateTimeField(_("thời điểm giao"), auto_now_add=True)
    closed_at = models.DateTimeField(_("thời điểm hoàn thành"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người báo hoàn thành"),
    )
    closing_note = models.TextField(_("kết quả thực hiện"), blank=True)
    evidence = models.FileField(_("tệp minh chứng"), upload_to=evidence_path, max_length=255, blank=True)
    evidence_name = models.CharField(_("tên tệp gốc"), max_length=255, blank=True)
    evidence_type = models.CharField(_("loại tệp"), max_length=120, blank=True)

    history = HistoricalRecords()
    objects = TaskQuerySet.as_manager()

    class Meta(SteeringUnit.Meta):
        ordering = ["deadline", "pk"]
        verbose_name = _("nhiệm vụ")
        verbose_name_plural = _("nhiệm vụ")
        constraints = [
            *SteeringUnit.Meta.constraints,
            models.CheckConstraint(
                condition=Q(owner_department__isnull=False, owner_commune__isnull=True)
                | Q(owner_department__isnull=True, owner_commune__isnull=False),
                name="task_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(status="done", closed_at__isnull=False)
                | (~Q(status="done") & Q(closed_at__isnull=True)),
                name="task_closed_when_done",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="task_status_deadline")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("meetings:task_detail", args=[self.pk])

    @property
    def owner(self) -> Department | Commune:
        return self.owner_department or self.owner_commune

    @owner.setter
    def owner(self, owner: Department | Commune) -> None:
        if isinstance(owner, Department):
            self.owner_department, self.owner_commune = owner, None
        else:
            self.owner_department, self.owner_commune = None, owner

    @property
    def owner_name(self) -> str:
        """ "Phòng Kinh tế và Hạ tầng", or "UBND xã Dân Lý": the body that does the work."""
        owner = self.owner
        if isinstance(owner, Commune):
            return _("UBND %(kind)s %(name)s") % {
                "kind": owner.get_kind_display().lower(),
                "name": owner.name,
            }
        return owner.name

    def state_on(self, day: datetime.date) -> str:
        """The one rule: new, in progress or done as recorded; overdue when not done by `day`
        after the deadline. TaskQuerySet.overdue asks the database the same question."""
        if self.status != self.Status.DONE and self.deadline < day:
            return self.OVERDUE
        return self.status

    @property
    def state(self) -> str:
        return self.state_on(timezone.localdate())

    @property
    def is_overdue(self) -> bool:
        return self.state == self.OVERDUE

    @property
    def state_label(self) -> str:
        return state_label(self.state)


def state_label(state: str) -> str:
    return str(Task.OVERDUE_LABEL) if state == Task.OVERDUE else Task.Status(state).label


class TaskNote(models.Model):
    """A progress note: what was done, by whom, when."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="notes", verbose_name=_("nhiệm vụ"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người ghi")
    )
    at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    text = models.TextField(_("tiến độ"))

    class Meta:
        ordering = ["task", "at", "pk"]
        verbose_name = _("ghi nhận tiến độ")
        verbose_name_plural = _("ghi nhận tiến độ")

    def __str__(self):
        return f"{self.task}: {self.text[:60]}"


class Reminder(models.Model):
    """A task put in an owner's reminder digest on a day: never twice the same day."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reminders")
    sent_on = models.DateField(_("ngày gửi"))
    recipients = models.TextField(_("người nhận"))

    class Meta:
        verbose_name = _("nhắc việc đã gửi")
        verbose_name_plural = _("nhắc việc đã gửi")
        constraints = [models.UniqueConstraint(fields=["task", "sent_on"], name="reminder_once_a_day")]

    def __str__(self):
        return f"{self.task} — {self.sent_on:%d/%m/%Y}"
