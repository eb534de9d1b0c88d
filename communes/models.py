"""Where things are and who works there: units, departments and memberships."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ntm.lib.text import fold


class Region(models.TextChoices):
    """The 7 socio-economic regions that 2016-2025 targets vary by."""

    TDMNPB = "TDMNPB", _("Trung du miền núi phía Bắc")
    DBSH = "DBSH", _("Đồng bằng sông Hồng")
    BTB = "BTB", _("Bắc Trung Bộ")
    DHNTB = "DHNTB", _("Duyên hải Nam Trung Bộ")
    TN = "TN", _("Tây Nguyên")
    DNB = "DNB", _("Đông Nam Bộ")
    DBSCL = "DBSCL", _("Đồng bằng sông Cửu Long")


class CommuneGroup(models.TextChoices):
    """The commune groups that 2026-2030 targets vary by (QĐ 51/2025)."""

    GROUP_1 = "1", _("Nhóm 1")
    GROUP_2 = "2", _("Nhóm 2")
    GROUP_3 = "3", _("Nhóm 3")


class CommuneClass(models.TextChoices):
    """Classes of communes that a criteria set may judge by another region's targets
    (its "Áp dụng mức vùng" rules, e.g. QĐ 211/QĐ-TTg of 01/3/2024)."""

    EXTREMELY_DIFFICULT = "dbkk", _("ĐBKK")
    ZONE_II = "kv2", _("KV-II")
    ZONE_III = "kv3", _("KV-III")
    COASTAL = "bai_ngang", _("Bãi ngang")
    ISLAND = "hai_dao", _("Hải đảo")
    SAFE_ZONE = "atk", _("ATK")


class SearchableName(models.Model):
    """A unit with a name that lists can search without diacritics."""

    name = models.CharField(_("tên"), max_length=200)
    # fold(name), kept by save(): "dan ly" must find "Dân Lý" on SQLite and
    # PostgreSQL alike, without database extensions.
    search_name = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.search_name = fold(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_name"}
        super().save(*args, **kwargs)


class Province(SearchableName):
    code = models.CharField(_("mã tỉnh"), max_length=10, unique=True)

    # Every change, with who made it; the newest is part of the dashboard's data version.
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("tỉnh")
        verbose_name_plural = _("tỉnh")

    def __str__(self):
        return self.name


class District(SearchableName):
    code = models.CharField(_("mã huyện"), max_length=10, unique=True)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="districts", verbose_name=_("tỉnh")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("huyện")
        verbose_name_plural = _("huyện")

    def __str__(self):
        return self.name


class CommuneQuerySet(models.QuerySet):
    def search(self, query: str):
        folded = fold(query)
        if not folded:
            return self
        return self.filter(Q(search_name__contains=folded) | Q(code__icontains=folded))

    def current(self, on=None):
        """Communes that exist on `on` (default: today), so merged ones drop out."""
        from django.utils import timezone

        on = on or timezone.localdate()
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=on),
            Q(valid_to__isnull=True) | Q(valid_to__gte=on),
        )


def classes_display(classes) -> str:
    """ "ĐBKK, ATK": a commune's classes (CommuneClass values), in the order of CommuneClass."""
    return ", ".join(str(label) for value, label in CommuneClass.choices if value in (classes or []))


