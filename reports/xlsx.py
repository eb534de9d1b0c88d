"""Reports as Excel workbooks, with the numbers of the PDF.

Each workbook opens on a sheet with the report's title, its parameters and the
date its numbers stand at, then one header row and the data. Counts are numbers,
not text, so the office can sum and sort them; the header says what they count
out of ("Tiêu chí đạt (/19)"). Built from the same report object as the PDF.
"""

from __future__ import annotations

import io
import re

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from criteria.standing import DistrictSummary
from ntm.lib.spreadsheets import neutralise

from .content import CommuneReport, DistrictReport, DossierReport, criteria_label, short_date

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="E9E9E9")
GROUP_FILL = PatternFill("solid", fgColor="F3F3F3")
WRAP = Alignment(wrap_text=True, vertical="top")
CENTRE = Alignment(horizontal="center", vertical="top", wrap_text=True)
# Excel refuses these in a sheet's name, and names over 31 characters.
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_LENGTH = 31


def sheet_name(text: str, taken: list[str]) -> str:
    """A name Excel accepts for a sheet, unlike any in `taken` (compared as Excel does,
    ignoring case)."""
    name = SHEET_NAME_FORBIDDEN.sub(" ", text).strip()[:SHEET_NAME_LENGTH].strip() or "Sheet"
    taken = {t.casefold() for t in taken}
    candidate, number = name, 1
    while candidate.casefold() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = name[: SHEET_NAME_LENGTH - len(suffix)] + suffix
    return candidate


class Sheet:
    """One worksheet laid out as a report: title lines, a header row, data rows.

    Every cell goes through `append`: text that Excel would run as a formula (a
    commune or document named "=…") is written as text. The row count is kept here:
    openpyxl's `max_row` walks every cell, which made long reports quadratic.
    """

    def __init__(
        self,
        workbook: Workbook,
        title: str,
        report,
        *,
        columns: list[tuple[str, int]],
        first=False,
        heading: str = "",
    ):
        self.sheet = workbook.active if first else workbook.create_sheet()
        self.sheet.title = sheet_name(title, [s.title for s in workbook.worksheets if s is not self.sheet])
        self.width = len(columns)
        self.rows = 0
        lines = [
            (f"{report.document_type} {report.title}".upper(), Font(bold=True, size=14)),
            # An annex names itself under the report's title ("Phụ lục 1: Huyện Triệu Sơn cũ").
            *([(heading, Font(bold=True, size=13))] if heading else []),
            (report.basis, Font(italic=True)),
            (report.data_date_line, Font(italic=True)),
        ]
        # Reports say once when their criteria set has texts not checked (meeting documents
        # built on this sheet have no such note).
        if note := getattr(report, "unchecked_note", ""):
            lines.append((note, Font(italic=True)))
        for text, font in lines:
            row = self.append([text])
            self.sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=self.width)
            cell = self.sheet.cell(row=row, column=1)
            cell.font, cell.alignment = font, Alignment(horizontal="center", wrap_text=True)
        self.sheet.row_dimensions[1].height = 36
        self.append([])
        self.header_row = self.append([label for label, _width in columns])
        for index, (_label, width) in enumerate(columns, 1):
            cell = self.sheet.cell(row=self.header_row, column=index)
            cell.font, cell.fill, cell.border, cell.alignment = Font(bold=True), HEADER_FILL, BORDER, CENTRE
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        # A coordinate, not a cell: touching the cell would make the next row start below it.
        self.sheet.freeze_panes = f"A{self.header_row + 1}"
        # On paper: landscape, one page wide, the header row repeated on every page.
        self.sheet.page_setup.orientation = "landscape"
        self.sheet.page_setup.paperSize = self.sheet.PAPERSIZE_A4
        self.sheet.page_setup.fitToWidth, self.sheet.page_setup.fitToHeight = 1, 0
        self.sheet.sheet_properties.pageSetUpPr.fitToPage = True
        self.sheet.print_title_rows = f"{self.header_row}:{self.header_row}"

    def append(self, values) -> int:
        """Write a row of values; return its number."""
        # Labels from model choices are lazy translations, which openpyxl cannot write.
        values = [v if v is None or isinstance(v, int | float) else neutralise(str(v)) for v in values]
        self.sheet.append(values)
        self.rows += 1
        return self.rows

    def row(self, values, *, bold=False):
        row = self.append(values)
        for column in range(1, self.width + 1):
            cell = self.sheet.cell(row=row, column=column)
            cell.border = BORDER
            cell.alignment = CENTRE if isinstance(cell.value, int | float) else WRAP
            if bold:
                cell.font = Font(bold=True)

    def group(self, label: str):
        """A row across the table naming the group of rows below it."""
        row = self.append([label])
        self.sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=self.width)
        cell = self.sheet.cell(row=row, column=1)
        cell.font, cell.fill = Font(bold=True), GROUP_FILL
        for column in range(1, self.width + 1):
            self.sheet.cell(row=row, column=column).border = BORDER

    def note(self, text: str):
        self.sheet.cell(row=self.append([text]), column=1).font = Font(italic=True)


