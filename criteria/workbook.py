"""The criteria workbook of DESIGN §5: one criteria set per .xlsx, in and out.

    Bộ tiêu chí        one row: the set, its decision, its dates, whom it applies to
    Tiêu chí           its criteria
    Chỉ tiêu           its indicators
    Mức đạt            the targets, by region or commune group and by a range of years
    Áp dụng mức vùng   (optional) from which day a class of communes takes a region's targets
    Sửa đổi            (optional) from which day an indicator reads and is judged anew

Each sheet is a `CheckedSheet`: `import_criteria` reads every sheet, checks every
row of every sheet (a Vietnamese reason per bad row, "Trang “Mức đạt”, dòng 7: …")
and writes only when all are valid, in one transaction, through the library's one
writer (`loader.load_criteria_set`): a changed workbook updates the set in place and
keeps, retired, what has data. `export_criteria` writes the same sheets and columns,
optional ones included, so a set round-trips.

Words match ignoring case and diacritics; the file speaks Vietnamese whatever the
page's language, so its words are constants of the format, not translations.
Columns after a sheet's own (`optional_columns`) extend the contract compatibly: a
file without them stays valid. Without them a set and its indicators keep what those
columns hold; a target or amendment without `Đã đối chiếu` counts as not checked, as
nothing is presented as checked unless the file says so.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import re
from decimal import Decimal
from functools import cache

from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook as ExcelWorkbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from communes.models import Commune, CommuneClass, Province, Region
from communes.resources import (
    CLASS_WORDS,
    KIND_WORDS,
    parse_commune_class,
    parse_commune_group,
    parse_kind,
    parse_region,
    parse_words,
)
from ntm.lib.spreadsheet_files import Limits
from ntm.lib.spreadsheets import (
    NEW,
    SKIP,
    UPDATE,
    CheckedSheet,
    ImportReport,
    neutralise,
    or_list,
    parse_decimal,
    run_import,
    shown,
)
from ntm.lib.text import fold

from .access import can_edit_set
from .loader import LoadResult, load_criteria_set
from .models import MAX_YEAR, MIN_YEAR, CriteriaSet, Indicator, format_number, overlapping_targets

# --- The format's words ------------------------------------------------------------

SET_SHEET, CRITERIA_SHEET, INDICATORS_SHEET = "Bộ tiêu chí", "Tiêu chí", "Chỉ tiêu"
TARGETS_SHEET, RULES_SHEET, AMENDMENTS_SHEET = "Mức đạt", "Áp dụng mức vùng", "Sửa đổi"

LEVEL_WORDS = {
    CriteriaSet.Level.VILLAGE: "Thôn",
    CriteriaSet.Level.COMMUNE: "Xã",
    CriteriaSet.Level.DISTRICT: "Huyện",
    CriteriaSet.Level.PROVINCE: "Tỉnh",
}
TIER_WORDS = {
    CriteriaSet.Tier.STANDARD: "NTM",
    CriteriaSet.Tier.ADVANCED: "NTM nâng cao",
    CriteriaSet.Tier.MODEL: "NTM kiểu mẫu",
}
DIMENSION_WORDS = {
    CriteriaSet.TargetDimension.NONE: "Không",
    CriteriaSet.TargetDimension.REGION: "Vùng",
    CriteriaSet.TargetDimension.COMMUNE_GROUP: "Nhóm xã",
}
KIND_OF_INDICATOR_WORDS = {
    Indicator.Kind.YES_NO: "Đạt/Không",
    Indicator.Kind.NUMERIC_MIN: "Tối thiểu",
    Indicator.Kind.NUMERIC_MAX: "Tối đa",
    Indicator.Kind.TEXT: "Văn bản",
}
YES = "Có"
MET, NOT = "Đạt", "Không"
# What "Cơ quan ban hành" writes for a national set; a provincial set names its province.
NATIONAL_WORDS = ("Trung ương", "Thủ tướng Chính phủ", "Chính phủ")
ISSUER_PREFIXES = ("ubnd tinh ", "ubnd thanh pho ", "ubnd ", "tinh ", "thanh pho ")

# A set has tens of criteria and at most a few hundred indicators and targets: a sheet
# of thousands of rows is not one, and is refused before it is read. A legal text or
# a list of sources may be longer than a cell of a scores file.
MAX_ROWS = 5000
MAX_CELL_CHARS = 10_000


@cache
def _lookup(name: str) -> dict[str, str]:
    """Word -> value for one of the format's vocabularies: its words, and the model's
    Vietnamese labels ("Nông thôn mới nâng cao" for "NTM nâng cao")."""
    words = VOCABULARIES[name]
    table = {}
    with translation.override("vi"):
        for value, label in type(next(iter(words))).choices:
            table[fold(str(label))] = value
    table.update({fold(word): value for value, word in words.items()})
    table.update(ALIASES.get(name, {}))
    return table


VOCABULARIES = {
    "level": LEVEL_WORDS,
    "tier": TIER_WORDS,
    "dimension": DIMENSION_WORDS,
    "kind": KIND_OF_INDICATOR_WORDS,
}
ALIASES = {
    "kind": {"dat / khong": Indicator.Kind.YES_NO, "dat/khong dat": Indicator.Kind.YES_NO},
}
_FLAGS = {fold(YES): True, "x": True, fold(NOT): False}
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# A target number with its sign: "80", "≥80%", ">= 85,5 %", "≤ 21,8%".
_TARGET = re.compile(r"\s*(≥|≤|>=|<=|>|<|=)?\s*([+-]?\d[\d.,]*)\s*(%?)\s*(.*)", re.S)
_SIGNS = {">=": "≥", "<=": "≤", ">": "≥", "<": "≤", "=": ""}


def _word(cell: str, vocabulary: str):
    return _lookup(vocabulary).get(fold(cell))


def _flag(cell: str) -> bool | None:
    return False if not cell else _FLAGS.get(fold(cell))


def _date(cell: str) -> datetime.date | None:
    match = _DATE.fullmatch(cell.split(" ")[0])
    if not match:
        return None
    day, month, year = map(int, match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _year(cell: str) -> int | None:
    return int(cell) if cell.isascii() and cell.isdigit() and MIN_YEAR <= int(cell) <= MAX_YEAR else None


def _period(first: int | None, last: int | None) -> str:
    if first and last and first != last:
        return f"{first}-{last}"
    return str(first or last or "")


def _period_years(period: str) -> tuple[str, str]:
    """ "2021-2025" -> ("2021", "2025"); "2021" -> ("2021", "2021")."""
    years = re.findall(r"\d{4}", period or "")
    if not years:
        return "", ""
    return years[0], years[-1]


def _date_text(day: datetime.date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def target_value(kind: str, unit: str, cell: str) -> tuple[str | None, str]:
    """The target a `Giá trị` cell sets, as stored (a number written "≥80%" or "≤21,8%",
    Vietnamese-style; "Đạt" or "Không"; or text), and the reason it cannot be one."""
    if kind == Indicator.Kind.YES_NO:
        word = {fold(MET): MET, fold(NOT): NOT}.get(fold(cell))
        return (word, "") if word else (None, _("phải là “Đạt” hoặc “Không”"))
    if kind == Indicator.Kind.TEXT:
        return cell, ""
    match = _TARGET.fullmatch(cell)
    number = None
    if match:
        try:
            number = parse_decimal(match.group(2))
        except ValueError:
            number = None
    if number is None:
        return None, _("phải là một số, ví dụ 80 hoặc ≥80%")
    sign = _SIGNS.get(match.group(1) or "", match.group(1) or "")
    wanted = "≤" if kind == Indicator.Kind.NUMERIC_MAX else "≥"
    if sign and sign != wanted:
        return None, _("chỉ tiêu loại %(kind)s cần mức “%(wanted)s”, không phải “%(sign)s”") % {
            "kind": KIND_OF_INDICATOR_WORDS[kind],
            "wanted": wanted,
            "sign": sign,
        }
    if match.group(1) or match.group(3) or match.group(4).strip():
        # Written with its sign, unit or words ("≥95% hợp vệ sinh, trong đó ≥65% nước
        # sạch"): kept as written; its first number judges the value.
        return cell.strip(), ""
    # A bare number, as Excel keeps a number cell: written as the decisions write it.
    percent = "%" if unit == "%" else ""
    return f"{wanted}{format_number(Decimal(number))}{percent}", ""


# --- One import ------------------------------------------------------------------------


@dataclasses.dataclass
class Book:
    """What the sheets of one workbook read, shared by its sheets: each checks its rows
    against the sheets before it (run_import checks sheets in order)."""

    user: object = None
    set_values: dict | None = None
    existing: CriteriaSet | None = None
    criteria: dict = dataclasses.field(default_factory=dict)
    indicators: dict = dataclasses.field(default_factory=dict)
    targets: list = dataclasses.field(default_factory=list)
    rules: list = dataclasses.field(default_factory=list)
    amendments: list = dataclasses.field(default_factory=list)
    result: LoadResult | None = None

    @property
    def dimension(self) -> str | None:
        return self.set_values["target_dimension"] if self.set_values else None

    @property
    def set_date(self) -> datetime.date | None:
        if not self.set_values:
            return None
        return self.set_values["issued_on"] or self.set_values["effective_on"]

    def as_data(self) -> dict:
        """The set in the loader's format (fixtures/criteria/README.md)."""
        criteria = [dict(_without(item, "row"), indicators=[]) for item in self.criteria.values()]
        by_number = {item["number"]: item for item in criteria}
        for indicator in self.indicators.values():
            item = _without(indicator, "row", "criterion")
            item["targets"] = [
                _without(target, "row", "indicator")
                for target in self.targets
                if target["indicator"] == indicator["code"]
            ]
            by_number[indicator["criterion"]]["indicators"].append(item)
        return {
            **self.set_values,
            "criteria": criteria,
            "region_rules": [_without(rule, "row") for rule in self.rules],
            "amendments": [_without(amendment, "row") for amendment in self.amendments],
        }