class Commune(SearchableName):
    class Kind(models.TextChoices):
        COMMUNE = "xa", _("Xã")
        WARD = "phuong", _("Phường")
        TOWNSHIP = "thi_tran", _("Thị trấn")
        SPECIAL_ZONE = "dac_khu", _("Đặc khu")

    code = models.CharField(_("mã xã"), max_length=10, unique=True)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind, default=Kind.COMMUNE)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="communes", verbose_name=_("tỉnh")
    )
    # Optional: since 01/7/2025 communes hang directly under the province.
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="communes",
        null=True,
        blank=True,
        verbose_name=_("huyện"),
    )
    region = models.CharField(_("vùng"), max_length=10, choices=Region, blank=True)
    commune_group = models.CharField(_("nhóm xã"), max_length=1, choices=CommuneGroup, blank=True)
    # CommuneClass values. Which region's targets a class is judged by, and from
    # when, is a rule of each criteria set (RegionRule), never decided here.
    classes = models.JSONField(
        _("phân loại xã"),
        default=list,
        blank=True,
        help_text=_("ĐBKK, KV-II, KV-III, Bãi ngang, Hải đảo, ATK."),
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    predecessors = models.ManyToManyField(
        "self",
        symmetrical=False,
        related_name="successors",
        blank=True,
        verbose_name=_("các xã trước sáp nhập"),
    )

    objects = CommuneQuerySet.as_manager()
    # A region, class or group decides which targets judge the commune: a change must
    # reach every cached standing at once (reports/grid.py), and the audit says who made it.
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("xã")
        verbose_name_plural = _("xã")
        indexes = [
            # A province's communes by name, a page at a time (the reports index), read
            # in order instead of sorting the whole province for every page.
            models.Index(fields=["province", "search_name", "name"], name="commune_province_by_name"),
            # What the reports index counts and groups a province's communes by, read
            # from the index alone: those in force on a day, their former districts and
            # commune groups.
            models.Index(
                fields=["province", "district", "commune_group", "valid_from", "valid_to"],
                name="commune_province_units",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="commune_valid_to_after_valid_from",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("reports:scorecard", args=[self.code])

    def clean(self):
        unknown = set(self.classes or []) - set(CommuneClass.values)
        if unknown:
            raise ValidationError(
                {
                    "classes": _("Phân loại xã không hợp lệ: %(values)s.")
                    % {"values": ", ".join(sorted(map(str, unknown)))}
                }
            )

    def get_classes_display(self) -> str:
        return classes_display(self.classes)


class VillageQuerySet(models.QuerySet):
    def search(self, query: str):
        folded = fold(query)
        return self.filter(search_name__contains=folded) if folded else self


class Village(SearchableName):
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="villages", verbose_name=_("xã")
    )
    code = models.CharField(_("mã thôn"), max_length=20)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)

    objects = VillageQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["commune__name", "name"]
        verbose_name = _("thôn")
        verbose_name_plural = _("thôn")
        constraints = [
            models.UniqueConstraint(fields=["commune", "code"], name="village_code_unique_in_commune"),
        ]

    def __str__(self):
        return f"{self.name} ({self.commune.name})"


class DepartmentQuerySet(models.QuerySet):
    def appraising(self, *province_ids):
        """The provinces' departments (sở, ngành), which appraise their communes' dossiers."""
        return self.filter(level=Department.Level.PROVINCE, province_id__in=province_ids)


class Department(models.Model):
    class Level(models.TextChoices):
        DISTRICT = "district", _("Phòng, ban huyện")
        PROVINCE = "province", _("Sở, ngành tỉnh")

    name = models.CharField(_("tên"), max_length=200)
    short_name = models.CharField(_("tên viết tắt"), max_length=50)
    level = models.CharField(_("cấp"), max_length=10, choices=Level)
    # The unit the department serves: a district's phòng or a province's sở.
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="departments",
        verbose_name=_("tỉnh"),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="departments",
        verbose_name=_("huyện"),
    )

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        ordering = ["level", "name"]
        verbose_name = _("phòng, ban, sở, ngành")
        verbose_name_plural = _("phòng, ban, sở, ngành")
        constraints = [
            models.CheckConstraint(
                condition=Q(level="district", district__isnull=False, province__isnull=True)
                | Q(level="province", province__isnull=False, district__isnull=True),
                name="department_serves_unit_of_its_level",
            ),
            models.UniqueConstraint(
                fields=["district", "short_name"], name="department_short_name_unique_in_district"
            ),
            models.UniqueConstraint(
                fields=["province", "short_name"], name="department_short_name_unique_in_province"
            ),
        ]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A user's role on a unit. Access is derived from these rows only."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Văn phòng điều phối NTM")
        DEPARTMENT = "department", _("Phòng, ban chuyên môn")
        COMMUNE = "commune", _("Cán bộ xã")
        LEADER = "leader", _("Lãnh đạo")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("người dùng"),
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role)
    province = models.ForeignKey(
        Province, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("tỉnh")
    )
    district = models.ForeignKey(
        District, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("huyện")
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("xã")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("phòng, ban"),
    )

    # Who gave whom which role, and when it was taken away (the audit page).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phân quyền")
        verbose_name_plural = _("phân quyền")
        constraints = [
            # Exactly one unit.
            models.CheckConstraint(
                condition=Q(province__isnull=False, district__isnull=True, commune__isnull=True)
                | Q(province__isnull=True, district__isnull=False, commune__isnull=True)
                | Q(province__isnull=True, district__isnull=True, commune__isnull=False),
                name="membership_has_exactly_one_unit",
            ),
            # Commune officials work on a commune; the other roles on a district or province.
            models.CheckConstraint(
                condition=Q(role="commune", commune__isnull=False)
                | (~Q(role="commune") & Q(commune__isnull=True)),
                name="membership_commune_role_on_commune",
            ),
            # A department officer acts for exactly one department.
            models.CheckConstraint(
                condition=Q(role="department", department__isnull=False)
                | (~Q(role="department") & Q(department__isnull=True)),
                name="membership_department_role_has_department",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "province", "district", "commune", "department"],
                name="membership_unique",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.unit}"

    @property
    def unit(self):
        return self.commune or self.district or self.province


# The units, each with its history: a change to any of them is a new data version of
# what is drawn from them (reports/grid.py).
UNITS = (Province, District, Commune, Village)