def _district(workbook: Workbook, report: DistrictReport) -> None:
    """A district: its communes, its totals, its criteria. A province of several groups:
    its totals, a row per group, its criteria, then one sheet per annex. Several
    provinces: the totals, a row per province and the criteria, without communes."""
    communes = None
    if not report.levels:
        communes = _communes_sheet(workbook, report, _("Các xã"), report.rows, first=True)
    totals = _totals_sheet(workbook, report, first=communes is None)
    # Under the communes, or under the totals when there is no sheet of communes.
    _outside_note(communes or totals, report)
    if report.levels:
        _levels_sheet(workbook, report)
    _criteria_sheet(workbook, report)
    for line in report.annexes:
        _communes_sheet(
            workbook, report, f"PL{line.number} {line.name}", line.tile.rows, heading=line.annex_title
        )


def _communes_sheet(
    workbook: Workbook, report: DistrictReport, title: str, rows, *, first=False, heading=""
) -> Sheet:
    communes = Sheet(
        workbook,
        title,
        report,
        first=first,
        heading=heading,
        columns=[
            (_("TT"), 5),
            (_("Mã xã"), 9),
            (_("Xã"), 18),
            (_("Tiêu chí đạt (/%(total)s)") % {"total": len(report.criteria)}, 11),
            (_("Chỉ tiêu đạt (/%(total)s)") % {"total": report.indicators_total}, 11),
            (_("Tiêu chí chưa đạt (số thứ tự)"), 30),
            (_("Năm đăng ký về đích"), 11),
            (_("Quyết định công nhận"), 24),
            (_("Ghi chú"), 28),
        ],
    )
    for number, row in enumerate(rows, 1):
        standing = row.standing
        communes.row(
            [
                number,
                row.commune.code,
                row.commune.name,
                standing.criteria_met if standing.assessed else None,
                standing.indicators_met if standing.assessed else None,
                criteria_label(standing) if standing.assessed else _("chưa có số liệu"),
                row.registration.target_year if row.registration else None,
                _recognition(row.recognition),
                row.note,
            ]
        )
    communes.note(
        _("Tiêu chí chưa đạt: * cơ bản đạt (tính là chưa đạt); (số trong ngoặc) còn chỉ tiêu chưa đánh giá.")
    )
    return communes


def _totals_sheet(workbook: Workbook, report: DistrictReport, *, first: bool) -> Sheet:
    year, summary = report.year, report.summary
    totals = Sheet(
        workbook, _("Tổng hợp"), report, first=first, columns=[(_("Nội dung"), 60), (_("Số liệu"), 14)]
    )
    totals.row([_("Số xã đã đánh giá"), summary.commune_count])
    totals.row([_("Số xã chưa có số liệu"), summary.not_assessed_count])
    totals.row([_("Bình quân tiêu chí/xã"), round(summary.average_criteria, 1)])
    totals.sheet.cell(row=totals.rows, column=2).number_format = "0.0"
    for label, count in summary.bands:
        totals.row([_("Số xã đạt %(label)s tiêu chí") % {"label": label}, count])
    totals.row([_("Số xã đã được công nhận"), summary.recognised_count])
    totals.row([_("Số xã đăng ký về đích năm %(year)s") % {"year": year}, len(summary.registered_this_year)])
    totals.row([_("Trong đó có nguy cơ không đạt"), len(summary.at_risk)])
    return totals


