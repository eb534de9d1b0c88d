"""What is measured: criteria sets, their criteria, indicators and targets."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from communes.models import CommuneGroup, Department, Province, Region


class CriteriaSetQuerySet(models.QuerySet):
    def national(self):
        return self.filter(issuer__isnull=True)


class CriteriaSet(models.Model):
    class Level(models.TextChoices):
        VILLAGE = "village", _("Thôn")
        COMMUNE = "commune", _("Xã")
        DISTRICT = "district", _("Huyện")

    class Tier(models.TextChoices):
        STANDARD = "standard", _("Nông thôn mới")
        ADVANCED = "advanced", _("Nông thôn mới nâng cao")
        MODEL = "model", _("Nông thôn mới kiểu mẫu")

    class TargetDimension(models.TextChoices):
        NONE = "none", _("Chỉ mức chung")
        REGION = "region", _("Theo vùng")
        COMMUNE_GROUP = "commune_group", _("Theo nhóm xã")

    code = models.CharField(
        _("mã bộ tiêu chí"),
        max_length=60,
        unique=True,
        help_text=_("Ví dụ: QD318-2022-XA-NTM. Dùng trong địa chỉ trang và trong tệp Excel."),
    )
    name = models.CharField(_("tên"), max_length=300)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=300, blank=True)
    level = models.CharField(_("cấp"), max_length=10, choices=Level)
    tier = models.CharField(_("mức"), max_length=10, choices=Tier, default=Tier.STANDARD)
    period = models.CharField(_("giai đoạn"), max_length=20, blank=True)
    legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=400, blank=True)
    effective_on = models.DateField(_("ngày hiệu lực"), null=True, blank=True)
    signer = models.CharField(_("người ký"), max_length=200, blank=True)
    # Empty for a national set; a province for the province's own decision.
    issuer = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="criteria_sets",
        verbose_name=_("tỉnh ban hành"),
        help_text=_("Để trống với bộ tiêu chí quốc gia."),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("bộ tiêu chí quốc gia gốc"),
    )
    target_dimension = models.CharField(
        _("mức đạt chuẩn khác nhau"),
        max_length=20,
        choices=TargetDimension,
        default=TargetDimension.NONE,
    )
    verified = models.BooleanField(
        _("đã đối chiếu văn bản gốc"),
        default=False,
        help_text=_("Bỏ chọn khi nội dung được dựng lại, chưa đối chiếu với văn bản chính thức."),
    )
    source_note = models.TextField(_("ghi chú nguồn"), blank=True)
    expected_criteria = models.PositiveSmallIntegerField(
        _("số tiêu chí theo quyết định"), null=True, blank=True
    )
    expected_indicators = models.PositiveSmallIntegerField(
        _("số chỉ tiêu theo quyết định"), null=True, blank=True
    )

    objects = CriteriaSetQuerySet.as_manager()

    class Meta:
        ordering = ["-period", "level", "tier", "code"]
        verbose_name = _("bộ tiêu chí")
        verbose_name_plural = _("bộ tiêu chí")
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="criteria_set_not_its_own_parent"
            ),
        ]

    def __str__(self):
        return f"{self.code} — {self.name}"

    def get_absolute_url(self):
        return reverse("criteria:set_detail", args=[self.code])

    @property
    def is_national(self) -> bool:
        return self.issuer_id is None


class Criterion(models.Model):
    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("bộ tiêu chí")
    )
    number = models.PositiveSmallIntegerField(_("số thứ tự"))
    name = models.CharField(_("tên tiêu chí"), max_length=300)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=300, blank=True)
    group = models.CharField(_("nhóm tiêu chí"), max_length=200, blank=True)
    responsible_department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="criteria",
        verbose_name=_("phòng, ban phụ trách"),
    )
    unverified = models.BooleanField(_("chưa đối chiếu"), default=False)

    class Meta:
        ordering = ["criteria_set", "number"]
        verbose_name = _("tiêu chí")
        verbose_name_plural = _("tiêu chí")
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "number"], name="criterion_number_unique_in_set"),
        ]

    def __str__(self):
        return f"{self.number}. {self.name}"


class Indicator(models.Model):
    class Kind(models.TextChoices):
        YES_NO = "yes_no", _("Đạt / Không đạt")
        NUMERIC_MIN = "numeric_min", _("Số, tối thiểu")
        NUMERIC_MAX = "numeric_max", _("Số, tối đa")
        TEXT = "text", _("Văn bản")

    criterion = models.ForeignKey(
        Criterion, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("tiêu chí")
    )
    code = models.CharField(_("mã chỉ tiêu"), max_length=20)
    text = models.TextField(_("nội dung"))
    kind = models.CharField(_("loại"), max_length=20, choices=Kind, default=Kind.YES_NO)
    unit = models.CharField(_("đơn vị tính"), max_length=50, blank=True)
    conditional = models.BooleanField(
        _("nếu có"),
        default=False,
        help_text=_("Chỉ tiêu có thể được đánh giá là “Không áp dụng”."),
    )
    responsible_department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name=_("phòng, ban phụ trách"),
        help_text=_("Để trống nếu giống tiêu chí."),
    )
    required_evidence = models.JSONField(
        _("hồ sơ minh chứng cần có"),
        default=list,
        blank=True,
        help_text=_("Danh sách loại tài liệu, ví dụ: quyết định phê duyệt quy hoạch."),
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    unverified = models.BooleanField(_("chưa đối chiếu"), default=False)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        ordering = ["criterion__number", "order", "code"]
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        constraints = [
            models.UniqueConstraint(fields=["criterion", "code"], name="indicator_code_unique_in_criterion"),
        ]

    def __str__(self):
        return f"{self.code} {self.text[:60]}"

    @property
    def is_numeric(self) -> bool:
        return self.kind in (self.Kind.NUMERIC_MIN, self.Kind.NUMERIC_MAX)

    @property
    def department(self):
        """The department that verifies this indicator: its own, else its criterion's."""
        return self.responsible_department or self.criterion.responsible_department

    def applicable_target(self, *, region: str = "", commune_group: str = "", year: int | None = None):
        """The target that applies, most specific first.

        Order: a target for the year beats one without; within each, a target
        for the commune's group or region beats the general one. Uses the
        prefetched ``targets`` when present, so a page asks once for all.
        """
        return resolve_target(self.targets.all(), region=region, commune_group=commune_group, year=year)