def _without(item: dict, *keys: str) -> dict:
    return {key: value for key, value in item.items() if key not in keys}


class BookSheet(CheckedSheet):
    """A sheet of the criteria workbook: it shares `book` with the others."""

    allow_empty = True
    #: The longest text each column may hold (the model's fields).
    max_lengths: dict[str, int] = {}

    def __init__(self, *, book: Book, user=None):
        super().__init__(user=user)
        self.book = book

    def check(self, row, errors):
        for column, limit in self.max_lengths.items():
            if len(row.cells.get(column, "")) > limit:
                errors.add(
                    column, _("%(column)s dài quá %(limit)d ký tự.") % {"column": column, "limit": limit}
                )
        self.check_row(row, errors)

    def check_row(self, row, errors) -> None:
        raise NotImplementedError

    def day(self, row, errors, column):
        cell = row.cells[column]
        day = _date(cell) if cell else None
        if cell and day is None:
            errors.add(
                column,
                _("%(column)s %(value)s không hợp lệ: ghi dd/mm/yyyy.")
                % {"column": column, "value": shown(cell)},
            )
        return day

    def year(self, row, errors, column):
        cell = row.cells[column]
        year = _year(cell) if cell else None
        if cell and year is None:
            errors.add(
                column,
                _("%(column)s %(value)s không hợp lệ: phải là năm từ %(first)d đến %(last)d.")
                % {"column": column, "value": shown(cell), "first": MIN_YEAR, "last": MAX_YEAR},
            )
        return year

    def has(self, column: str) -> bool:
        """Whether the file has this (optional) column."""
        return column in self.header

    def flag(self, row, errors, column) -> bool:
        value = _flag(row.cells[column])
        if value is None:
            errors.add(column, _("%(column)s phải là “Có” hoặc để trống.") % {"column": column})
        return bool(value)

    def save(self, rows, *, dry_run):
        # The set's sheet wrote the whole workbook; each row says what became of it.
        for row in rows:
            row.outcome = self.outcome(row)

    def outcome(self, row) -> str:
        return SKIP


