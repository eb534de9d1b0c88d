"""Evidence dossiers: what a commune submits to prove its standing, and its appraisal."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communes.models import Commune, Department
from criteria.models import CriteriaSet, Criterion, Recognition


class Dossier(models.Model):
    """One commune's dossier for one criteria set and year."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Xã đang chuẩn bị")
        SUBMITTED = "submitted", _("Xã đã nộp, chờ huyện thẩm tra")
        RETURNED = "returned", _("Huyện trả lại để bổ sung")
        ACCEPTED = "accepted", _("Huyện đã thẩm tra, chấp nhận")
        SENT = "sent", _("Đã gửi tỉnh thẩm định")
        APPRAISED = "appraised", _("Các sở, ngành đã thẩm định đạt")
        RECOGNISED = "recognised", _("Đã có quyết định công nhận")

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("xã")
    )
    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("bộ tiêu chí")
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status, default=Status.DRAFT)
    recognition = models.OneToOneField(
        Recognition,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossier",
        verbose_name=_("quyết định công nhận"),
    )
    created_at = models.DateTimeField(_("ngày lập"), auto_now_add=True)
    due_on = models.DateField(
        _("hạn xã nộp hồ sơ"),
        null=True,
        blank=True,
        help_text=_("Do Văn phòng điều phối đặt; hệ thống nhắc xã trước hạn."),
    )

    # Each state the dossier was in (the workflow log, Transition, says why).
    history = HistoricalRecords()

    class Meta:
        ordering = ["commune__name", "-year"]
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "criteria_set", "year"], name="dossier_unique_per_year"
            ),
            models.CheckConstraint(
                condition=Q(recognition__isnull=True) | Q(status="recognised"),
                name="dossier_recognition_only_when_recognised",
            ),
        ]

    def __str__(self):
        return f"{self.commune} — {self.criteria_set.code} — {self.year}"

    def get_absolute_url(self):
        return reverse("dossiers:dossier_detail", args=[self.pk])

    @property
    def is_editable_by_commune(self) -> bool:
        """The commune adds evidence while it holds the dossier."""
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @property
    def status_short(self) -> str:
        """The state in a word or two, for lists and the dashboard ("đã nộp")."""
        return STATUS_SHORT[self.status]


STATUS_SHORT = {
    Dossier.Status.DRAFT: _("nháp"),
    Dossier.Status.SUBMITTED: _("đã nộp"),
    Dossier.Status.RETURNED: _("trả lại bổ sung"),
    Dossier.Status.ACCEPTED: _("huyện chấp nhận"),
    Dossier.Status.SENT: _("đã gửi tỉnh"),
    Dossier.Status.APPRAISED: _("tỉnh thẩm định đạt"),
    Dossier.Status.RECOGNISED: _("đã công nhận"),
}


