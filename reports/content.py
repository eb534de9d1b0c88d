"""What each report says, assembled from criteria.standing and dossiers.progress.

A report derives nothing itself: standings, registrations, recognitions and
dossier progress come from the functions the dashboard and the dossier pages use,
so a printed number is the number on the screen. A report is built once and then
rendered three ways — the preview page, the PDF (pdf.py) and the workbook
(xlsx.py) — so the three cannot disagree either.

Building costs a fixed number of queries whatever the number of communes.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from types import SimpleNamespace
from typing import ClassVar

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from communes.models import Commune, Department, District, Province
from criteria.completeness import is_unchecked
from criteria.models import CriteriaSet, Criterion, Score
from criteria.owners import Ownership, ownership_for, ownership_in, unit_of
from criteria.standing import (
    CommuneRow,
    DistrictSummary,
    Standing,
    commune_rows,
    criteria_tree,
    units_in_scope,
    village_standings,
)
from dossiers.models import Dossier, Transition
from dossiers.progress import DossierProgress, progress_of, with_progress_data
from ntm.lib.text import fold

from .charts import BAND_COLOURS, criteria_met_charts
from .levels import Tile, group_of, group_tiles, province_of, province_tiles
from .models import ReportKind, SignatureBlock

Status = Score.Status


# --- The document's frame: Nghị định 30/2020/NĐ-CP -----------------------------------


@dataclass(frozen=True)
class Letterhead:
    """The issuing body (top left), the place on the date line and who signs."""

    parent: str
    body: str
    place: str
    unit: District | Province | None = None

    @cached_property
    def signature(self) -> SignatureBlock:
        """Looked up when a document prints it (1 query): workbooks have no signature."""
        return SignatureBlock.for_unit(self.unit) if self.unit is not None else SignatureBlock()


# A unit's name that already says what kind of unit it is ("Thành phố Thanh Hóa").
UNIT_WORDS = ("huyen ", "quan ", "thi xa ", "thanh pho ", "tinh ")


def _people_committee(unit_word: str, name: str) -> str:
    """ "UBND HUYỆN TRIỆU SƠN"."""
    unit = name if fold(name).startswith(UNIT_WORDS) else f"{unit_word} {name}"
    return _("UBND %(unit)s") % {"unit": unit.upper()}


def letterhead_for_unit(unit: District | Province | None) -> Letterhead:
    """The letterhead of the steering committee of a district or a province."""
    # The steering committee issues every report the programme takes to meetings.
    body = _("BAN CHỈ ĐẠO CÁC CHƯƠNG TRÌNH MTQG")
    if unit is None:
        return Letterhead("", body, "")
    unit_word = _("HUYỆN") if isinstance(unit, District) else _("TỈNH")
    return Letterhead(_people_committee(unit_word, unit.name), body, unit.name, unit)


def letterhead_for(communes) -> Letterhead:
    """The district's letterhead when every commune is in one district, else the province's
    (since 2025 communes may hang directly under a province)."""
    districts = {c.district for c in communes}
    provinces = {c.province for c in communes}
    if len(districts) == 1 and None not in districts:
        return letterhead_for_unit(next(iter(districts)))
    if len(provinces) == 1:
        return letterhead_for_unit(next(iter(provinces)))
    return letterhead_for_unit(None)


def date_line(place: str, day: datetime.date) -> str:
    """ "Triệu Sơn, ngày 02 tháng 11 năm 2018".

    Nghị định 30/2020 pads days below 10 and the months 1 and 2 with a zero, so
    nobody can add a digit in front by hand.
    """
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    text = _("ngày %(day)s tháng %(month)s năm %(year)s") % {
        "day": f"{day.day:02d}",
        "month": month,
        "year": day.year,
    }
    return f"{place}, {text}" if place else text[:1].upper() + text[1:]


def short_date(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def criteria_label(standing: Standing) -> str:
    """The criteria a commune has not met, by number: "2, 11, 13, 17*, (5)".

    "Cơ bản đạt" counts as not met but is marked (*); a criterion with indicators
    not assessed yet is put in brackets. The reports' legend says so.
    """
    parts = []
    for result in standing.unmet_criteria:
        number = str(result.criterion.number)
        if result.status == Status.BASICALLY_MET:
            number += "*"
        elif result.status == Status.NOT_ASSESSED:
            number = f"({number})"
        parts.append(number)
    return ", ".join(parts)


def _spaced_percent(text: str) -> str:
    """ "100%" -> "100 %", as Vietnamese documents set a percentage."""
    return re.sub(r"(\d)\s*%", r"\1 %", text)


def value_against_target(result) -> str:
    """What an unmet indicator reached against what it must reach: "81,4 % / 100 %".

    A yes/no indicator without a value shows its result instead ("Chưa đạt / Đạt");
    a missing side is a dash.
    """
    score = result.score
    value = score.value_display if score is not None else ""
    if value and result.indicator.unit:
        value = f"{value} {result.indicator.unit}"
    value = _spaced_percent(value) if value else result.get_status_display()
    return f"{value} / {_spaced_percent(result.target_label)}"


# --- Reports -----------------------------------------------------------------------


@dataclass(kw_only=True)
class Report:
    """What every report has: its parameters, its frame and the communes it shows."""

    kind: ClassVar[str]
    template: ClassVar[str]
    landscape: ClassVar[bool] = False

    criteria_set: CriteriaSet
    year: int
    as_of: datetime.date | None = None
    letterhead: Letterhead
    issued_on: datetime.date = field(default_factory=timezone.localdate)
    #: Whether the set has texts or targets not checked against the official text: the
    #: report then says so once, under its title.
    unchecked: bool = False
    #: A province or group asked for (`?province=`, `?group=`) that is not in the scope:
    #: the whole report is shown, and the preview says why.
    notice: str = ""

    @property
    def document_type(self) -> str:
        return _("BÁO CÁO")

    # The abbreviation of the document kind in its number ("Số: /BC-BCĐ").
    document_code: ClassVar[str] = "BC"

    @property
    def data_date(self) -> datetime.date:
        """The day the numbers stand at: `as_of`, or today for current data."""
        return self.as_of or self.issued_on

    @property
    def date_line(self) -> str:
        return date_line(self.letterhead.place, self.issued_on)

    @property
    def data_date_line(self) -> str:
        return _("Số liệu tính đến ngày %(date)s") % {"date": short_date(self.data_date)}

    @property
    def basis(self) -> str:
        if not self.criteria_set.legal_basis:
            return self.criteria_set.display_name
        return _("%(name)s ban hành kèm theo Quyết định số %(basis)s") % {
            "name": self.criteria_set.display_name,
            "basis": self.criteria_set.legal_basis,
        }

    @property
    def unchecked_note(self) -> str:
        if not self.unchecked:
            return ""
        return _(
            "Một số nội dung, mức đạt chuẩn của bộ tiêu chí chưa được đối chiếu với văn bản gốc; "
            "danh sách ở mục “Độ đầy đủ” của bộ tiêu chí."
        )

    @property
    def tier(self) -> str:
        label = self.criteria_set.get_tier_display()
        return label[:1].lower() + label[1:]

    @property
    def parameters(self) -> dict:
        """The query that rebuilds this report; kept with every snapshot."""
        return {
            "set": self.criteria_set.code,
            "year": self.year,
            "as_of": self.as_of.isoformat() if self.as_of else None,
        }

    @property
    def query(self) -> str:
        return urlencode({k: v for k, v in self.parameters.items() if v is not None and k != "commune"})

    @property
    def communes(self) -> list[Commune]:
        raise NotImplementedError

    @property
    def file_stem(self) -> str:
        return f"{self.kind}-{self.criteria_set.code}-{self.year}-{self.data_date:%Y%m%d}".lower()


@dataclass
class CriterionTally:
    """How many of the assessed communes meet one criterion, and which do not."""

    criterion: Criterion
    met: int
    assessed: int
    unmet_communes: list[Commune]
    department: Department | None = None

    @property
    def share(self) -> float:
        return self.met / self.assessed if self.assessed else 0.0


def group_heading(commune: Commune) -> str:
    """What a report calls the group of `commune` (levels.group_of): "huyện Triệu Sơn cũ"
    for a former district (districts ended on 01/7/2025), the group's name otherwise."""
    district = commune.district
    if district is None:
        return group_of(commune)[1]
    name = district.name if fold(district.name).startswith(UNIT_WORDS) else f"{_('huyện')} {district.name}"
    return _("%(district)s cũ") % {"district": name}


