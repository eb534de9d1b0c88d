"""What is measured: criteria sets, their criteria, indicators and targets."""

from __future__ import annotations

import datetime
import re
import uuid
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communes.models import (
    Commune,
    CommuneClass,
    CommuneGroup,
    Department,
    District,
    Province,
    Region,
    Village,
)

from .editions import Edition, Rulebook

# The years a score, registration or target may carry.
MIN_YEAR, MAX_YEAR = 2010, 2100


def _english_or(english: str, vietnamese: str) -> str:
    """The English name when the page speaks English and the library has one."""
    return english if english and (translation.get_language() or "").startswith("en") else vietnamese


class CriteriaSet(models.Model):
    class Level(models.TextChoices):
        VILLAGE = "village", _("Thôn")
        COMMUNE = "commune", _("Xã")
        DISTRICT = "district", _("Huyện")
        PROVINCE = "province", _("Tỉnh")

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
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
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
    # Commune.Kind values; empty: every kind of unit. Phường and thị trấn have their own
    # programmes (đô thị văn minh), so a xã set says so.
    applies_to = models.JSONField(
        _("áp dụng cho"),
        default=list,
        blank=True,
        help_text=_("Loại đơn vị: xã, phường, thị trấn, đặc khu. Để trống: mọi loại."),
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

    # Its kinds of unit (applies_to) decide which communes a dashboard counts: a change
    # is a new data version (reports/grid.py) and a line of the audit trail.
    history = HistoricalRecords()

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

    @property
    def display_name(self) -> str:
        return _english_or(self.name_en, self.name)

    @property
    def issued_or_effective_on(self) -> datetime.date | None:
        """The set's own date: nothing in it can change before it."""
        return self.issued_on or self.effective_on

    def applies_to_unit(self, commune: Commune) -> bool:
        """Whether the set judges `commune` (or a village of it): the one place that decides
        which units a set's counts, lists and reports cover."""
        return not self.applies_to or commune.kind in self.applies_to

    def get_applies_to_display(self) -> str:
        if not self.applies_to:
            return str(_("mọi loại đơn vị"))
        return ", ".join(str(label) for value, label in Commune.Kind.choices if value in self.applies_to)

    def edition(self, year: int, as_of: datetime.date | None = None) -> Edition:
        """The set as in force for `year`'s scores, seen on `as_of` (default today). Its
        rules and amendments are read once per set object (2 queries), whatever the
        years and days asked for."""
        if "_rulebook" not in self.__dict__:
            self._rulebook = Rulebook.for_sets([self])[self.pk]
        editions = self.__dict__.setdefault("_editions", {})
        if (year, as_of) not in editions:
            editions[year, as_of] = self._rulebook.edition(self, year, as_of)
        return editions[year, as_of]


class Criterion(models.Model):
    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("bộ tiêu chí")
    )
    number = models.PositiveSmallIntegerField(_("số thứ tự"))
    name = models.CharField(_("tên tiêu chí"), max_length=300)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=300, blank=True)
    group = models.CharField(_("nhóm tiêu chí"), max_length=200, blank=True)
    source = models.TextField(
        _("nguồn"), blank=True, help_text=_("Văn bản, phụ lục, trang hoặc địa chỉ nơi có nội dung này.")
    )
    unverified = models.BooleanField(_("chưa đối chiếu"), default=False)
    # No longer in the set's file, kept because rows point at it (dossier items,
    # scores): shown apart, never counted.
    retired = models.BooleanField(_("không còn trong bộ tiêu chí"), default=False)

    # Who changed a criterion's text or retired it; a change is a new data version.
    history = HistoricalRecords()

    class Meta:
        ordering = ["criteria_set", "number"]
        verbose_name = _("tiêu chí")
        verbose_name_plural = _("tiêu chí")
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "number"], name="criterion_number_unique_in_set"),
        ]

    def __str__(self):
        return f"{self.number}. {self.name}"

    @property
    def display_name(self) -> str:
        return _english_or(self.name_en, self.name)


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
    text_en = models.TextField(_("nội dung tiếng Anh"), blank=True)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind, default=Kind.YES_NO)
    unit = models.CharField(_("đơn vị tính"), max_length=50, blank=True)
    conditional = models.BooleanField(
        _("nếu có"),
        default=False,
        help_text=_("Chỉ tiêu có thể được đánh giá là “Không áp dụng”."),
    )
    required_evidence = models.JSONField(
        _("hồ sơ minh chứng cần có"),
        default=list,
        blank=True,
        help_text=_("Danh sách loại tài liệu, ví dụ: quyết định phê duyệt quy hoạch."),
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    source = models.TextField(
        _("nguồn"), blank=True, help_text=_("Văn bản, phụ lục, trang hoặc địa chỉ nơi có nội dung này.")
    )
    unverified = models.BooleanField(_("chưa đối chiếu"), default=False)
    # As Criterion.retired: kept for the scores it has, never counted.
    retired = models.BooleanField(_("không còn trong bộ tiêu chí"), default=False)
    note = models.TextField(_("ghi chú"), blank=True)

    history = HistoricalRecords()

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
    def needs_target(self) -> bool:
        """A numeric indicator is judged against a number; a yes/no one is met by "Đạt"."""
        return self.is_numeric

    @property
    def display_text(self) -> str:
        return _english_or(self.text_en, self.text)

    def target_for(self, commune: Commune, year: int, *, edition: Edition | None = None):
        """The target that applies to `commune` for `year`'s scores: the one function that
        picks it. The region is the commune's, or the one the set's rules in force
        (`edition`, default the set as in force today) assign to one of its classes;
        `resolve_target` then takes the most specific row. Uses the prefetched `targets`
        when present, so a page asks once for all."""
        if edition is None:
            edition = self.criterion.criteria_set.edition(year)
        return resolve_target(
            self.targets.all(),
            region=edition.region_of(commune),
            commune_group=commune.commune_group,
            year=year,
        )


class CriterionOwner(models.Model):
    """Which department owns a criterion (or one indicator of it) in one unit.

    A national set is shared by every district, so its owners cannot live on the
    set: each district (or, since 2025, each province) names its own. A row with
    an indicator overrides its criterion's owner for that indicator. The province's
    rows name its sở, ngành: they verify for communes outside any district and say
    which department appraises which criteria of every dossier of the province.
    """

    province = models.ForeignKey(
        Province, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("tỉnh")
    )
    district = models.ForeignKey(
        District,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("huyện"),
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.CASCADE, related_name="owners", verbose_name=_("tiêu chí")
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="owners",
        verbose_name=_("chỉ tiêu"),
        help_text=_("Để trống: cả tiêu chí."),
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="owned", verbose_name=_("phòng, ban, sở, ngành")
    )

    # Who owns what shows on the audit page.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phân công phụ trách tiêu chí")
        verbose_name_plural = _("phân công phụ trách tiêu chí")
        constraints = [
            models.CheckConstraint(
                condition=Q(province__isnull=False, district__isnull=True)
                | Q(province__isnull=True, district__isnull=False),
                name="criterion_owner_has_one_unit",
            ),
            models.UniqueConstraint(
                fields=["district", "criterion"],
                condition=Q(district__isnull=False, indicator__isnull=True),
                name="criterion_owner_unique_in_district",
            ),
            models.UniqueConstraint(
                fields=["district", "indicator"],
                condition=Q(district__isnull=False, indicator__isnull=False),
                name="indicator_owner_unique_in_district",
            ),
            models.UniqueConstraint(
                fields=["province", "criterion"],
                condition=Q(province__isnull=False, indicator__isnull=True),
                name="criterion_owner_unique_in_province",
            ),
            models.UniqueConstraint(
                fields=["province", "indicator"],
                condition=Q(province__isnull=False, indicator__isnull=False),
                name="indicator_owner_unique_in_province",
            ),
        ]

    def __str__(self):
        what = self.indicator.code if self.indicator_id else self.criterion.number
        return f"{self.district or self.province}: {what} → {self.department}"


def resolve_target(targets, *, region: str = "", commune_group: str = "", year: int | None = None):
    """Pick from `targets` (of one indicator) the one that applies, or None.

    Most specific first: a target for a range of years that contains `year` beats one
    for every year, the narrower range the wider; then a target for the region or
    commune group beats the general one.
    """

    def rank(target):
        if not target.covers_year(year):
            return None
        if target.region and target.region != region:
            return None
        if target.commune_group and target.commune_group != commune_group:
            return None
        dated = target.from_year is not None or target.to_year is not None
        span = (target.to_year or MAX_YEAR) - (target.from_year or MIN_YEAR)
        return (dated, -span, bool(target.region or target.commune_group))

    ranked = [(r, t) for t in targets if (r := rank(t)) is not None]
    return max(ranked, key=lambda pair: pair[0])[1] if ranked else None


def overlapping_targets(targets) -> list[tuple]:
    """Pairs (earlier, later) of targets of one indicator, for the same region and group,
    that would tie for the same score: two for every year, or two ranges of years that
    overlap (a range beats the target for every year, so those two never tie).
    `targets` are objects or dicts with region, commune_group, from_year and to_year."""

    def get(target, name):
        return target[name] if isinstance(target, dict) else getattr(target, name)

    pairs = []
    seen = []
    for target in targets:
        dated = get(target, "from_year") is not None or get(target, "to_year") is not None
        scope = (get(target, "region"), get(target, "commune_group"), dated)
        first, last = get(target, "from_year") or MIN_YEAR, get(target, "to_year") or MAX_YEAR
        for other, other_scope, other_first, other_last in seen:
            if scope == other_scope and first <= other_last and other_first <= last:
                pairs.append((other, target))
                break
        seen.append((target, scope, first, last))
    return pairs


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
    # The years whose scores the target judges; empty: from the first, or to the last.
    from_year = models.PositiveSmallIntegerField(_("từ năm"), null=True, blank=True)
    to_year = models.PositiveSmallIntegerField(_("đến năm"), null=True, blank=True)
    value = models.CharField(
        _("mức đạt chuẩn"), max_length=200, help_text=_("Ví dụ: ≥80%, Đạt, Không, ≥2 m²/người.")
    )
    # The number in `value`, kept by save() so numeric scores compare to it.
    threshold = models.DecimalField(_("ngưỡng"), max_digits=14, decimal_places=4, null=True, blank=True)
    source = models.TextField(_("nguồn"), blank=True)
    unverified = models.BooleanField(_("chưa đối chiếu"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "from_year", "to_year", "region", "commune_group"]
        verbose_name = _("mức đạt chuẩn")
        verbose_name_plural = _("mức đạt chuẩn")
        constraints = [
            models.CheckConstraint(
                condition=Q(region="") | Q(commune_group=""),
                name="target_by_region_or_group_not_both",
            ),
            models.CheckConstraint(
                condition=Q(from_year__isnull=True)
                | Q(to_year__isnull=True)
                | Q(to_year__gte=F("from_year")),
                name="target_years_in_order",
            ),
            models.UniqueConstraint(
                "indicator",
                "region",
                "commune_group",
                Coalesce("from_year", Value(0)),
                Coalesce("to_year", Value(0)),
                name="target_unique_per_scope_and_years",
            ),
        ]

    def __str__(self):
        return f"{self.indicator.code}: {self.value} ({self.scope_label})"

    def save(self, *args, **kwargs):
        self.threshold = parse_threshold(self.value)
        super().save(*args, **kwargs)

    def covers_year(self, year: int | None) -> bool:
        if self.from_year is None and self.to_year is None:
            return True
        if year is None:
            return False
        return (self.from_year or MIN_YEAR) <= year <= (self.to_year or MAX_YEAR)

    @property
    def years_label(self) -> str:
        """ "2024", "2022–2025", "từ 2024", "đến 2023" or ""."""
        first, last = self.from_year, self.to_year
        if first is None and last is None:
            return ""
        if first == last:
            return str(first)
        if last is None:
            return _("từ %(year)s") % {"year": first}
        if first is None:
            return _("đến %(year)s") % {"year": last}
        return f"{first}–{last}"

    @property
    def scope_label(self) -> str:
        if self.region:
            label = self.get_region_display()
        elif self.commune_group:
            label = self.get_commune_group_display()
        else:
            label = str(_("Chung"))
        years = self.years_label
        return f"{label}, {years}" if years else label


# What a region rule and an amendment say (what a copy or a reloaded file compares).
RULE_FIELDS = ("commune_class", "region", "from_date", "decision", "source")
AMENDMENT_FIELDS = ("decision", "effective_on", "text", "kind", "unit", "source", "unverified")


class RegionRule(models.Model):
    """From a date, communes of a class are judged by another region's targets
    ("Áp dụng mức vùng"; QĐ 211/QĐ-TTg, 01/3/2024: xã KV-II, KV-III, bãi ngang, hải
    đảo, ATK → Trung du miền núi phía Bắc). A rule of one set, never of the commune."""

    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.CASCADE, related_name="region_rules", verbose_name=_("bộ tiêu chí")
    )
    commune_class = models.CharField(_("phân loại xã"), max_length=20, choices=CommuneClass)
    region = models.CharField(_("áp dụng mức của vùng"), max_length=10, choices=Region)
    from_date = models.DateField(_("từ ngày"))
    decision = models.CharField(_("văn bản"), max_length=200, blank=True)
    source = models.TextField(_("nguồn"), blank=True)

    # A rule changes which targets apply: a new data version (reports/grid.py).
    history = HistoricalRecords()

    class Meta:
        ordering = ["criteria_set", "from_date", "commune_class"]
        verbose_name = _("quy tắc áp dụng mức vùng")
        verbose_name_plural = _("quy tắc áp dụng mức vùng")
        constraints = [
            models.UniqueConstraint(
                fields=["criteria_set", "commune_class", "from_date"], name="region_rule_unique_per_day"
            ),
        ]

    def __str__(self):
        return f"{self.get_commune_class_display()} → {self.region} ({self.from_date:%d/%m/%Y})"


class Amendment(models.Model):
    """From its effective date, an indicator reads and is judged by a new text, kind or
    unit (an empty one is unchanged); the scores of earlier years keep the old ones."""

    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.CASCADE, related_name="amendments", verbose_name=_("bộ tiêu chí")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="amendments", verbose_name=_("chỉ tiêu")
    )
    decision = models.CharField(_("văn bản"), max_length=200)
    effective_on = models.DateField(_("ngày hiệu lực"))
    text = models.TextField(_("nội dung mới"), blank=True)
    kind = models.CharField(_("loại mới"), max_length=20, choices=Indicator.Kind, blank=True)
    unit = models.CharField(_("đơn vị mới"), max_length=50, blank=True)
    source = models.TextField(_("nguồn"), blank=True)
    unverified = models.BooleanField(_("chưa đối chiếu"), default=False)

    # An amendment changes how an indicator is judged: a new data version.
    history = HistoricalRecords()

    class Meta:
        ordering = ["effective_on", "indicator__criterion__number", "indicator__order", "pk"]
        verbose_name = _("sửa đổi chỉ tiêu")
        verbose_name_plural = _("sửa đổi chỉ tiêu")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "effective_on"], name="amendment_unique_per_day"),
            models.CheckConstraint(
                condition=~Q(text="") | ~Q(kind="") | ~Q(unit=""), name="amendment_changes_something"
            ),
        ]

    def __str__(self):
        return f"{self.decision}: {self.indicator.code} ({self.effective_on:%d/%m/%Y})"