def resolve_target(targets, *, region: str = "", commune_group: str = "", year: int | None = None):
    """Pick from `targets` (of one indicator) the one that applies, or None."""

    def rank(target):
        if target.year is not None and target.year != year:
            return None
        if target.region and target.region != region:
            return None
        if target.commune_group and target.commune_group != commune_group:
            return None
        specific_unit = bool(target.region or target.commune_group)
        return (target.year is not None, specific_unit)

    ranked = [(r, t) for t in targets if (r := rank(t)) is not None]
    return max(ranked, key=lambda pair: pair[0])[1] if ranked else None


_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def parse_threshold(value: str) -> Decimal | None:
    """The number in a target such as "≥80%", "≥ 2 m²/người" or "100%"."""
    match = _NUMBER.search(value or "")
    if not match:
        return None
    try:
        return Decimal(match.group().replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


class IndicatorTarget(models.Model):
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="targets", verbose_name=_("chỉ tiêu")
    )
    region = models.CharField(_("vùng"), max_length=10, choices=Region, blank=True)
    commune_group = models.CharField(_("nhóm xã"), max_length=1, choices=CommuneGroup, blank=True)
    year = models.PositiveSmallIntegerField(_("năm"), null=True, blank=True)
    value = models.CharField(
        _("mức đạt chuẩn"), max_length=200, help_text=_("Ví dụ: ≥80%, Đạt, Không, ≥2 m²/người.")
    )
    # The number in `value`, kept by save() so numeric scores compare to it.
    threshold = models.DecimalField(_("ngưỡng"), max_digits=14, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["indicator", "year", "region", "commune_group"]
        verbose_name = _("mức đạt chuẩn")
        verbose_name_plural = _("mức đạt chuẩn")
        constraints = [
            models.CheckConstraint(
                condition=Q(region="") | Q(commune_group=""),
                name="target_by_region_or_group_not_both",
            ),
            models.UniqueConstraint(
                fields=["indicator", "region", "commune_group", "year"],
                condition=Q(year__isnull=False),
                name="target_unique_per_scope_and_year",
            ),
            models.UniqueConstraint(
                fields=["indicator", "region", "commune_group"],
                condition=Q(year__isnull=True),
                name="target_unique_per_scope",
            ),
        ]

    def __str__(self):
        return f"{self.indicator.code}: {self.value} ({self.scope_label})"

    def save(self, *args, **kwargs):
        self.threshold = parse_threshold(self.value)
        super().save(*args, **kwargs)

    @property
    def scope_label(self) -> str:
        if self.region:
            label = self.get_region_display()
        elif self.commune_group:
            label = self.get_commune_group_display()
        else:
            label = str(_("Chung"))
        return f"{label}, {self.year}" if self.year else label
