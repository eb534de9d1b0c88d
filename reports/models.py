"""Reports own no business data: everything they print is derived on the fly from
criteria.standing and dossiers.progress. The one thing they keep is the snapshot,
the PDF exactly as it was taken to a meeting."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, District
from ntm.lib.text import fold


class ReportKind(models.TextChoices):
    DISTRICT = "district", _("Tiến độ xây dựng nông thôn mới")
    COMMUNE = "commune", _("Kết quả thực hiện tiêu chí của xã")
    DOSSIERS = "dossiers", _("Tiến độ hồ sơ và thẩm định")


def snapshot_path(snapshot: ReportSnapshot, filename: str) -> str:
    """Under reports/ in the media storage, which no URL serves: downloads go through a view."""
    return f"reports/{snapshot.year}/{snapshot.sequence:03d}-{snapshot.kind}-{uuid.uuid4().hex}.pdf"


class ReportSnapshot(models.Model):
    """A report's PDF as saved for a meeting, numbered "07/2026" within its year.

    The file never changes after it is saved: the data behind it may, and the
    point of the snapshot is that the paper on the table can be fetched again.
    """

    kind = models.CharField(_("loại báo cáo"), max_length=20, choices=ReportKind)
    year = models.PositiveSmallIntegerField(_("năm"))
    sequence = models.PositiveIntegerField(_("số thứ tự trong năm"))
    title = models.CharField(_("tên báo cáo"), max_length=300)
    # What the report was asked for: {"set": code, "year": 2024, "as_of": "2024-04-30" or None,
    # "commune": code (commune report only)}.
    parameters = models.JSONField(_("tham số"))
    data_date = models.DateField(_("số liệu tính đến ngày"))
    meeting_date = models.DateField(_("ngày họp"))
    meeting = models.CharField(_("cuộc họp"), max_length=200, blank=True)
    # The communes whose data the PDF shows: only who may see all of them may fetch it.
    communes = models.ManyToManyField(Commune, related_name="+", verbose_name=_("các xã trong báo cáo"))
    file = models.FileField(_("tệp PDF"), upload_to=snapshot_path, max_length=255)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người lưu")
    )
    # A default, not auto_now_add: the time is printed in the PDF before the row is saved.
    created_at = models.DateTimeField(_("thời điểm lưu"), default=timezone.now)
    # Drawn when the form is shown: the same form sent twice saves one snapshot.
    submission = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-meeting_date", "-year", "-sequence"]
        verbose_name = _("bản báo cáo đã lưu")
        verbose_name_plural = _("bản báo cáo đã lưu")
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="report_snapshot_number_unique"),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="report_snapshot_sequence_positive"),
        ]

    def __str__(self):
        return f"{self.number} — {self.title}"

    def get_absolute_url(self):
        return reverse("reports:snapshot_download", args=[self.pk])

    @property
    def number(self) -> str:
        return f"{self.sequence:02d}/{self.year}"

    @property
    def download_name(self) -> str:
        return f"bao-cao-{self.sequence:02d}-{self.year}-{slugify(fold(self.get_kind_display()))}.pdf"


class SignatureBlock(models.Model):
    """Who signs the steering committee's documents for one district or province.

    Printed under every report, notice and brief of that unit (Nghị định 30/2020:
    the body, the signer's capacity, space for the signature and seal, the name).
    The name stays empty until the office records it with its source: the app never
    invents a signer.
    """

    class Capacity(models.TextChoices):
        HEAD = "head", _("Trưởng ban ký")
        DEPUTY = "deputy", _("Phó trưởng ban ký thay (KT. TRƯỞNG BAN)")

    district = models.OneToOneField(
        "communes.District",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="signature_block",
        verbose_name=_("huyện"),
    )
    province = models.OneToOneField(
        "communes.Province",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="signature_block",
        verbose_name=_("tỉnh"),
    )
    body = models.CharField(_("cơ quan ký"), max_length=200, default=_("TM. BAN CHỈ ĐẠO"))
    capacity = models.CharField(_("người ký"), max_length=10, choices=Capacity, default=Capacity.HEAD)
    signer_name = models.CharField(_("họ và tên người ký"), max_length=200, blank=True)
    source = models.CharField(
        _("nguồn"),
        max_length=300,
        blank=True,
        help_text=_(
            "Văn bản thành lập hoặc kiện toàn Ban Chỉ đạo ghi tên người ký, ví dụ số, ngày quyết định."
        ),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("chữ ký văn bản")
        verbose_name_plural = _("chữ ký văn bản")
        constraints = [
            models.CheckConstraint(
                condition=Q(district__isnull=False, province__isnull=True)
                | Q(district__isnull=True, province__isnull=False),
                name="signature_block_one_unit",
            ),
            models.CheckConstraint(
                condition=Q(signer_name="") | ~Q(source=""), name="signature_block_name_has_source"
            ),
        ]

    def __str__(self):
        return f"{self.unit}: {' / '.join(self.lines)}"

    @classmethod
    def for_unit(cls, unit) -> SignatureBlock:
        """The unit's recorded block, or an unsaved one with no name (1 query)."""
        kind = "district" if isinstance(unit, District) else "province"
        return cls.objects.filter(**{kind: unit}).first() or cls(**{kind: unit})

    @property
    def unit(self):
        return self.district or self.province

    @property
    def lines(self) -> list[str]:
        """ "TM. BAN CHỈ ĐẠO", then "TRƯỞNG BAN", or "KT. TRƯỞNG BAN" and "PHÓ TRƯỞNG BAN"."""
        if self.capacity == self.Capacity.DEPUTY:
            return [str(self.body), str(_("KT. TRƯỞNG BAN")), str(_("PHÓ TRƯỞNG BAN"))]
        return [str(self.body), str(_("TRƯỞNG BAN"))]