# What Score.value_number can hold: 10 digits before the decimal point, 4 after.
VALUE_STEP, VALUE_LIMIT = Decimal("0.0001"), Decimal(10) ** 10
# What a department verifies: a change of any of these voids its verification.
RESULT_FIELDS = ("value_number", "value_text", "status")


def computed_status(kind: str, value_number: Decimal | None, target: IndicatorTarget | None) -> str | None:
    """Met or not met, from a numeric value and its target; None when the indicator is
    not numeric, has no value, or the target has no number."""
    if kind not in (Indicator.Kind.NUMERIC_MIN, Indicator.Kind.NUMERIC_MAX) or value_number is None:
        return None
    if target is None or target.threshold is None:
        return None
    met = (
        value_number <= target.threshold
        if kind == Indicator.Kind.NUMERIC_MAX
        else value_number >= target.threshold
    )
    return Score.Status.MET if met else Score.Status.NOT_MET


def judged_status(*, status: str, override_reason: str, computed: str | None) -> str:
    """The status a score is shown and counted with: the one that follows from its value
    and the target in force for its year, unless a person overrode it with a reason or
    found it not applicable. So a target loaded, or amended, after a score was entered
    judges it, as the wording in force for its year describes it."""
    if computed is None or override_reason or status == Score.Status.NOT_APPLICABLE:
        return status
    return computed