class SetSheet(BookSheet):
    sheet_name = SET_SHEET
    allow_empty = False
    columns = (
        "Mã bộ", "Tên bộ", "Tên tiếng Anh", "Cấp", "Hạng", "Từ năm", "Đến năm", "Văn bản",
        "Ngày ban hành", "Cơ quan ban hành", "Bộ gốc", "Áp dụng cho", "Chiều mức đạt", "Nguồn",
    )  # fmt: skip
    optional_columns = ("Ngày hiệu lực", "Người ký", "Số tiêu chí", "Số chỉ tiêu", "Đã đối chiếu")
    max_lengths = {"Tên bộ": 300, "Tên tiếng Anh": 300, "Văn bản": 400, "Người ký": 200}

    def prepare(self):
        """The set, the parent sets and the provinces the sheet names (3 queries)."""
        codes = {row.cells["Mã bộ"] for row in self.rows} | {row.cells["Bộ gốc"] for row in self.rows}
        sets = CriteriaSet.objects.filter(code__in=codes - {""}).select_related("issuer")
        self._sets = {criteria_set.code: criteria_set for criteria_set in sets}
        self._provinces = list(Province.objects.all())

    def check_row(self, row, errors):
        if row is not self.rows[0]:
            errors.add(
                NON_FIELD_ERRORS,
                _(
                    "Trang “%(sheet)s” chỉ có một dòng: mỗi tệp là một bộ tiêu chí "
                    "(dòng đầu ở dòng %(first)d)."
                )
                % {"sheet": SET_SHEET, "first": self.rows[0].number},
            )
            return
        cells = row.cells
        code = cells["Mã bộ"]
        if not code:
            errors.add("Mã bộ", _("Thiếu Mã bộ."))
        elif not _CODE.fullmatch(code) or len(code) > 60:
            errors.add(
                "Mã bộ",
                _("Mã bộ %(code)s chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang (tối đa 60 ký tự).")
                % {"code": shown(code)},
            )
        if not cells["Tên bộ"]:
            errors.add("Tên bộ", _("Thiếu Tên bộ."))
        values = {
            "code": code,
            "name": cells["Tên bộ"],
            "name_en": cells["Tên tiếng Anh"],
            "level": self.word(row, errors, "Cấp", "level", required=True),
            "tier": self.word(row, errors, "Hạng", "tier", required=True),
            "legal_basis": cells["Văn bản"],
            "issued_on": self.day(row, errors, "Ngày ban hành"),
            "target_dimension": self.word(row, errors, "Chiều mức đạt", "dimension")
            or CriteriaSet.TargetDimension.NONE,
            "source_note": cells["Nguồn"],
        }
        first, last = (self.year(row, errors, column) for column in ("Từ năm", "Đến năm"))
        if first and last and last < first:
            errors.add(
                "Đến năm", _("Đến năm %(last)s trước Từ năm %(first)s.") % {"last": last, "first": first}
            )
        values["period"] = _period(first, last)
        kinds, unknown = parse_words(cells["Áp dụng cho"], parse_kind)
        if unknown:
            errors.add(
                "Áp dụng cho",
                _("Áp dụng cho %(value)s không hợp lệ: các loại đơn vị %(words)s, cách nhau bởi dấu phẩy.")
                % {"value": shown(", ".join(unknown)), "words": or_list(KIND_WORDS.values())},
            )
        values["applies_to"] = kinds
        values["issuer"] = self.issuer(row, errors)
        values["parent"] = self.parent(row, errors, code)
        self.optional(row, errors, values)
        self.book.existing = self._sets.get(code)
        self.check_permission(row, errors, values)
        if not errors:
            self.book.set_values = values

    def optional(self, row, errors, values):
        """The optional columns; absent, they keep what the set has."""
        existing = self._sets.get(values["code"])
        keep = {
            "effective_on": existing.effective_on if existing else None,
            "signer": existing.signer if existing else "",
            "expected_criteria": existing.expected_criteria if existing else None,
            "expected_indicators": existing.expected_indicators if existing else None,
            "verified": existing.verified if existing else False,
        }
        values.update(keep)
        if self.has("Ngày hiệu lực"):
            values["effective_on"] = self.day(row, errors, "Ngày hiệu lực")
        if self.has("Người ký"):
            values["signer"] = row.cells["Người ký"]
        for column, key in (("Số tiêu chí", "expected_criteria"), ("Số chỉ tiêu", "expected_indicators")):
            if self.has(column):
                text = row.cells[column]
                if text and not (text.isascii() and text.isdigit() and int(text) < 1000):
                    errors.add(column, _("%(column)s phải là số nguyên.") % {"column": column})
                values[key] = int(text) if text.isascii() and text.isdigit() and int(text) < 1000 else None
        if self.has("Đã đối chiếu"):
            values["verified"] = self.flag(row, errors, "Đã đối chiếu")

    def word(self, row, errors, column, vocabulary, *, required=False):
        cell = row.cells[column]
        if not cell:
            if required:
                errors.add(column, _("Thiếu %(column)s.") % {"column": column})
            return None
        value = _word(cell, vocabulary)
        if value is None:
            words = VOCABULARIES[vocabulary].values()
            errors.add(
                column,
                _("%(column)s %(value)s không hợp lệ: phải là %(words)s.")
                % {"column": column, "value": shown(cell), "words": or_list(words)},
            )
        return value

    def issuer(self, row, errors) -> dict | None:
        cell = row.cells["Cơ quan ban hành"]
        if not cell or fold(cell) in {fold(word) for word in NATIONAL_WORDS}:
            return None
        key = fold(cell)
        for prefix in ISSUER_PREFIXES:
            key = key.removeprefix(prefix)
        for province in self._provinces:
            if key in (province.search_name, fold(province.code)):
                return {"code": province.code, "name": province.name}
        errors.add(
            "Cơ quan ban hành",
            _(
                "Cơ quan ban hành %(value)s: không có tỉnh này trong hệ thống. Ghi “Trung ương” cho bộ tiêu "
                "chí quốc gia, hoặc tên (hay mã) tỉnh ban hành."
            )
            % {"value": shown(cell)},
        )
        return None

    def parent(self, row, errors, code) -> str:
        parent = row.cells["Bộ gốc"]
        if not parent:
            return ""
        if parent == code:
            errors.add("Bộ gốc", _("Bộ tiêu chí không thể là bộ gốc của chính nó."))
        elif parent not in self._sets:
            errors.add(
                "Bộ gốc",
                _("Bộ gốc %(code)s không có trong thư viện: hãy nhập bộ tiêu chí gốc trước.")
                % {"code": shown(parent)},
            )
        return parent

    def check_permission(self, row, errors, values):
        """A national set is the administrator's; a province's set, its coordinators'."""
        if self.user is None or errors:
            return
        existing = self.book.existing
        if existing is not None and not can_edit_set(self.user, existing):
            errors.add(
                "Mã bộ",
                _(
                    "Bạn không được sửa bộ tiêu chí %(code)s: bộ quốc gia do quản trị hệ thống cập nhật, "
                    "bộ của tỉnh do văn phòng điều phối của tỉnh cập nhật."
                )
                % {"code": existing.code},
            )
            return
        issuer = values["issuer"]
        province = next((p for p in self._provinces if issuer and p.code == issuer["code"]), None)
        probe = CriteriaSet(issuer=province)
        if existing is None and not can_edit_set(self.user, probe):
            errors.add(
                "Cơ quan ban hành",
                _(
                    "Bạn chỉ được tạo bộ tiêu chí của tỉnh mình phụ trách: "
                    "ghi tên tỉnh ở cột Cơ quan ban hành."
                ),
            )

    def save(self, rows, *, dry_run):
        # The whole workbook, written by the library's one writer. A preview writes it
        # too, inside run_import's transaction that it rolls back, so that it tells
        # exactly what the import would do.
        self.book.result = result = load_criteria_set(data=self.book.as_data())
        for row in rows:
            row.outcome = NEW if result.set_created else UPDATE if result.set_updated else SKIP

    def summary_lines(self):
        result = self.book.result
        if result is None:
            return []
        code = result.criteria_set.code
        if result.set_created:
            lines = [_("Bộ tiêu chí %(code)s: tạo mới.") % {"code": code}]
        elif result.changed:
            lines = [_("Bộ tiêu chí %(code)s: cập nhật.") % {"code": code}]
        else:
            lines = [_("Bộ tiêu chí %(code)s: không có gì thay đổi.") % {"code": code}]
        lines.append(
            _("%(criteria)s; %(indicators)s. Thêm mới %(created)d, cập nhật %(updated)d, xóa %(deleted)d.")
            % {
                "criteria": ngettext("%(count)d tiêu chí", "%(count)d tiêu chí", result.criteria_count)
                % {"count": result.criteria_count},
                "indicators": ngettext("%(count)d chỉ tiêu", "%(count)d chỉ tiêu", result.indicator_count)
                % {"count": result.indicator_count},
                "created": result.created,
                "updated": result.updated,
                "deleted": result.deleted,
            }
        )
        if result.kept:
            lines.append(
                _("Giữ lại vì đã có dữ liệu (không còn trong tệp, không tính vào kết quả): %(items)s.")
                % {"items": "; ".join(result.kept)}
            )
        return lines

    def describe(self, row):
        return f"{row.cells['Mã bộ']} — {row.cells['Tên bộ']}"