class DossierItem(models.Model):
    """One part of a dossier: the file set of one criterion, or one general document."""

    class GeneralKind(models.TextChoices):
        PROPOSAL = "to_trinh", _("Tờ trình đề nghị thẩm tra, xét công nhận")
        RESULTS_REPORT = "bao_cao_ket_qua", _("Báo cáo kết quả thực hiện các tiêu chí")
        OPINIONS_REPORT = "bao_cao_y_kien", _("Báo cáo tổng hợp ý kiến tham gia của các tổ chức và nhân dân")
        MEETING_MINUTES = "bien_ban_hop", _("Biên bản cuộc họp đề nghị xét công nhận")

    class Review(models.TextChoices):
        PENDING = "pending", _("Chưa xem xét")
        COMPLETE = "complete", _("Đạt yêu cầu")
        INCOMPLETE = "incomplete", _("Cần bổ sung")

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="items", verbose_name=_("hồ sơ")
    )
    criterion = models.ForeignKey(
        Criterion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tiêu chí"),
    )
    general_kind = models.CharField(_("hồ sơ chung"), max_length=20, choices=GeneralKind, blank=True)
    review = models.CharField(_("thẩm tra"), max_length=20, choices=Review, default=Review.PENDING)
    review_comment = models.TextField(_("ý kiến thẩm tra"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["dossier", "criterion__number", "general_kind"]
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")
        constraints = [
            models.CheckConstraint(
                condition=(Q(criterion__isnull=False) & Q(general_kind=""))
                | (Q(criterion__isnull=True) & ~Q(general_kind="")),
                name="dossier_item_is_criterion_or_general",
            ),
            models.UniqueConstraint(
                fields=["dossier", "criterion"],
                condition=Q(criterion__isnull=False),
                name="dossier_item_unique_criterion",
            ),
            models.UniqueConstraint(
                fields=["dossier", "general_kind"],
                condition=~Q(general_kind=""),
                name="dossier_item_unique_general_kind",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        if self.criterion_id:
            return f"{self.criterion.number}. {self.criterion.name}"
        return self.get_general_kind_display()

    @property
    def is_general(self) -> bool:
        return not self.criterion_id

    @property
    def sort_key(self) -> tuple[int, int]:
        """Criteria by number, then the general items in the order a dossier binds them."""
        if self.criterion_id:
            return (0, self.criterion.number)
        return (1, DossierItem.GeneralKind.values.index(self.general_kind))

    def required_evidence(self) -> list[str]:
        """What the criteria library asks for (from the criterion's indicators, in order)."""
        if self.is_general:
            return [self.get_general_kind_display()]
        kinds: list[str] = []
        for indicator in self.criterion.indicators.all():
            kinds.extend(k for k in indicator.required_evidence if k not in kinds)
        return kinds


def document_path(document: Document, filename: str) -> str:
    """A stored name that owes nothing to the uploader's file name but its extension."""
    extension = PurePosixPath(filename).suffix.lower()
    return f"dossiers/{document.item.dossier_id}/{uuid.uuid4().hex}{extension}"


class DocumentQuerySet(models.QuerySet):
    def current(self):
        """The latest version of each document that has not been withdrawn."""
        later = Document.objects.filter(
            item=models.OuterRef("item"),
            title=models.OuterRef("title"),
            version__gt=models.OuterRef("version"),
        )
        return self.filter(withdrawn_at__isnull=True).exclude(models.Exists(later))


class Document(models.Model):
    """One version of one evidence document. A new upload of the same document is a new row."""

    item = models.ForeignKey(
        DossierItem, on_delete=models.PROTECT, related_name="documents", verbose_name=_("thành phần hồ sơ")
    )
    title = models.CharField(_("tên tài liệu"), max_length=300)
    evidence_kind = models.CharField(_("loại minh chứng"), max_length=300, blank=True)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    file = models.FileField(_("tệp"), upload_to=document_path, max_length=255)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    content_type = models.CharField(_("loại tệp"), max_length=120)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64, db_index=True)
    effective_date = models.DateField(_("ngày của tài liệu"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người tải lên")
    )
    uploaded_at = models.DateTimeField(_("thời điểm tải lên"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("thời điểm rút"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.TextField(_("lý do rút"), blank=True)
    # Non-empty when the district uploaded for the commune ("thay mặt xã").
    on_behalf_reason = models.TextField(_("lý do tải lên thay xã"), blank=True)
    # A JPEG for viewing in the browser when the original cannot be shown (HEIC photos).
    rendition = models.FileField(_("bản xem"), upload_to=document_path, max_length=255, blank=True)
    # What a PDF carries besides its pages (ntm/lib/pdf.py): False for other files,
    # None for a PDF that could not be read for the check.
    pdf_scripts = models.BooleanField(_("PDF chứa JavaScript"), null=True, default=False)
    pdf_attachments = models.BooleanField(_("PDF chứa tệp đính kèm"), null=True, default=False)

    objects = DocumentQuerySet.as_manager()
    # Who added and who withdrew which file, for the audit page; the stored files are
    # the document's own (never rewritten), so their names are not kept twice.
    history = HistoricalRecords(excluded_fields=["file", "rendition"])

    class Meta:
        ordering = ["item", "title", "-version"]
        verbose_name = _("tài liệu minh chứng")
        verbose_name_plural = _("tài liệu minh chứng")
        constraints = [
            models.UniqueConstraint(fields=["item", "title", "version"], name="document_version_unique"),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawal_reason=""),
                name="document_withdrawal_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.title} (v{self.version})"

    def get_absolute_url(self):
        return reverse("dossiers:document_download", args=[self.item.dossier_id, self.pk])

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def viewable_type(self) -> str | None:
        """The type the browser shows inline (a PDF, an image, or the JPEG rendition of
        a HEIC photo); None for what can only be downloaded (Word, Excel, and a PDF that
        carries scripts or attachments, or could not be checked for them)."""
        if self.rendition:
            return "image/jpeg"
        if self.active_content_warning:
            return None
        return self.content_type if self.content_type in INLINE_TYPES else None

    @property
    def active_content_warning(self) -> str:
        """Why this PDF is offered for download only; empty for a plain one."""
        if self.content_type != "application/pdf":
            return ""
        if self.pdf_scripts is None or self.pdf_attachments is None:
            return _("Không kiểm tra được nội dung tệp PDF này (tệp hỏng hoặc có mật khẩu)")
        found = [
            label
            for present, label in (
                (self.pdf_scripts, _("JavaScript hoặc lệnh tự chạy")),
                (self.pdf_attachments, _("tệp đính kèm")),
            )
            if present
        ]
        if not found:
            return ""
        return _("Tệp PDF chứa %(what)s") % {"what": _(" và ").join(str(label) for label in found)}


# Types a browser shows by itself, in a sandboxed frame.
INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})


class Transition(models.Model):
    """The log of a dossier's steps: who moved it, when, and why."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=Dossier.Status)
    to_status = models.CharField(max_length=20, choices=Dossier.Status)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)
    # The coordinator moved the dossier although a gate said no, and why; printed on the report.
    override_reason = models.TextField(_("lý do vượt điều kiện"), blank=True)
    # The district did the commune's step for it, and why.
    on_behalf_reason = models.TextField(_("lý do làm thay xã"), blank=True)

    class Meta:
        ordering = ["dossier", "at", "pk"]
        verbose_name = _("bước xử lý hồ sơ")
        verbose_name_plural = _("bước xử lý hồ sơ")

    def __str__(self):
        return f"{self.dossier}: {self.from_status} → {self.to_status}"


class Appraisal(models.Model):
    """One provincial department's appraisal of a dossier."""

    class Result(models.TextChoices):
        PENDING = "pending", _("Chờ kết quả")
        AGREED = "agreed", _("Đạt")
        NEEDS_SUPPLEMENT = "needs_supplement", _("Cần bổ sung")
        NOT_AGREED = "not_agreed", _("Không đạt")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="appraisals")
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="appraisals",
        limit_choices_to={"level": Department.Level.PROVINCE},
        verbose_name=_("sở, ngành"),
    )
    criteria = models.ManyToManyField(
        Criterion, related_name="+", blank=True, verbose_name=_("tiêu chí thẩm định")
    )
    sent_on = models.DateField(_("ngày gửi hồ sơ"), null=True, blank=True)
    inspected_on = models.DateField(_("ngày về kiểm tra"), null=True, blank=True)
    due_on = models.DateField(_("hạn trả kết quả"), null=True, blank=True)
    result = models.CharField(_("kết quả"), max_length=20, choices=Result, default=Result.PENDING)
    comments = models.TextField(_("ý kiến"), blank=True)
    documents_seen = models.ManyToManyField(
        Document, related_name="appraisals", blank=True, verbose_name=_("phiên bản tài liệu đã xem")
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["dossier", "department__name"]
        verbose_name = _("thẩm định của sở, ngành")
        verbose_name_plural = _("thẩm định của sở, ngành")
        constraints = [
            models.UniqueConstraint(fields=["dossier", "department"], name="appraisal_unique_per_department"),
            models.CheckConstraint(
                condition=Q(inspected_on__isnull=True)
                | Q(sent_on__isnull=False, inspected_on__gte=models.F("sent_on")),
                name="appraisal_inspected_after_sent",
            ),
        ]

    def __str__(self):
        return f"{self.dossier} — {self.department}: {self.get_result_display()}"