def meets_set_count(summary: DistrictSummary) -> int:
    """Communes meeting every criterion of the set."""
    return sum(1 for row in summary.rows if row.standing.meets_set)


@dataclass
class LevelLine:
    """A province's or a group's row in a report, and its annex."""

    number: int
    tile: Tile
    # The query parameter that narrows a report to it: "province" or "group".
    parameter: str

    @property
    def summary(self) -> DistrictSummary:
        return self.tile.summary

    @property
    def name(self) -> str:
        return self.tile.name

    @property
    def meets_set_count(self) -> int:
        return meets_set_count(self.summary)

    @property
    def annex_title(self) -> str:
        """ "Phụ lục 1: Huyện Triệu Sơn cũ"."""
        return _("Phụ lục %(number)s: %(group)s") % {
            "number": self.number,
            "group": capfirst(group_heading(self.tile.rows[0].commune)),
        }


@dataclass(kw_only=True)
class DistrictReport(Report):
    """Every commune's standing, the district's totals and the criteria holding it back."""

    kind = ReportKind.DISTRICT
    template = "reports/print/district.html"
    landscape = True

    rows: list[CommuneRow]
    criteria: list[Criterion]
    # The owners of the district the report covers (none for several districts).
    ownership: Ownership | None = None
    # Units in the scope the set does not apply to (a thị trấn for a xã set): listed apart.
    outside: list[Commune] = field(default_factory=list)
    # The keys of levels.py the report was narrowed to within the user's scope, if any.
    province_key: str = ""
    group_key: str = ""
    # "huyện Triệu Sơn cũ", "nhóm 2": the group the report was narrowed to.
    group_name: str = ""

    @property
    def title(self) -> str:
        title = _("Tiến độ xây dựng xã %(tier)s năm %(year)s") % {"tier": self.tier, "year": self.year}
        if self.group_name:
            return _("%(title)s của các xã thuộc %(group)s") % {"title": title, "group": self.group_name}
        if self.provinces:
            return _("%(title)s, tổng hợp theo tỉnh") % {"title": title}
        return title

    @property
    def parameters(self) -> dict:
        narrowed = {"province": self.province_key, "group": self.group_key}
        return {**super().parameters, **{k: v for k, v in narrowed.items() if v}}

    @property
    def file_stem(self) -> str:
        narrowed = "-".join(key for key in (self.province_key, self.group_key) if key)
        return f"{super().file_stem}-{narrowed}" if narrowed else super().file_stem

    @cached_property
    def provinces(self) -> list[Tile]:
        """One tile per province when the report spans several: it is then summarised by
        province, with no commune table (a national one would have 3,321 rows)."""
        return province_tiles(self.rows, len(self.criteria))

    @cached_property
    def groups(self) -> list[Tile]:
        """One tile per group of a province's communes when they fall in several: the
        report then speaks for the province, with one annex per group."""
        return [] if self.provinces else group_tiles(self.rows, len(self.criteria))

    @cached_property
    def levels(self) -> list[LevelLine]:
        """The rows of the table by province or by group (none for a district-sized scope)."""
        parameter = "province" if self.provinces else "group"
        return [
            LevelLine(number, tile, parameter) for number, tile in enumerate(self.provinces or self.groups, 1)
        ]

    @property
    def annexes(self) -> list[LevelLine]:
        """A province's groups, each with its commune table on pages of its own."""
        return self.levels if self.groups else []

    @property
    def meets_set_count(self) -> int:
        return meets_set_count(self.summary)

    @property
    def communes(self) -> list[Commune]:
        return [row.commune for row in self.rows]

    @cached_property
    def summary(self) -> DistrictSummary:
        return DistrictSummary(all_rows=self.rows, criteria_total=len(self.criteria), outside=self.outside)

    @cached_property
    def tallies(self) -> list[CriterionTally]:
        assessed = self.summary.rows
        tallies = []
        for index, criterion in enumerate(self.criteria):
            unmet = [row.commune for row in assessed if not row.standing.criteria[index].met]
            department = self.ownership.of_criterion(criterion) if self.ownership else None
            tallies.append(
                CriterionTally(criterion, len(assessed) - len(unmet), len(assessed), unmet, department)
            )
        return tallies

    @cached_property
    def lagging_tallies(self) -> list[CriterionTally]:
        """The criteria most communes miss, the ones to discuss first."""
        return sorted(
            (t for t in self.tallies if t.unmet_communes), key=lambda t: (t.share, t.criterion.number)
        )

    @cached_property
    def charts(self) -> list[str]:
        if self.provinces:
            # A bar per commune of the country would be dozens of pages of charts.
            return []
        return criteria_met_charts(
            self.rows, criteria_total=len(self.criteria), average=self.summary.average_criteria
        )

    @property
    def chart_legend(self) -> list[tuple[str, str]]:
        """The bands' colours in the chart, with their labels ("15–18")."""
        return [
            (colour, label) for colour, (label, _count) in zip(BAND_COLOURS, self.summary.bands, strict=False)
        ]

    @property
    def indicators_total(self) -> int:
        return sum(len(c.indicators.all()) for c in self.criteria)