def _outside_note(sheet: Sheet, report: DistrictReport) -> None:
    if outside := report.summary.outside:
        # Several provinces: how many, not the names of hundreds of wards.
        units = ", ".join(f"{c.get_kind_display()} {c.name}" for c in outside)
        if report.provinces:
            units = ngettext("%(count)d đơn vị", "%(count)d đơn vị", len(outside)) % {"count": len(outside)}
        sheet.note(
            _("Không thuộc phạm vi bộ tiêu chí (áp dụng cho %(kinds)s), không tính vào số liệu: %(units)s.")
            % {"kinds": report.criteria_set.get_applies_to_display(), "units": units}
        )


def _levels_sheet(workbook: Workbook, report: DistrictReport) -> None:
    """One row per province or per group, and the total."""
    summary = report.summary
    sheet = Sheet(
        workbook,
        _("Theo tỉnh") if report.provinces else _("Theo nhóm xã"),
        report,
        columns=[
            (_("TT"), 5),
            (_("Tỉnh, thành phố") if report.provinces else _("Nhóm xã"), 22),
            (_("Số xã"), 9),
            (_("Số xã đã đánh giá"), 10),
            (_("Bình quân tiêu chí/xã"), 10),
            *[(_("Đạt %(label)s tiêu chí") % {"label": label}, 10) for label, _count in summary.bands],
            (_("Đạt đủ bộ tiêu chí"), 10),
            (_("Đăng ký về đích năm %(year)s") % {"year": report.year}, 11),
            (_("Trong đó có nguy cơ không đạt"), 11),
            (_("Đã được công nhận"), 10),
        ],
    )

    def values(level: DistrictSummary, meets_set: int) -> list:
        return [
            len(level.all_rows),
            level.commune_count,
            round(level.average_criteria, 1),
            *[count for _label, count in level.bands],
            meets_set,
            len(level.registered_this_year),
            len(level.at_risk),
            level.recognised_count,
        ]

    for line in report.levels:
        sheet.row([line.number, line.name, *values(line.summary, line.meets_set_count)])
        sheet.sheet.cell(row=sheet.rows, column=5).number_format = "0.0"
    sheet.row([None, _("Tổng cộng"), *values(summary, report.meets_set_count)], bold=True)
    sheet.sheet.cell(row=sheet.rows, column=5).number_format = "0.0"


def _criteria_sheet(workbook: Workbook, report: DistrictReport) -> None:
    # Several provinces: how many communes miss a criterion, not their thousands of names.
    by_name = not report.provinces
    criteria = Sheet(
        workbook,
        _("Theo tiêu chí"),
        report,
        columns=[
            (_("TT"), 5),
            (_("Tiêu chí"), 34),
            (_("Số xã đạt"), 10),
            (_("Số xã đã đánh giá"), 10),
            (_("Tỷ lệ"), 9),
            (_("Các xã chưa đạt"), 50) if by_name else (_("Số xã chưa đạt"), 10),
            *([(_("Phòng, ban phụ trách"), 30)] if by_name else []),
        ],
    )
    for tally in report.tallies:
        department = tally.department
        unmet = ", ".join(c.name for c in tally.unmet_communes) if by_name else len(tally.unmet_communes)
        criteria.row(
            [
                tally.criterion.number,
                tally.criterion.display_name,
                tally.met,
                tally.assessed,
                tally.share,
                unmet,
                *([department.name if department else ""] if by_name else []),
            ]
        )
        criteria.sheet.cell(row=criteria.rows, column=5).number_format = "0%"


def _recognition(recognition) -> str:
    if recognition is None:
        return ""
    return _("%(number)s ngày %(date)s") % {
        "number": recognition.decision_number,
        "date": short_date(recognition.decided_on),
    }