class Score(models.Model):
    """One indicator's value and result for a commune (or a village) in a year."""

    class Status(models.TextChoices):
        MET = "met", _("Đạt")
        NOT_MET = "not_met", _("Chưa đạt")
        # An informal label used in meetings: shown, but counted as not met.
        BASICALLY_MET = "basically_met", _("Cơ bản đạt")
        NOT_APPLICABLE = "not_applicable", _("Không áp dụng")
        NOT_ASSESSED = "not_assessed", _("Chưa đánh giá")

    class Verification(models.TextChoices):
        PENDING = "pending", _("Chờ thẩm tra")
        VERIFIED = "verified", _("Đã thẩm tra, xác nhận")
        REJECTED = "rejected", _("Không xác nhận")

    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="scores", verbose_name=_("chỉ tiêu")
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="scores", verbose_name=_("xã")
    )
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scores",
        verbose_name=_("thôn"),
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    value_number = models.DecimalField(_("giá trị"), max_digits=14, decimal_places=4, null=True, blank=True)
    value_text = models.CharField(_("giá trị (chữ)"), max_length=500, blank=True)
    status = models.CharField(
        _("kết quả tự đánh giá"), max_length=20, choices=Status, default=Status.NOT_ASSESSED
    )
    # Non-empty when a person set a status other than the one computed from the value.
    override_reason = models.TextField(_("lý do điều chỉnh kết quả"), blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người nhập"),
    )
    entered_at = models.DateTimeField(_("thời điểm nhập"), null=True, blank=True)
    # Non-empty when the district entered the commune's result for it ("thay mặt xã").
    on_behalf_reason = models.TextField(_("lý do nhập thay xã"), blank=True)
    verification = models.CharField(
        _("thẩm tra"), max_length=20, choices=Verification, default=Verification.PENDING
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người thẩm tra"),
    )
    verified_at = models.DateTimeField(_("thời điểm thẩm tra"), null=True, blank=True)
    verification_comment = models.TextField(_("ý kiến thẩm tra"), blank=True)
    # Incremented on every save; a form posted with an older version is stale.
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["commune", "year", "indicator"]
        verbose_name = _("kết quả chỉ tiêu")
        verbose_name_plural = _("kết quả chỉ tiêu")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "commune", "year"],
                condition=Q(village__isnull=True),
                name="score_unique_per_commune_year",
            ),
            models.UniqueConstraint(
                fields=["indicator", "village", "year"],
                condition=Q(village__isnull=False),
                name="score_unique_per_village_year",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=MIN_YEAR) & Q(year__lte=MAX_YEAR), name="score_year_plausible"
            ),
        ]
        indexes = [
            models.Index(fields=["commune", "year"], name="score_commune_year"),
            # The newest year of each indicator in one index step: see latest_year().
            models.Index(fields=["indicator", "year"], name="score_indicator_year"),
        ]

    def __str__(self):
        return f"{self.commune} {self.year} {self.indicator.code}: {self.get_status_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version += 1
        super().save(*args, **kwargs)

    def clean(self):
        if self.village_id and self.village.commune_id != self.commune_id:
            raise ValidationError({"village": _("Thôn không thuộc xã này.")})

    @classmethod
    def latest_year(cls, criteria_set) -> int | None:
        """The newest year with a score of the set (one query). It asks each of the set's
        indicators for its newest year through the (indicator, year) index, so it costs
        what the set has, not a scan of every commune's scores."""
        newest = cls.objects.filter(indicator=OuterRef("pk")).order_by("-year").values("year")[:1]
        return (
            Indicator.objects.filter(criterion__criteria_set=criteria_set)
            .annotate(newest=Subquery(newest))
            .aggregate(latest=Max("newest"))["latest"]
        )

    def computed_status(self, target: IndicatorTarget | None) -> str | None:
        """The status that follows from the value and `target`, or None when the
        indicator is not numeric, has no value, or has no numeric target."""
        return computed_status(self.indicator.kind, self.value_number, target)

    def judged_status(self, target: IndicatorTarget | None) -> str:
        """The status shown for this score, judged by `target` and the indicator as in
        force for its year (`self.indicator` is that version): see `judged_status`."""
        return judged_status(
            status=self.status,
            override_reason=self.override_reason,
            computed=self.computed_status(target),
        )

    def assess(
        self,
        *,
        value_number: Decimal | None,
        value_text: str,
        status: str,
        reason: str,
        target: IndicatorTarget | None,
    ) -> None:
        """Set value and status by the programme's rules, or raise ValidationError.

        - A numeric value is compared with the target; an empty status takes
          the computed one.
        - A status other than the computed one needs a written reason.
        - "Không áp dụng" only for indicators marked "nếu có".
        Errors are keyed by the field they belong to, so forms show them there.
        """
        indicator = self.indicator
        errors: dict[str, str] = {}
        if indicator.is_numeric and value_text:
            errors["value_number"] = _("Chỉ tiêu %(code)s cần giá trị là số.") % {"code": indicator.code}
        if value_number is not None:
            if not value_number.is_finite() or abs(value_number) >= VALUE_LIMIT:
                errors["value_number"] = _("Giá trị quá lớn hoặc không phải là số.")
                value_number = None
            else:
                value_number = value_number.quantize(VALUE_STEP)
        if status == self.Status.NOT_APPLICABLE and not indicator.conditional:
            errors["status"] = _(
                "Chỉ tiêu %(code)s không phải chỉ tiêu “nếu có”, không thể đánh giá “Không áp dụng”."
            ) % {"code": indicator.code}
        self.value_number, self.value_text = value_number, value_text
        computed = self.computed_status(target)
        if not status:
            if computed is not None:
                status = computed
            elif value_number is not None or value_text:
                errors.setdefault(
                    "status",
                    _("Chưa có mức đạt chuẩn để tự tính kết quả chỉ tiêu %(code)s; hãy chọn kết quả.")
                    % {"code": indicator.code},
                )
            else:
                status = self.Status.NOT_ASSESSED
        overridden = computed is not None and status not in (computed, self.Status.NOT_APPLICABLE)
        if overridden and not reason.strip():
            errors["override_reason"] = _(
                "Kết quả tính từ giá trị là “%(computed)s”. Muốn ghi “%(status)s” phải nêu lý do."
            ) % {"computed": self.Status(computed).label, "status": self.Status(status).label}
        if errors:
            raise ValidationError(errors)
        self.status = status
        self.override_reason = reason.strip() if overridden else ""

    def void_verification_if_result_changed(self, before: Score | None) -> bool:
        """The department verified the value and result it saw: when they change, its
        verification no longer holds. `before` is the score as stored, None for a new one.

        The one home of this rule: the entry page, the imports and the admin call it.
        """
        if before is not None and all(getattr(before, name) == getattr(self, name) for name in RESULT_FIELDS):
            return False
        self.verification = self.Verification.PENDING
        self.verified_by, self.verified_at, self.verification_comment = None, None, ""
        return True

    def applicable_target(self) -> IndicatorTarget | None:
        return self.indicator.target_for(self.commune, self.year)

    @property
    def value_display(self) -> str:
        """The value as the page's language writes numbers: "85,5" or "85.5"."""
        if self.value_number is not None:
            return formats.number_format(self.value_number.normalize())
        return self.value_text

    @property
    def value_in_file(self) -> str:
        """The value as the files write it, in Vietnamese whatever the page's language."""
        if self.value_number is not None:
            return format_number(self.value_number)
        return self.value_text