@dataclass(kw_only=True)
class CommuneReport(Report):
    """One commune: every criterion and indicator, the gaps with their owners, its villages."""

    kind = ReportKind.COMMUNE
    template = "reports/print/commune.html"

    commune: Commune
    row: CommuneRow | None
    village_results: list[tuple[CriteriaSet, list[Standing]]]
    ownership: Ownership = field(default_factory=Ownership)

    @property
    def covered(self) -> bool:
        """Whether the set applies to the commune: nobody gets a "xã NTM" report for a
        thị trấn."""
        return self.row is not None

    @property
    def title(self) -> str:
        return _("Kết quả thực hiện Bộ tiêu chí %(tier)s của %(kind)s %(name)s năm %(year)s") % {
            "tier": self.tier,
            "kind": self.commune.get_kind_display().lower(),
            "name": self.commune.name,
            "year": self.year,
        }

    @property
    def standing(self) -> Standing:
        return self.row.standing

    @property
    def communes(self) -> list[Commune]:
        return [self.commune] if self.covered else []

    @property
    def parameters(self) -> dict:
        return {**super().parameters, "commune": self.commune.code}

    @property
    def file_stem(self) -> str:
        return f"{self.commune.code}-{super().file_stem}"


@dataclass
class DossierLine:
    row: CommuneRow
    progress: DossierProgress | None

    @property
    def commune(self) -> Commune:
        return self.row.commune

    @property
    def incomplete_criteria(self) -> list[int]:
        """Numbers of the criteria whose file set is not complete yet."""
        if self.progress is None:
            return []
        return [i.item.criterion.number for i in self.progress.criterion_items if not i.complete]