class CriterionSheet(BookSheet):
    sheet_name = CRITERIA_SHEET
    columns = ("Số", "Tên tiêu chí", "Tên tiếng Anh", "Nhóm", "Nguồn", "Đã đối chiếu")
    max_lengths = {"Tên tiêu chí": 300, "Tên tiếng Anh": 300, "Nhóm": 200}

    def check_row(self, row, errors):
        cells = row.cells
        text = cells["Số"]
        number = int(text) if text.isascii() and text.isdigit() and 0 < int(text) < 1000 else None
        if number is None:
            errors.add("Số", _("Số tiêu chí %(value)s phải là số nguyên dương.") % {"value": shown(text)})
        elif number in self.book.criteria:
            errors.add(
                "Số",
                _("Tiêu chí số %(number)d đã có ở dòng %(first)d.")
                % {"number": number, "first": self.book.criteria[number]["row"]},
            )
            number = None
        if not cells["Tên tiêu chí"]:
            errors.add("Tên tiêu chí", _("Thiếu Tên tiêu chí."))
        unverified = not self.flag(row, errors, "Đã đối chiếu")
        if number is not None:
            self.book.criteria[number] = {
                "row": row.number,
                "number": number,
                "name": cells["Tên tiêu chí"],
                "name_en": cells["Tên tiếng Anh"],
                "group": cells["Nhóm"],
                "source": cells["Nguồn"],
                "unverified": unverified,
            }

    def outcome(self, row):
        result = self.book.result
        return result.outcome("criterion", int(row.cells["Số"]))

    def describe(self, row):
        return _("Tiêu chí %(number)s. %(name)s") % {
            "number": row.cells["Số"],
            "name": row.cells["Tên tiêu chí"],
        }