def format_number(value: Decimal) -> str:
    """85.5000 -> "85,5"; 100.0000 -> "100" (Vietnamese decimal comma, as in the files)."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


class Registration(models.Model):
    """A commune's registration of the year it aims to meet a set ("đăng ký về đích")."""

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("xã")
    )
    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("bộ tiêu chí")
    )
    target_year = models.PositiveSmallIntegerField(_("năm đăng ký về đích"))
    registered_on = models.DateField(_("ngày đăng ký"))
    confirmed_on = models.DateField(_("ngày huyện xác nhận"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người xác nhận"),
    )
    note = models.TextField(_("ghi chú"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["commune", "criteria_set", "-target_year"]
        verbose_name = _("đăng ký về đích")
        verbose_name_plural = _("đăng ký về đích")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "criteria_set", "target_year"], name="registration_unique_per_year"
            ),
            models.CheckConstraint(
                condition=Q(confirmed_on__isnull=True) | Q(confirmed_on__gte=models.F("registered_on")),
                name="registration_confirmed_after_registered",
            ),
        ]

    def __str__(self):
        return f"{self.commune} — {self.criteria_set.code} — {self.target_year}"


class Recognition(models.Model):
    """The provincial decision recognising that a commune meets a set, and its revocation."""

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="recognitions", verbose_name=_("xã")
    )
    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.PROTECT, related_name="recognitions", verbose_name=_("bộ tiêu chí")
    )
    decision_number = models.CharField(_("số quyết định"), max_length=100)
    decided_on = models.DateField(_("ngày quyết định"))
    signer = models.CharField(_("người ký"), max_length=200, blank=True)
    revoked_on = models.DateField(_("ngày thu hồi"), null=True, blank=True)
    revocation_reason = models.TextField(_("lý do thu hồi"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["commune", "criteria_set", "-decided_on"]
        verbose_name = _("quyết định công nhận")
        verbose_name_plural = _("quyết định công nhận")
        constraints = [
            # One decision is recorded once for a commune and set, however often the form is sent.
            models.UniqueConstraint(
                fields=["commune", "criteria_set", "decision_number"], name="recognition_decision_unique"
            ),
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | ~Q(revocation_reason=""),
                name="recognition_revocation_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | Q(revoked_on__gte=models.F("decided_on")),
                name="recognition_revoked_after_decided",
            ),
        ]

    def __str__(self):
        return f"{self.commune} — {self.criteria_set.code} — {self.decision_number}"

    def is_in_force(self, on) -> bool:
        return self.decided_on <= on and (self.revoked_on is None or self.revoked_on > on)


def _upload_path(upload, filename) -> str:
    # Not the user's file name: it is kept in `original_name`, for messages. The
    # extension is the one the import gave (rows kept as .csv, a workbook as .xlsx).
    extension = ".xlsx" if filename.endswith(".xlsx") else ".csv"
    return f"imports/{uuid.uuid4().hex}{extension}"


class ImportUploadQuerySet(models.QuerySet):
    def claim(self, *, pk: int, user, kind: str) -> ImportUpload | None:
        """The upload, claimed for its one import; None when it was claimed already,
        has expired, or is someone else's.

        One UPDATE decides: of two confirmations sent at once, only one claims it.
        """
        now = timezone.now()
        claimed = self.filter(
            pk=pk, kind=kind, uploaded_by=user, claimed_at=None, uploaded_at__gte=now - ImportUpload.LIFETIME
        ).update(claimed_at=now)
        return self.get(pk=pk) if claimed else None

    def stale(self):
        """Uploads nobody will import: expired previews, and claims whose import died."""
        return self.filter(uploaded_at__lt=timezone.now() - ImportUpload.LIFETIME)


class ImportUpload(models.Model):
    """A checked spreadsheet kept between its preview and its confirmation.

    The file holds the rows the preview read, as UTF-8 CSV text, so confirming
    re-checks them against the database without reading the workbook again.
    `manage.py clear_import_uploads` removes what nobody confirmed.
    """

    class Kind(models.TextChoices):
        SCORES = "scores", _("Kết quả chỉ tiêu")
        CRITERIA = "criteria", _("Tệp bộ tiêu chí")
        UNITS = "units", _("Tệp danh mục đơn vị")

    # How long a preview may be confirmed.
    LIFETIME = datetime.timedelta(hours=24)

    kind = models.CharField(_("loại"), max_length=20, choices=Kind)
    file = models.FileField(_("tệp"), upload_to=_upload_path)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("người tải lên")
    )
    uploaded_at = models.DateTimeField(_("thời điểm tải lên"), default=timezone.now)
    claimed_at = models.DateTimeField(_("thời điểm xác nhận nhập"), null=True, blank=True)

    objects = ImportUploadQuerySet.as_manager()

    class Meta:
        verbose_name = _("tệp chờ xác nhận nhập")
        verbose_name_plural = _("tệp chờ xác nhận nhập")

    def __str__(self):
        return self.original_name

    def discard(self) -> None:
        """Remove the row, and its file once the removal is committed."""
        name, storage = self.file.name, self.file.storage
        self.delete()
        transaction.on_commit(lambda: storage.delete(name))


# What a set says about how communes are judged: its criteria and indicators (added,
# changed or retired), their targets, its kinds of unit, its region rules, its
# amendments. Each change is a new data version (reports/grid.py).
SET_RULES = (Criterion, Indicator, IndicatorTarget, CriteriaSet, RegionRule, Amendment)