@dataclass(kw_only=True)
class DossierReport(Report):
    """The meeting list of Triệu Sơn, 02/11/2018: for each commune, how far its dossier
    and the province's appraisal have got. Dossiers keep no history, so this report
    always shows current data."""

    kind = ReportKind.DOSSIERS
    template = "reports/print/dossiers.html"
    landscape = True

    document_code = "BTH"

    @property
    def document_type(self) -> str:
        return _("BIỂU TỔNG HỢP")

    lines: list[DossierLine]
    criteria_total: int
    # Steps a coordinator took past a gate, with the reason: the meeting must see them.
    overrides: list[Transition] = field(default_factory=list)

    @property
    def title(self) -> str:
        return _("Tiến độ hoàn thiện hồ sơ, thẩm định xét công nhận xã đạt chuẩn %(tier)s năm %(year)s") % {
            "tier": self.tier,
            "year": self.year,
        }

    @property
    def communes(self) -> list[Commune]:
        return [line.commune for line in self.lines]

    @property
    def groups(self) -> list[tuple[str, list[DossierLine]]]:
        """Communes aiming for this year first: they are what the meeting decides on."""
        aiming = [line for line in self.lines if line.row.registered_this_year]
        others = [line for line in self.lines if not line.row.registered_this_year]
        groups = [
            (_("Các xã đăng ký về đích năm %(year)s") % {"year": self.year}, aiming),
            (_("Các xã khác"), others),
        ]
        return [(label, lines) for label, lines in groups if lines]

    @property
    def opened_count(self) -> int:
        return sum(1 for line in self.lines if line.progress)

    @property
    def sent_count(self) -> int:
        """Dossiers sent to at least one provincial department."""
        return sum(1 for line in self.lines if line.progress and line.progress.sent_count)