class IndicatorSheet(BookSheet):
    sheet_name = INDICATORS_SHEET
    columns = (
        "Số tiêu chí", "Mã chỉ tiêu", "Nội dung", "Nội dung tiếng Anh", "Loại", "Đơn vị",
        "Có điều kiện", "Minh chứng", "Nguồn", "Đã đối chiếu",
    )  # fmt: skip
    optional_columns = ("Ghi chú",)
    max_lengths = {"Mã chỉ tiêu": 20, "Đơn vị": 50}

    def prepare(self):
        existing = self.book.existing
        self._notes = {}
        if existing is not None and not self.has("Ghi chú"):
            self._notes = dict(
                Indicator.objects.filter(criterion__criteria_set=existing).values_list("code", "note")
            )

    def check_row(self, row, errors):
        cells = row.cells
        number = cells["Số tiêu chí"]
        criterion = self.book.criteria.get(int(number)) if number.isascii() and number.isdigit() else None
        if criterion is None:
            errors.add(
                "Số tiêu chí",
                _("Tiêu chí số %(value)s không có ở trang “%(sheet)s”.")
                % {"value": shown(number), "sheet": CRITERIA_SHEET},
            )
        code = cells["Mã chỉ tiêu"]
        if not code:
            errors.add("Mã chỉ tiêu", _("Thiếu Mã chỉ tiêu."))
        elif code in self.book.indicators:
            errors.add(
                "Mã chỉ tiêu",
                _("Mã chỉ tiêu %(code)s đã có ở dòng %(first)d: mỗi mã chỉ dùng một lần trong bộ tiêu chí.")
                % {"code": code, "first": self.book.indicators[code]["row"]},
            )
            code = ""
        if not cells["Nội dung"]:
            errors.add("Nội dung", _("Thiếu Nội dung chỉ tiêu."))
        kind = _word(cells["Loại"], "kind") if cells["Loại"] else None
        if kind is None:
            errors.add(
                "Loại",
                _("Loại %(value)s không hợp lệ: phải là %(words)s.")
                % {"value": shown(cells["Loại"]), "words": or_list(KIND_OF_INDICATOR_WORDS.values())},
            )
        conditional = self.flag(row, errors, "Có điều kiện")
        unverified = not self.flag(row, errors, "Đã đối chiếu")
        if errors:
            return
        self.book.indicators[code] = {
            "row": row.number,
            "criterion": criterion["number"],
            "code": code,
            "text": cells["Nội dung"],
            "text_en": cells["Nội dung tiếng Anh"],
            "kind": kind,
            "unit": cells["Đơn vị"],
            "conditional": conditional,
            "required_evidence": [item.strip() for item in cells["Minh chứng"].split(";") if item.strip()],
            "source": cells["Nguồn"],
            "unverified": unverified,
            "note": cells["Ghi chú"] if self.has("Ghi chú") else self._notes.get(code, ""),
        }

    def outcome(self, row):
        return self.book.result.outcome("indicator", row.cells["Mã chỉ tiêu"])

    def describe(self, row):
        return f"{row.cells['Mã chỉ tiêu']} {row.cells['Nội dung'][:80]}"


