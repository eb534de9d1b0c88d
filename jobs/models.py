"""Long work done by a background worker: what it is, how far it is, what it produced."""

import uuid

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes.models import District, Province


def _source_path(job, filename) -> str:
    # Not the user's file name: it is kept in `title`, for the page.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"jobs/{job.pk.hex}/source.{extension}"


def _file_path(job, filename) -> str:
    return f"jobs/{job.pk.hex}/{filename}"


class JobQuerySet(models.QuerySet):
    def finished_before(self, moment):
        return self.filter(finished_at__lt=moment)

    def silent_since(self, moment):
        """Jobs marked running whose worker has given no sign of life since `moment`:
        its process was killed (or its machine stopped) in the middle of the work."""
        return self.filter(status=Job.Status.RUNNING, heartbeat_at__lt=moment)


class Job(models.Model):
    """One piece of long work (a large import, a report) that a worker runs.

    The task (django-tasks) carries only the job's id; the job row is what the pages
    read: its stage and row counts while it runs, then its result (an import's report
    as plain data) and the file it made. The id is a random UUID: it is the address of
    the job's page, and says nothing about other jobs.
    """

    class Kind(models.TextChoices):
        SCORES_IMPORT = "scores_import", _("Nhập kết quả chỉ tiêu")
        UNITS_IMPORT = "units_import", _("Nhập danh mục đơn vị")
        REPORT = "report", _("Báo cáo")
        PACKAGE = "package", _("Gói hồ sơ")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang chạy")
        SUCCEEDED = "succeeded", _("Đã xong")
        FAILED = "failed", _("Không thành công")
        # The worker stopped in the middle of the work (killed, its machine stopped):
        # nothing was written, and the same work may be queued again.
        INTERRUPTED = "interrupted", _("Bị gián đoạn")

    class Stage(models.TextChoices):
        READ = "read", _("Đang đọc tệp")
        CHECK = "check", _("Đang kiểm tra từng dòng")
        SAVE = "save", _("Đang ghi")
        RENDER = "render", _("Đang dựng báo cáo")
        # A PDF's pages are laid out and counted; its file is being written.
        LAYOUT = "layout", _("Đã dàn trang, đang ghi tệp PDF")
        PACK = "pack", _("Đang đóng gói tài liệu")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("loại"), max_length=30, choices=Kind)
    title = models.CharField(_("tên"), max_length=255)
    status = models.CharField(_("trạng thái"), max_length=12, choices=Status, default=Status.QUEUED)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("người tạo")
    )
    # The unit the work is about, if one: its coordinators may follow it too.
    province = models.ForeignKey(
        Province, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("tỉnh")
    )
    district = models.ForeignKey(
        District, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("huyện")
    )
    created_at = models.DateTimeField(_("thời điểm tạo"), default=timezone.now)
    finished_at = models.DateTimeField(_("thời điểm xong"), null=True, blank=True)
    # The worker's last sign of life: when it took the job, at each progress tick and
    # from its heartbeat thread (jobs/services.py `_Heartbeat`).
    heartbeat_at = models.DateTimeField(_("lần cuối báo tiến độ"), null=True, blank=True)
    # What runs the work (a django-tasks task's module path, and its keyword arguments
    # after the job's id), so that an interrupted job can be queued again.
    task_path = models.CharField(_("tác vụ"), max_length=255, blank=True)
    task_kwargs = models.JSONField(_("tham số tác vụ"), default=dict, blank=True)
    restarted_as = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chạy lại thành"),
    )
    stage = models.CharField(_("bước"), max_length=10, choices=Stage, blank=True)
    done = models.PositiveIntegerField(_("đã xử lý"), default=0)
    total = models.PositiveIntegerField(_("tổng số"), null=True, blank=True)
    # What the work reported, as plain data (an import's `ImportReport.as_dict()`).
    result = models.JSONField(_("kết quả"), default=dict, blank=True)
    source = models.FileField(_("tệp đầu vào"), upload_to=_source_path, blank=True)
    file = models.FileField(_("tệp kết quả"), upload_to=_file_path, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("việc chạy nền")
        verbose_name_plural = _("việc chạy nền")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(province__isnull=True) | models.Q(district__isnull=True),
                name="job_has_at_most_one_unit",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("jobs:job_detail", args=[self.pk])

    @property
    def state(self) -> str:
        """The job's status as the pages tell it: a job still marked running whose worker
        has been silent for longer than JOBS_STALE_AFTER seconds was interrupted, even
        before `interrupt_silent_jobs` records it."""
        if self.status == self.Status.RUNNING and self.heartbeat_at is not None:
            silent = timezone.now() - self.heartbeat_at
            if silent.total_seconds() > settings.JOBS_STALE_AFTER:
                return self.Status.INTERRUPTED
        return self.status

    def get_state_display(self) -> str:
        return self.Status(self.state).label

    @property
    def is_finished(self) -> bool:
        return self.state in (self.Status.SUCCEEDED, self.Status.FAILED, self.Status.INTERRUPTED)

    @property
    def is_interrupted(self) -> bool:
        return self.state == self.Status.INTERRUPTED

    @property
    def can_run_again(self) -> bool:
        """An interrupted job whose work is known and whose input is still there (an
        import's file), not already queued again."""
        return (
            self.is_interrupted
            and bool(self.task_path)
            and self.restarted_as_id is None
            and (bool(self.source) or not self.imports_rows)
        )

    @property
    def percent(self) -> int | None:
        """How far the current stage is, when its total is known."""
        if not self.total:
            return None
        return min(100, self.done * 100 // self.total)

    @property
    def counted(self) -> str:
        """What `done` and `total` count."""
        if self.stage == self.Stage.LAYOUT:
            return _("trang")
        return {self.Kind.REPORT: _("xã"), self.Kind.PACKAGE: _("tài liệu")}.get(self.kind, _("dòng"))

    @property
    def imports_rows(self) -> bool:
        """An import: its errors are rows refused, and nothing was written."""
        return self.kind in (self.Kind.SCORES_IMPORT, self.Kind.UNITS_IMPORT)

    @property
    def errors(self) -> list[str]:
        return self.result.get("errors", [])

    def report_progress(self, stage: str, done: int, total: int | None) -> None:
        """Record how far the work is, for the page to show while the work goes on.

        Written through a connection of its own and committed at once: the work itself
        may run inside one long transaction (an import writes all or nothing), which
        nobody else sees until it ends. SQLite admits one writer at a time, so while
        this worker's own transaction writes, the count waits for the next stage.
        """
        self.stage, self.done, self.total = stage, done, total
        self.heartbeat_at = timezone.now()
        if connections[DEFAULT_DB_ALIAS].vendor == "sqlite" and connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return
        progress = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            table = progress.ops.quote_name(self._meta.db_table)
            with progress.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET stage = %s, done = %s, total = %s, heartbeat_at = %s WHERE id = %s",  # noqa: S608
                    [
                        stage,
                        done,
                        total,
                        self._meta.get_field("heartbeat_at").get_db_prep_value(self.heartbeat_at, progress),
                        self._meta.pk.get_db_prep_value(self.pk, progress),
                    ],
                )
        finally:
            progress.close()