# --- Building ------------------------------------------------------------------------


def scope_levels(communes) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The reports a scope divides into, as (key, name) by name, keys of levels.py: one
    per province when it spans several, else one per group of its province when there
    are several; ([], []) for a district-sized scope.

    A few queries whatever the number of communes: the distinct units of the scope's
    communes (from an index, without a join per commune), then the names of their
    provinces and, within one province, of their former districts."""
    units = list(communes.order_by().values_list("province_id", "district_id", "commune_group").distinct())
    provinces = _names(Province, {province_id for province_id, _district, _group in units})
    # A commune as levels.py reads it, without making one for each unit.
    levels = _by_name(province_of(SimpleNamespace(province=province)) for province in provinces.values())
    if levels:
        # Group keys repeat across provinces ("nhom-1"): groups only within one province.
        return levels, []
    districts = _names(District, {district_id for _province, district_id, _group in units} - {None})
    groups = (
        group_of(
            SimpleNamespace(district_id=district_id, district=districts.get(district_id), commune_group=group)
        )
        for _province, district_id, group in units
    )
    return [], _by_name(groups)


def _by_name(levels) -> list[tuple[str, str]]:
    """The distinct (key, name) of `levels` by name; none when they are all one."""
    found = dict(levels)
    return sorted(found.items(), key=lambda level: _folded_name(level[1])) if len(found) > 1 else []


# The same few hundred province and district names are sorted on every request.
_folded_name = lru_cache(maxsize=4096)(fold)


def _names(model, ids: set[int]) -> dict[int, SimpleNamespace]:
    """The code and name of each province or district of `ids`, by id."""
    rows = model.objects.filter(pk__in=ids).order_by().values_list("pk", "code", "name")
    return {pk: SimpleNamespace(code=code, name=name) for pk, code, name in rows}


def report_communes(communes, day: datetime.date):
    """The communes a district-wide report lists: those that exist on `day`, by name."""
    return list(communes.current(day).select_related("district", "province").order_by("search_name", "name"))


def narrowed(communes: list[Commune], key: str, *, by) -> list[Commune] | None:
    """The communes whose province or group (levels.province_of or group_of) is `key`;
    None when none is."""
    chosen = [c for c in communes if by(c)[0] == key]
    return chosen or None


def district_report(
    *,
    communes,
    criteria_set: CriteriaSet,
    year: int,
    as_of: datetime.date | None = None,
    province: str = "",
    group: str = "",
) -> DistrictReport:
    """`communes` is the scope, e.g. access_for(user).visible_communes(); `province` and
    `group` (keys of levels.py) narrow it to one province or one group of communes."""
    today = timezone.localdate()
    in_scope = report_communes(communes, as_of or today)
    notices, group_name = [], ""
    if province:
        if (chosen := narrowed(in_scope, province, by=province_of)) is None:
            notices.append(_("Không có tỉnh này trong phạm vi theo dõi; báo cáo gồm tất cả các tỉnh."))
            province = ""
        else:
            in_scope = chosen
    letterhead = letterhead_for(in_scope)
    if group:
        chosen = narrowed(in_scope, group, by=group_of)
        if chosen is None:
            notices.append(_("Không có nhóm xã này trong phạm vi theo dõi; báo cáo gồm tất cả các nhóm."))
            group = ""
        elif len({c.province_id for c in chosen}) > 1:
            notices.append(
                _("Nhóm xã này có ở nhiều tỉnh: hãy chọn một tỉnh trước; báo cáo gồm tất cả các nhóm.")
            )
            group = ""
        else:
            if len(chosen) < len(in_scope):
                # One group of a wider scope: since 01/7/2025 its province issues the report.
                letterhead = letterhead_for_unit(chosen[0].province)
            in_scope = chosen
            group_name = group_heading(chosen[0])
    communes, outside = units_in_scope(in_scope, criteria_set)
    criteria = criteria_tree(criteria_set)
    # Summary standings: a district list needs no indicator's detail.
    rows = commune_rows(
        communes, criteria_set=criteria_set, year=year, as_of=as_of, criteria=criteria, detail=False
    )
    units = {unit_of(c) for c in communes}
    return DistrictReport(
        criteria_set=criteria_set,
        year=year,
        as_of=as_of,
        letterhead=letterhead,
        issued_on=today,
        unchecked=is_unchecked(criteria, criteria_set.edition(year, as_of)),
        notice=" ".join(notices),
        rows=rows,
        criteria=criteria,
        ownership=ownership_in(units.pop(), criteria_set) if len(units) == 1 else None,
        outside=outside,
        province_key=province,
        group_key=group,
        group_name=group_name,
    )


def village_results(commune: Commune, villages, year: int, as_of: datetime.date | None):
    """Each village set in use in the commune that year, with every village's standing."""
    set_ids = (
        Score.objects.filter(commune=commune, village__isnull=False, year=year)
        .values_list("indicator__criterion__criteria_set", flat=True)
        .distinct()
    )
    results = []
    for village_set in CriteriaSet.objects.filter(pk__in=set_ids, level=CriteriaSet.Level.VILLAGE):
        standings = village_standings(villages, criteria_set=village_set, year=year, as_of=as_of)
        results.append((village_set, [standings[v.pk] for v in villages]))
    return results