class TargetSheet(BookSheet):
    sheet_name = TARGETS_SHEET
    columns = ("Mã chỉ tiêu", "Vùng", "Nhóm xã", "Từ năm", "Đến năm", "Giá trị", "Nguồn")
    optional_columns = ("Đã đối chiếu",)

    def check_row(self, row, errors):
        cells = row.cells
        indicator = self.book.indicators.get(cells["Mã chỉ tiêu"])
        if indicator is None:
            errors.add(
                "Mã chỉ tiêu",
                _("Mã chỉ tiêu %(code)s không có ở trang “%(sheet)s”.")
                % {"code": shown(cells["Mã chỉ tiêu"]), "sheet": INDICATORS_SHEET},
            )
        region = parse_region(cells["Vùng"]) if cells["Vùng"] else ""
        if region is None:
            errors.add(
                "Vùng",
                _("Vùng %(value)s không hợp lệ: phải là mã vùng (%(codes)s) hoặc tên vùng.")
                % {"value": shown(cells["Vùng"]), "codes": ", ".join(Region.values)},
            )
        group = parse_commune_group(cells["Nhóm xã"]) if cells["Nhóm xã"] else ""
        if group is None:
            errors.add(
                "Nhóm xã",
                _("Nhóm xã %(value)s không hợp lệ: phải là 1, 2 hoặc 3.")
                % {"value": shown(cells["Nhóm xã"])},
            )
        if region and group:
            errors.add("Nhóm xã", _("Một mức đạt chuẩn theo vùng hoặc theo nhóm xã, không cả hai."))
        dimension = self.book.dimension
        if region and dimension not in (None, CriteriaSet.TargetDimension.REGION):
            errors.add(
                "Vùng",
                _("Bộ tiêu chí không chia mức đạt chuẩn theo vùng (Chiều mức đạt ở trang “%(sheet)s”).")
                % {"sheet": SET_SHEET},
            )
        if group and dimension not in (None, CriteriaSet.TargetDimension.COMMUNE_GROUP):
            errors.add(
                "Nhóm xã",
                _("Bộ tiêu chí không chia mức đạt chuẩn theo nhóm xã (Chiều mức đạt ở trang “%(sheet)s”).")
                % {"sheet": SET_SHEET},
            )
        first, last = (self.year(row, errors, column) for column in ("Từ năm", "Đến năm"))
        if first and last and last < first:
            errors.add(
                "Đến năm", _("Đến năm %(last)s trước Từ năm %(first)s.") % {"last": last, "first": first}
            )
        value = None
        if not cells["Giá trị"]:
            errors.add("Giá trị", _("Thiếu Giá trị."))
        elif indicator is not None:
            value, reason = target_value(indicator["kind"], indicator["unit"], cells["Giá trị"])
            if value is None:
                errors.add(
                    "Giá trị",
                    _("Giá trị %(value)s của chỉ tiêu %(code)s %(reason)s.")
                    % {"value": shown(cells["Giá trị"]), "code": indicator["code"], "reason": reason},
                )
            elif len(value) > 200:
                errors.add("Giá trị", _("Giá trị dài quá 200 ký tự."))
        unverified = not self.flag(row, errors, "Đã đối chiếu") if self.has("Đã đối chiếu") else True
        if errors or indicator is None:
            return
        target = {
            "row": row.number,
            "indicator": indicator["code"],
            "region": region,
            "commune_group": group,
            "from_year": first,
            "to_year": last,
            "value": value,
            "source": cells["Nguồn"],
            "unverified": unverified,
        }
        same = [t for t in self.book.targets if t["indicator"] == indicator["code"]]
        clash = overlapping_targets([*same, target])
        if clash:
            errors.add(
                "Từ năm",
                _(
                    "Chỉ tiêu %(code)s đã có mức đạt chuẩn cho cùng vùng, nhóm xã và năm ở dòng %(first)d: "
                    "hai mức không được trùng năm."
                )
                % {"code": indicator["code"], "first": clash[0][0]["row"]},
            )
            return
        self.book.targets.append(target)

    def outcome(self, row):
        return self.book.result.outcome("targets", row.cells["Mã chỉ tiêu"])

    def describe(self, row):
        cells = row.cells
        scope = (
            cells["Vùng"]
            or (cells["Nhóm xã"] and _("nhóm %(group)s") % {"group": cells["Nhóm xã"]})
            or _("chung")
        )
        return f"{cells['Mã chỉ tiêu']} ({scope}): {cells['Giá trị']}"