def _commune(workbook: Workbook, report: CommuneReport) -> None:
    standing = report.standing
    results = Sheet(
        workbook,
        _("Kết quả"),
        report,
        first=True,
        columns=[
            (_("Tiêu chí"), 8),
            (_("Mã chỉ tiêu"), 10),
            (_("Chỉ tiêu"), 60),
            (_("Giá trị"), 12),
            (_("Đơn vị tính"), 10),
            (_("Mức đạt chuẩn"), 16),
            (_("Kết quả"), 14),
            (_("Thẩm tra"), 20),
            (_("Phòng, ban phụ trách"), 30),
        ],
    )
    results.note(
        _("Đạt %(criteria)s/%(criteria_total)s tiêu chí, %(indicators)s/%(indicators_total)s chỉ tiêu.")
        % {
            "criteria": standing.criteria_met,
            "criteria_total": standing.criteria_total,
            "indicators": standing.indicators_met,
            "indicators_total": standing.indicators_total,
        }
    )
    for result in standing.criteria:
        results.group(
            _("Tiêu chí %(number)s. %(name)s: %(status)s")
            % {
                "number": result.criterion.number,
                "name": result.criterion.display_name,
                "status": result.get_status_display(),
            }
        )
        for r in result.indicators:
            score, department = r.score, report.ownership.of_indicator(r.indicator)
            value = ""
            if score is not None:
                value = float(score.value_number) if score.value_number is not None else score.value_text
            results.row(
                [
                    result.criterion.number,
                    r.indicator.code,
                    r.indicator.display_text,
                    value,
                    r.indicator.unit,
                    r.target_label,
                    r.get_status_display(),
                    score.get_verification_display() if score else "",
                    department.name if department else "",
                ]
            )

    unmet = Sheet(
        workbook,
        _("Chỉ tiêu chưa đạt"),
        report,
        columns=[
            (_("Tiêu chí"), 30),
            (_("Mã chỉ tiêu"), 10),
            (_("Chỉ tiêu chưa đạt"), 60),
            (_("Kết quả"), 14),
            (_("Phòng, ban phụ trách"), 30),
        ],
    )
    for result in standing.unmet_criteria:
        for r in result.unmet_indicators:
            department = report.ownership.of_indicator(r.indicator)
            unmet.row(
                [
                    f"{result.criterion.number}. {result.criterion.display_name}",
                    r.indicator.code,
                    r.indicator.display_text,
                    r.get_status_display(),
                    department.name if department else "",
                ]
            )

    for village_set, standings in report.village_results:
        villages = Sheet(
            workbook,
            _("Thôn %(code)s") % {"code": village_set.code},
            report,
            columns=[
                (_("TT"), 5),
                (_("Thôn"), 24),
                (
                    _("Tiêu chí đạt (/%(total)s)")
                    % {"total": standings[0].criteria_total if standings else 0},
                    12,
                ),
                (_("Chỉ tiêu đạt"), 12),
                (_("Tiêu chí chưa đạt (số thứ tự)"), 30),
            ],
        )
        villages.note(village_set.display_name)
        for number, village in enumerate(standings, 1):
            villages.row(
                [
                    number,
                    village.place.name,
                    village.criteria_met if village.assessed else None,
                    village.indicators_met if village.assessed else None,
                    criteria_label(village) if village.assessed else _("chưa có số liệu"),
                ]
            )


def _dossiers(workbook: Workbook, report: DossierReport) -> None:
    sheet = Sheet(
        workbook,
        _("Hồ sơ"),
        report,
        first=True,
        columns=[
            (_("TT"), 5),
            (_("Mã xã"), 9),
            (_("Xã"), 18),
            (_("Năm đăng ký về đích"), 11),
            (_("Tiêu chí đạt (/%(total)s)") % {"total": report.criteria_total}, 11),
            (_("Hồ sơ tiêu chí đã đủ"), 11),
            (_("Số tiêu chí trong hồ sơ"), 11),
            (_("Hồ sơ chung"), 11),
            (_("Đã gửi sở, ngành"), 10),
            (_("Số sở, ngành thẩm định"), 10),
            (_("Số ngành đã về kiểm tra"), 10),
            (_("Trạng thái hồ sơ"), 28),
            (_("Tiêu chí còn thiếu hồ sơ"), 24),
        ],
    )
    for label, lines in report.groups:
        sheet.group(label)
        for number, line in enumerate(lines, 1):
            row, progress = line.row, line.progress
            values = [
                number,
                line.commune.code,
                line.commune.name,
                row.registration.target_year if row.registration else None,
                row.standing.criteria_met if row.standing.assessed else None,
            ]
            if progress is None:
                values += [None, None, "", None, None, None, _("Chưa lập hồ sơ"), ""]
            else:
                values += [
                    progress.criteria_complete,
                    progress.criteria_total,
                    _("Đủ") if progress.general_complete else _("Còn thiếu"),
                    progress.sent_count,
                    progress.department_total,
                    progress.inspected_count,
                    progress.dossier.get_status_display(),
                    ", ".join(map(str, line.incomplete_criteria)),
                ]
            sheet.row(values)


WRITERS = {DistrictReport: _district, CommuneReport: _commune, DossierReport: _dossiers}


def render_xlsx(report) -> bytes:
    workbook = Workbook()
    WRITERS[type(report)](workbook, report)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