def commune_report(
    *, commune: Commune, criteria_set: CriteriaSet, year: int, as_of: datetime.date | None = None
) -> CommuneReport:
    """`commune` comes from get_commune_for_user (or the command line), with its units
    loaded. A report with no row (`covered` false) when the set does not apply to it."""
    if not criteria_set.applies_to_unit(commune):
        return CommuneReport(
            criteria_set=criteria_set,
            year=year,
            as_of=as_of,
            letterhead=letterhead_for([commune]),
            commune=commune,
            row=None,
            village_results=[],
        )
    criteria = criteria_tree(criteria_set)
    (row,) = commune_rows([commune], criteria_set=criteria_set, year=year, as_of=as_of, criteria=criteria)
    villages = list(commune.villages.order_by("name"))
    for village in villages:
        village.commune = commune
    return CommuneReport(
        criteria_set=criteria_set,
        year=year,
        as_of=as_of,
        letterhead=letterhead_for([commune]),
        unchecked=is_unchecked(criteria, criteria_set.edition(year, as_of)),
        commune=commune,
        row=row,
        village_results=village_results(commune, villages, year, as_of),
        ownership=ownership_for(commune, criteria_set),
    )


def dossier_report(*, communes, criteria_set: CriteriaSet, year: int) -> DossierReport:
    today = timezone.localdate()
    communes, _outside = units_in_scope(report_communes(communes, today), criteria_set)
    criteria = criteria_tree(criteria_set)
    rows = commune_rows(communes, criteria_set=criteria_set, year=year, criteria=criteria, detail=False)
    dossiers = with_progress_data(
        Dossier.objects.filter(commune__in=[c.pk for c in communes], criteria_set=criteria_set, year=year)
    )
    progress = {p.dossier.commune_id: p for p in progress_of(dossiers)}
    overrides = (
        Transition.objects.filter(dossier__in=[p.dossier for p in progress.values()])
        .exclude(override_reason="")
        .select_related("dossier__commune", "actor")
        .order_by("dossier__commune__name", "at", "pk")
    )
    return DossierReport(
        criteria_set=criteria_set,
        year=year,
        letterhead=letterhead_for(communes),
        issued_on=today,
        unchecked=is_unchecked(criteria, criteria_set.edition(year)),
        lines=[DossierLine(row, progress.get(row.commune.pk)) for row in rows],
        criteria_total=len(criteria),
        overrides=list(overrides),
    )


def build_report(
    kind: str,
    *,
    communes,
    criteria_set: CriteriaSet,
    year: int,
    as_of: datetime.date | None = None,
    commune: Commune | None = None,
    province: str = "",
    group: str = "",
) -> Report:
    """The report of `kind` over the scope `communes` (or on `commune`), as the views and
    `manage.py render_report` ask for it."""
    if kind == ReportKind.COMMUNE:
        return commune_report(commune=commune, criteria_set=criteria_set, year=year, as_of=as_of)
    if kind == ReportKind.DOSSIERS:
        return dossier_report(communes=communes, criteria_set=criteria_set, year=year)
    return district_report(
        communes=communes, criteria_set=criteria_set, year=year, as_of=as_of, province=province, group=group
    )