class RuleSheet(BookSheet):
    sheet_name = RULES_SHEET
    required = False
    columns = ("Phân loại xã", "Áp dụng mức của vùng", "Từ ngày", "Văn bản")
    optional_columns = ("Nguồn",)
    max_lengths = {"Văn bản": 200}

    def check_row(self, row, errors):
        cells = row.cells
        commune_class = parse_commune_class(cells["Phân loại xã"]) if cells["Phân loại xã"] else None
        if commune_class is None:
            errors.add(
                "Phân loại xã",
                _("Phân loại xã %(value)s không hợp lệ: phải là %(words)s.")
                % {"value": shown(cells["Phân loại xã"]), "words": or_list(CLASS_WORDS.values())},
            )
        region = parse_region(cells["Áp dụng mức của vùng"]) if cells["Áp dụng mức của vùng"] else None
        if region is None:
            errors.add(
                "Áp dụng mức của vùng",
                _("Vùng %(value)s không hợp lệ: phải là mã vùng (%(codes)s) hoặc tên vùng.")
                % {"value": shown(cells["Áp dụng mức của vùng"]), "codes": ", ".join(Region.values)},
            )
        if self.book.dimension not in (None, CriteriaSet.TargetDimension.REGION):
            errors.add(
                NON_FIELD_ERRORS,
                _("Bộ tiêu chí không chia mức đạt chuẩn theo vùng: không có quy tắc áp dụng mức vùng."),
            )
        day = _check_day(self.book, row, errors, "Từ ngày")
        if errors:
            return
        clash = next(
            (r for r in self.book.rules if (r["commune_class"], r["from_date"]) == (commune_class, day)), None
        )
        if clash is not None:
            errors.add(
                "Từ ngày",
                _("Phân loại này đã có quy tắc cùng ngày ở dòng %(first)d.") % {"first": clash["row"]},
            )
            return
        self.book.rules.append(
            {
                "row": row.number,
                "commune_class": commune_class,
                "region": region,
                "from_date": day,
                "decision": cells["Văn bản"],
                "source": cells["Nguồn"],
            }
        )

    def outcome(self, row):
        return self.book.result.outcome("rules", None)

    def describe(self, row):
        cells = row.cells
        return f"{cells['Phân loại xã']} → {cells['Áp dụng mức của vùng']} ({cells['Từ ngày']})"


class AmendmentSheet(BookSheet):
    sheet_name = AMENDMENTS_SHEET
    required = False
    columns = ("Văn bản", "Ngày hiệu lực", "Mã chỉ tiêu", "Nội dung mới", "Loại mới", "Đơn vị mới", "Nguồn")
    optional_columns = ("Đã đối chiếu",)
    max_lengths = {"Văn bản": 200, "Đơn vị mới": 50}

    def check_row(self, row, errors):
        cells = row.cells
        if not cells["Văn bản"]:
            errors.add("Văn bản", _("Thiếu Văn bản (số, ngày của quyết định sửa đổi)."))
        code = cells["Mã chỉ tiêu"]
        if code not in self.book.indicators:
            errors.add(
                "Mã chỉ tiêu",
                _("Mã chỉ tiêu %(code)s không có ở trang “%(sheet)s”.")
                % {"code": shown(code), "sheet": INDICATORS_SHEET},
            )
        kind = ""
        if cells["Loại mới"]:
            kind = _word(cells["Loại mới"], "kind")
            if kind is None:
                errors.add(
                    "Loại mới",
                    _("Loại mới %(value)s không hợp lệ: phải là %(words)s, hoặc để trống nếu không đổi.")
                    % {"value": shown(cells["Loại mới"]), "words": or_list(KIND_OF_INDICATOR_WORDS.values())},
                )
        if not (cells["Nội dung mới"] or cells["Loại mới"] or cells["Đơn vị mới"]):
            errors.add(NON_FIELD_ERRORS, _("Sửa đổi phải có Nội dung mới, Loại mới hoặc Đơn vị mới."))
        day = _check_day(self.book, row, errors, "Ngày hiệu lực")
        unverified = not self.flag(row, errors, "Đã đối chiếu") if self.has("Đã đối chiếu") else True
        if errors:
            return
        clash = next(
            (a for a in self.book.amendments if (a["indicator"], a["effective_on"]) == (code, day)), None
        )
        if clash is not None:
            errors.add(
                "Ngày hiệu lực",
                _("Chỉ tiêu %(code)s đã có sửa đổi cùng ngày ở dòng %(first)d.")
                % {"code": code, "first": clash["row"]},
            )
            return
        self.book.amendments.append(
            {
                "row": row.number,
                "indicator": code,
                "decision": cells["Văn bản"],
                "effective_on": day,
                "text": cells["Nội dung mới"],
                "kind": kind,
                "unit": cells["Đơn vị mới"],
                "source": cells["Nguồn"],
                "unverified": unverified,
            }
        )

    def outcome(self, row):
        return self.book.result.outcome("amendments", row.cells["Mã chỉ tiêu"])

    def describe(self, row):
        cells = row.cells
        return f"{cells['Văn bản']} ({cells['Ngày hiệu lực']}): {cells['Mã chỉ tiêu']}"


def _check_day(book: Book, row, errors, column) -> datetime.date | None:
    """A required date that cannot come before the set's own date."""
    cell = row.cells[column]
    day = _date(cell) if cell else None
    if day is None:
        errors.add(
            column,
            _("%(column)s %(value)s không hợp lệ: ghi dd/mm/yyyy.")
            % {"column": column, "value": shown(cell)},
        )
        return None
    if book.set_date and day < book.set_date:
        errors.add(
            column,
            _(
                "%(column)s %(day)s trước ngày ban hành bộ tiêu chí (%(set_date)s): "
                "không thể áp dụng trước khi bộ tiêu chí có."
            )
            % {"column": column, "day": _date_text(day), "set_date": _date_text(book.set_date)},
        )
    return day


SHEETS = (SetSheet, CriterionSheet, IndicatorSheet, TargetSheet, RuleSheet, AmendmentSheet)


def workbook_limits() -> Limits:
    return dataclasses.replace(
        Limits.from_settings(),
        max_rows=MAX_ROWS,
        max_cell_chars=MAX_CELL_CHARS,
        too_many_rows_advice=_("Một bộ tiêu chí không có nhiều dòng như vậy: hãy kiểm tra lại tệp."),
    )


def import_criteria(source, *, user=None, **options) -> ImportReport:
    """Import a criteria workbook; nothing is written unless every row of every sheet is
    valid (or if `dry_run`). `user` must be allowed to change the set (None: a system
    import, as `manage.py import_criteria`). `options` are `run_import`'s."""
    book = Book(user=user)
    sheets = [sheet(book=book, user=user) for sheet in SHEETS]
    options.setdefault("limits", workbook_limits())
    report = run_import(source, sheets, format="xlsx", **options)
    report.criteria_set = book.result.criteria_set if report.ok and book.result else None
    return report


# --- Export -------------------------------------------------------------------------------


def export_criteria(criteria_set: CriteriaSet | None) -> bytes:
    """The workbook of `criteria_set` (or, with None, an empty one to fill in): every sheet
    and column, optional ones included, so it imports back unchanged."""
    rows = {sheet.sheet_name: [] for sheet in SHEETS}
    if criteria_set is not None:
        _export_rows(criteria_set, rows)
    book = ExcelWorkbook()
    book.remove(book.active)
    for sheet in SHEETS:
        worksheet = book.create_sheet(sheet.sheet_name)
        header = (*sheet.columns, *sheet.optional_columns)
        worksheet.append(header)
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        for values in rows[sheet.sheet_name]:
            worksheet.append([value if isinstance(value, int) else neutralise(value) for value in values])
        for index, column in enumerate(header, 1):
            wide = column in ("Tên bộ", "Tên tiêu chí", "Nội dung", "Nội dung mới", "Nguồn", "Minh chứng")
            worksheet.column_dimensions[get_column_letter(index)].width = (
                60 if wide else max(12, len(column) + 2)
            )
        worksheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _yes(flag: bool) -> str:
    return YES if flag else ""


def _export_rows(criteria_set: CriteriaSet, rows: dict) -> None:
    criteria = list(criteria_set.criteria.filter(retired=False).order_by("number"))
    indicators = list(
        Indicator.objects.filter(criterion__criteria_set=criteria_set, retired=False)
        .select_related("criterion")
        .prefetch_related("targets", "amendments")
        .order_by("criterion__number", "order", "code")
    )
    first, last = _period_years(criteria_set.period)
    issuer = criteria_set.issuer.name if criteria_set.issuer_id else NATIONAL_WORDS[0]
    rows[SET_SHEET].append(
        [
            criteria_set.code,
            criteria_set.name,
            criteria_set.name_en,
            LEVEL_WORDS[criteria_set.level],
            TIER_WORDS[criteria_set.tier],
            int(first) if first else "",
            int(last) if last else "",
            criteria_set.legal_basis,
            _date_text(criteria_set.issued_on),
            issuer,
            criteria_set.parent.code if criteria_set.parent_id else "",
            ", ".join(KIND_WORDS[kind] for kind in Commune.Kind.values if kind in criteria_set.applies_to),
            DIMENSION_WORDS[criteria_set.target_dimension],
            criteria_set.source_note,
            _date_text(criteria_set.effective_on),
            criteria_set.signer,
            criteria_set.expected_criteria if criteria_set.expected_criteria is not None else "",
            criteria_set.expected_indicators if criteria_set.expected_indicators is not None else "",
            _yes(criteria_set.verified),
        ]
    )
    for criterion in criteria:
        rows[CRITERIA_SHEET].append(
            [
                criterion.number,
                criterion.name,
                criterion.name_en,
                criterion.group,
                criterion.source,
                _yes(not criterion.unverified),
            ]
        )
    for indicator in indicators:
        rows[INDICATORS_SHEET].append(
            [
                indicator.criterion.number,
                indicator.code,
                indicator.text,
                indicator.text_en,
                KIND_OF_INDICATOR_WORDS[indicator.kind],
                indicator.unit,
                _yes(indicator.conditional),
                "; ".join(indicator.required_evidence or []),
                indicator.source,
                _yes(not indicator.unverified),
                indicator.note,
            ]
        )
        for target in indicator.targets.all():
            rows[TARGETS_SHEET].append(
                [
                    indicator.code,
                    target.region,
                    target.commune_group,
                    target.from_year or "",
                    target.to_year or "",
                    target.value,
                    target.source,
                    _yes(not target.unverified),
                ]
            )
        for amendment in indicator.amendments.all():
            rows[AMENDMENTS_SHEET].append(
                [
                    amendment.decision,
                    _date_text(amendment.effective_on),
                    indicator.code,
                    amendment.text,
                    KIND_OF_INDICATOR_WORDS.get(amendment.kind, ""),
                    amendment.unit,
                    amendment.source,
                    _yes(not amendment.unverified),
                ]
            )
    rows[AMENDMENTS_SHEET].sort(key=lambda values: (_date(values[1]) or datetime.date.min, values[2]))
    for rule in criteria_set.region_rules.order_by("from_date", "commune_class"):
        rows[RULES_SHEET].append(
            [
                CLASS_WORDS[CommuneClass(rule.commune_class)],
                rule.region,
                _date_text(rule.from_date),
                rule.decision,
                rule.source,
            ]
        )
