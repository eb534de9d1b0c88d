"""The units file of DESIGN §5: provinces, districts, communes and villages in one sheet.

    Mã tỉnh | Tỉnh | Mã huyện | Huyện | Mã xã | Xã | Loại | Vùng | Nhóm xã | Mã thôn | Thôn

One row per village; a row with empty village columns carries the commune only.
`UnitResource` is the one code path: the Django admin (preview, then confirm), the
`import_units` / `export_units` commands and any page that calls `import_units()`.
Every row is checked before anything is written, and the import runs in one
transaction that is rolled back unless every row is valid.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import F, Prefetch
from django.utils import translation
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.fields import Field
from import_export.results import RowResult

from ntm.lib.spreadsheets import (
    CSV,
    FORMATS,
    XLSX,
    AllOrNothingMixin,
    ImportReport,
    RowError,
    RowErrors,
    SpreadsheetError,
    SpreadsheetResult,
    blank_row_result,
    cell,
    check_headers,
    or_list,
    parse_row,
    read_spreadsheet,
    render_spreadsheet,
    result_errors,
    shown,
)
from ntm.lib.text import fold

from .models import Commune, CommuneGroup, District, Province, Region, Village

PROVINCE_CODE = "Mã tỉnh"
PROVINCE = "Tỉnh"
DISTRICT_CODE = "Mã huyện"
DISTRICT = "Huyện"
COMMUNE_CODE = "Mã xã"
COMMUNE = "Xã"
KIND = "Loại"
REGION = "Vùng"
GROUP = "Nhóm xã"
VILLAGE_CODE = "Mã thôn"
VILLAGE = "Thôn"
COLUMNS = (
    PROVINCE_CODE, PROVINCE, DISTRICT_CODE, DISTRICT, COMMUNE_CODE, COMMUNE,
    KIND, REGION, GROUP, VILLAGE_CODE, VILLAGE,
)  # fmt: skip

# The file speaks Vietnamese whatever the interface language, so the words written
# in it are constants of the format, not translations.
KIND_WORDS = {
    Commune.Kind.COMMUNE: "Xã",
    Commune.Kind.WARD: "Phường",
    Commune.Kind.TOWNSHIP: "Thị trấn",
    Commune.Kind.SPECIAL_ZONE: "Đặc khu",
}

# Official codes (Tổng cục Thống kê) have fixed widths. Excel stores codes typed as
# numbers without their leading zeros ("01" becomes 1), which would silently create
# a second Hà Nội; all-digit codes are padded back to the official width.
CODE_WIDTHS = {PROVINCE_CODE: 2, DISTRICT_CODE: 3, COMMUNE_CODE: 5}

MAX_LENGTHS = {
    PROVINCE_CODE: Province._meta.get_field("code").max_length,
    PROVINCE: Province._meta.get_field("name").max_length,
    DISTRICT_CODE: District._meta.get_field("code").max_length,
    DISTRICT: District._meta.get_field("name").max_length,
    COMMUNE_CODE: Commune._meta.get_field("code").max_length,
    COMMUNE: Commune._meta.get_field("name").max_length,
    VILLAGE_CODE: Village._meta.get_field("code").max_length,
    VILLAGE: Village._meta.get_field("name").max_length,
}

UNIT_KINDS = ("province", "district", "commune", "village")

# The names other code and older callers know; the parts live in ntm.lib.spreadsheets,
# shared with the scores file.
UnitFileError = SpreadsheetError
UnitCSV = CSV
UnitXLSX = XLSX
__all__ = [
    "COLUMNS", "FORMATS", "RowError", "UnitCSV", "UnitFileError", "UnitImportReport", "UnitResource",
    "UnitXLSX", "export_units", "import_units", "read_units_file", "render_units_file", "result_errors",
    "summary_lines",
]  # fmt: skip


# --- Reading cells and words ------------------------------------------------------


def _word_key(text: str) -> str:
    # "Trung du và miền núi phía Bắc" (the official name) and "Trung du miền núi
    # phía Bắc" (the model's label) are the same region.
    return " ".join(word for word in fold(text).replace("-", " ").split() if word != "va")


@cache
def _kinds() -> dict[str, str]:
    return {_word_key(word): kind for kind, word in KIND_WORDS.items()}


@cache
def _regions() -> dict[str, str]:
    lookup = {}
    with translation.override("vi"):
        for region in Region:
            lookup[_word_key(region.value)] = region.value
            lookup[_word_key(str(region.label))] = region.value
    return lookup


def _group(text: str) -> str | None:
    key = fold(text).removeprefix("nhom").strip()
    return key if key in CommuneGroup.values else None


# --- The resource -------------------------------------------------------------------


class UnitImportResult(SpreadsheetResult):
    """import-export's result with rows numbered as in the sheet, and what each level got."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: {"province": {"new": n, "updated": n, "unchanged": n}, "district": ...}
        self.unit_counts = {}


class _Text(widgets.Widget):
    """A cell of the units file: text, or one of `words` for a stored value."""

    def __init__(self, words=None):
        super().__init__(coerce_to_string=True)
        self.words = words or {}

    def clean(self, value, row=None, **kwargs):
        return cell(value)

    def render(self, value, obj=None, **kwargs):
        if value in (None, ""):
            return ""
        return self.words.get(value, str(value))


@dataclass
class _UnitRow:
    """One non-blank row of the file, as text, plus the words it was parsed into."""

    number: int  # in the spreadsheet: the header is row 1
    cells: dict[str, str]
    has_extra_cells: bool = False
    kind: str | None = None
    region: str | None = None
    commune_group: str | None = None

    @classmethod
    def parse(cls, number, values):
        parsed = parse_row(values, COLUMNS, CODE_WIDTHS)
        if parsed is None:
            return None
        cells, has_extra_cells = parsed
        return cls(number=number, cells=cells, has_extra_cells=has_extra_cells)


def _assign(obj, **values) -> bool:
    """Set attributes; True when one of them changed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _assign_related(obj, name, target) -> bool:
    """Point a foreign key at `target` (possibly not saved yet); True when it changed."""
    current = getattr(obj, f"{name}_id")
    changed = current is not None if target is None else target.pk is None or target.pk != current
    setattr(obj, name, target)
    return changed


class UnitResource(AllOrNothingMixin, resources.ModelResource):
    """One row of the units file = one commune, and the village of that row if any.

    The instance import-export sees is the row's Commune; the row's village rides on
    it as `row_village` so that the preview shows and diffs the village columns too.
    Provinces, districts and villages are created or updated (by code) alongside.
    """

    province_code = Field(attribute="province__code", column_name=PROVINCE_CODE, widget=_Text())
    province_name = Field(attribute="province__name", column_name=PROVINCE, widget=_Text())
    district_code = Field(attribute="district__code", column_name=DISTRICT_CODE, widget=_Text())
    district_name = Field(attribute="district__name", column_name=DISTRICT, widget=_Text())
    code = Field(attribute="code", column_name=COMMUNE_CODE, widget=_Text())
    name = Field(attribute="name", column_name=COMMUNE, widget=_Text())
    kind = Field(attribute="kind", column_name=KIND, widget=_Text(KIND_WORDS))
    region = Field(attribute="region", column_name=REGION, widget=_Text())
    commune_group = Field(attribute="commune_group", column_name=GROUP, widget=_Text())
    village_code = Field(attribute="row_village__code", column_name=VILLAGE_CODE, widget=_Text())
    village_name = Field(attribute="row_village__name", column_name=VILLAGE, widget=_Text())

    class Meta:
        model = Commune
        name = "Địa bàn (tỉnh, huyện, xã, thôn)"
        fields = (
            "province_code", "province_name", "district_code", "district_name", "code", "name",
            "kind", "region", "commune_group", "village_code", "village_name",
        )  # fmt: skip
        import_order = fields
        export_order = fields
        import_id_fields = ["code"]
        use_transactions = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._reset()

    @classmethod
    def get_result_class(cls):
        return UnitImportResult

    def get_queryset(self):
        return Commune.objects.select_related("province", "district")

    # --- import: the whole file is checked first ---

    def _reset(self):
        self._rows: dict[int, _UnitRow | None] = {}  # by import-export's row number
        self._errors: dict[int, RowErrors] = {}
        self._file_unusable = False
        self._provinces: dict[str, Province] = {}
        self._districts: dict[str, District] = {}
        self._communes: dict[str, Commune] = {}
        self._villages: dict[tuple[str, str], Village] = {}
        self._current: _UnitRow | None = None
        self._pending: list[tuple[str, object, object]] = []
        self._row_type = None
        self._row_unit = None
        self._seen = {kind: set() for kind in UNIT_KINDS}
        self._new = {kind: set() for kind in UNIT_KINDS}
        self._updated = {kind: set() for kind in UNIT_KINDS}

    def before_import(self, dataset, **kwargs):
        self._reset()
        try:
            dataset.headers = check_headers(dataset.headers, COLUMNS)
            for number, values in enumerate(dataset, 1):
                self._rows[number] = _UnitRow.parse(number + 1, values)
            if not any(self._rows.values()):
                raise UnitFileError(_("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề."))
        except UnitFileError:
            self._file_unusable = True
            raise
        self._load_existing()
        self._check_rows()

    def _load_existing(self):
        """Load, in a few queries, the units the file names, and keep one object per row."""
        rows = [row for row in self._rows.values() if row]
        codes = {column: {row.cells[column] for row in rows} - {""} for column in CODE_WIDTHS}
        self._provinces = {p.code: p for p in Province.objects.filter(code__in=codes[PROVINCE_CODE])}
        districts = District.objects.select_related("province").filter(code__in=codes[DISTRICT_CODE])
        self._districts = {d.code: d for d in districts}
        communes = list(self.get_queryset().filter(code__in=codes[COMMUNE_CODE]))
        self._communes = {c.code: c for c in communes}
        # Share one Province/District object between the rows that name it, so a
        # rename made by one row is what the next row sees.
        for district in self._districts.values():
            district.province = self._provinces.get(district.province.code, district.province)
        for commune in communes:
            commune.province = self._provinces.get(commune.province.code, commune.province)
            if commune.district is not None:
                commune.district = self._districts.get(commune.district.code, commune.district)
        by_pk = {c.pk: c for c in communes}
        for village in Village.objects.filter(commune__in=by_pk):
            village.commune = by_pk[village.commune_id]
            self._villages[village.commune.code, village.code] = village

    def _check_rows(self):
        firsts = {kind: {} for kind in UNIT_KINDS}
        for number, row in self._rows.items():
            if row is None:
                continue
            errors = RowErrors()
            self._check_cells(row, errors)
            self._check_against_earlier_rows(row, firsts, errors)
            self._check_against_database(row, errors)
            if errors:
                self._errors[number] = errors

    def _check_cells(self, row, errors):
        cells = row.cells
        for column in (PROVINCE_CODE, PROVINCE, COMMUNE_CODE, COMMUNE, KIND):
            if not cells[column]:
                errors.add(column, _("Thiếu %(column)s.") % {"column": column})
        for column, limit in MAX_LENGTHS.items():
            if len(cells[column]) > limit:
                errors.add(
                    column, _("%(column)s dài quá %(limit)d ký tự.") % {"column": column, "limit": limit}
                )
        pairs = ((DISTRICT_CODE, DISTRICT), (VILLAGE_CODE, VILLAGE))
        for code_column, name_column in pairs:
            if cells[code_column] and not cells[name_column]:
                errors.add(
                    name_column,
                    _("Có %(given)s %(value)s nhưng thiếu %(missing)s.")
                    % {"given": code_column, "value": shown(cells[code_column]), "missing": name_column},
                )
            if cells[name_column] and not cells[code_column]:
                errors.add(
                    code_column,
                    _("Có %(given)s %(value)s nhưng thiếu %(missing)s.")
                    % {"given": name_column, "value": shown(cells[name_column]), "missing": code_column},
                )
        if cells[KIND]:
            row.kind = _kinds().get(_word_key(cells[KIND]))
            if row.kind is None:
                errors.add(
                    KIND,
                    _("Loại %(value)s không hợp lệ: phải là %(words)s.")
                    % {"value": shown(cells[KIND]), "words": or_list(KIND_WORDS.values())},
                )
        row.region = _regions().get(_word_key(cells[REGION])) if cells[REGION] else ""
        if row.region is None:
            errors.add(
                REGION,
                _("Vùng %(value)s không hợp lệ: phải là mã vùng (%(codes)s) hoặc tên vùng.")
                % {"value": shown(cells[REGION]), "codes": ", ".join(Region.values)},
            )
        row.commune_group = _group(cells[GROUP]) if cells[GROUP] else ""
        if row.commune_group is None:
            errors.add(
                GROUP,
                _("Nhóm xã %(value)s không hợp lệ: phải là %(words)s hoặc để trống.")
                % {"value": shown(cells[GROUP]), "words": ", ".join(CommuneGroup.values)},
            )
        if row.has_extra_cells:
            errors.add(
                NON_FIELD_ERRORS,
                _("Có dữ liệu ở cột không có tiêu đề (sau cột %(last)s).") % {"last": COLUMNS[-1]},
            )

    def _check_against_earlier_rows(self, row, firsts, errors):
        """A code names one unit: the same code must carry the same particulars."""
        cells = row.cells
        checks = (
            ("province", PROVINCE_CODE, (PROVINCE,)),
            ("district", DISTRICT_CODE, (DISTRICT, PROVINCE_CODE)),
            ("commune", COMMUNE_CODE, (COMMUNE, PROVINCE_CODE, DISTRICT_CODE, KIND, REGION, GROUP)),
        )
        for kind, key_column, columns in checks:
            code = cells[key_column]
            if not code:
                continue
            first = firsts[kind].setdefault(code, row)
            for column in columns if first is not row else ():
                if not _same(column, first, row):
                    errors.add(
                        column,
                        _("%(key)s %(code)s đã có ở dòng %(first)d với %(column)s %(before)s, khác %(now)s.")
                        % {
                            "key": key_column,
                            "code": shown(code),
                            "first": first.number,
                            "column": column,
                            "before": shown(first.cells[column]),
                            "now": shown(cells[column]),
                        },
                    )
        if cells[COMMUNE_CODE] and cells[VILLAGE_CODE]:
            first = firsts["village"].setdefault((cells[COMMUNE_CODE], cells[VILLAGE_CODE]), row)
            if first is not row:
                errors.add(
                    VILLAGE_CODE,
                    _("Mã xã %(commune)s và Mã thôn %(village)s trùng với dòng %(first)d.")
                    % {
                        "commune": shown(cells[COMMUNE_CODE]),
                        "village": shown(cells[VILLAGE_CODE]),
                        "first": first.number,
                    },
                )

    def _check_against_database(self, row, errors):
        code, province_code = row.cells[DISTRICT_CODE], row.cells[PROVINCE_CODE]
        district = self._districts.get(code)
        if district is not None and province_code and district.province.code != province_code:
            errors.add(
                DISTRICT_CODE,
                _(
                    "Mã huyện %(code)s đã có trong hệ thống, thuộc tỉnh %(province)s (mã %(province_code)s), "
                    "không thuộc Mã tỉnh %(value)s."
                )
                % {
                    "code": shown(code),
                    "province": district.province.name,
                    "province_code": district.province.code,
                    "value": shown(province_code),
                },
            )

    # --- import: one row, through import-export's import_row() ---

    def import_row(self, row, instance_loader, **kwargs):
        unit_row = None if self._file_unusable else self._rows.get(kwargs["row_number"])
        if unit_row is None:
            return blank_row_result(self)
        self._current = unit_row
        self._pending = []
        return super().import_row(row, instance_loader, **kwargs)

    def get_instance(self, instance_loader, row):
        return self._communes.get(self._current.cells[COMMUNE_CODE])

    def after_init_instance(self, instance, new, row, **kwargs):
        cells = self._current.cells
        key = (cells[COMMUNE_CODE], cells[VILLAGE_CODE])
        # Set before import-export copies the instance, so the preview diffs the village too.
        instance.row_village = self._villages.get(key) if cells[VILLAGE_CODE] else None

    def import_instance(self, instance, row, **kwargs):
        errors = self._errors.get(kwargs["row_number"])
        if errors:
            raise ValidationError(dict(errors))
        unit_row, cells = self._current, self._current.cells

        code = cells[PROVINCE_CODE]
        province = self._provinces.setdefault(code, Province(code=code))
        self._stage("province", code, province, _assign(province, name=cells[PROVINCE]))

        district = None
        if code := cells[DISTRICT_CODE]:
            district = self._districts.setdefault(code, District(code=code))
            changed = _assign(district, name=cells[DISTRICT])
            changed |= _assign_related(district, "province", province)
            self._stage("district", code, district, changed)

        code = cells[COMMUNE_CODE]
        changed = _assign(
            instance,
            code=code,
            name=cells[COMMUNE],
            kind=unit_row.kind,
            region=unit_row.region,
            commune_group=unit_row.commune_group,
        )
        changed |= _assign_related(instance, "province", province)
        changed |= _assign_related(instance, "district", district)
        self._communes[code] = instance
        self._stage("commune", code, instance, changed)
        unit = instance

        if cells[VILLAGE_CODE]:
            key = (code, cells[VILLAGE_CODE])
            village = instance.row_village or Village(commune=instance, code=cells[VILLAGE_CODE])
            instance.row_village = self._villages[key] = village
            self._stage("village", key, village, _assign(village, name=cells[VILLAGE]))
            unit = village

        # The row is "new" when it adds its unit (the village, or the commune of a
        # commune-only row), "update" when it changes anything, "skip" otherwise.
        if unit.pk is None:
            self._row_type = RowResult.IMPORT_TYPE_NEW
        elif self._pending:
            self._row_type = RowResult.IMPORT_TYPE_UPDATE
        else:
            self._row_type = RowResult.IMPORT_TYPE_SKIP
        self._row_unit = unit

    def _stage(self, kind, key, obj, changed):
        self._seen[kind].add(key)
        if obj.pk is None or changed:
            self._pending.append((kind, key, obj))

    def save_instance(self, instance, is_create, row, **kwargs):
        if not self._is_using_transactions(kwargs) and self._is_dry_run(kwargs):
            return  # nothing could be rolled back, so nothing is written
        # Parents first, so the commune and village point at saved rows.
        for kind, key, obj in self._pending:
            created = obj.pk is None
            obj.save()
            (self._new if created else self._updated)[kind].add(key)

    def after_import_row(self, row, row_result, **kwargs):
        row_result.import_type = self._row_type
        row_result.add_instance_info(self._row_unit)
        if row_result.instance is not None:
            # The admin logs this object: the village the row added or changed.
            row_result.instance = self._row_unit

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        result.unit_counts = self.unit_counts()

    def unit_counts(self) -> dict[str, dict[str, int]]:
        counts = {}
        for kind in UNIT_KINDS:
            new, updated = self._new[kind], self._updated[kind] - self._new[kind]
            counts[kind] = {
                "new": len(new),
                "updated": len(updated),
                "unchanged": len(self._seen[kind] - new - updated),
            }
        return counts

    # --- export ---

    def filter_export(self, queryset, **kwargs):
        # The province and district admins export every unit under the selected rows.
        if queryset.model is Province:
            return Commune.objects.filter(province__in=queryset)
        if queryset.model is District:
            return Commune.objects.filter(district__in=queryset)
        return queryset

    def iter_queryset(self, queryset):
        """One row per village, and one for each commune without villages (two queries)."""
        communes = (
            queryset.select_related("province", "district")
            .prefetch_related(Prefetch("villages", queryset=Village.objects.order_by("code")))
            .order_by("province__code", F("district__code").asc(nulls_first=True), "code")
        )
        for commune in communes:
            for village in list(commune.villages.all()) or [None]:
                unit_row = copy.copy(commune)
                unit_row.row_village = village
                yield unit_row


def _same(column, first, row) -> bool:
    parsed = {KIND: "kind", REGION: "region", GROUP: "commune_group"}.get(column)
    if parsed is None:
        return first.cells[column] == row.cells[column]
    before, now = getattr(first, parsed), getattr(row, parsed)
    # A word that could not be read is reported on its own row already.
    return before is None or now is None or before == now


# --- The plain functions other code calls --------------------------------------------


@dataclass
class UnitImportReport(ImportReport):
    """What a units import did, or would do (`dry_run`), and why a file was refused.

    `counts`: {"province": {"new": n, "updated": n, "unchanged": n}, "district": ...,
    "commune": ..., "village": ...}
    """

    def summary_lines(self) -> list[str]:
        return summary_lines(self.counts)


def summary_lines(counts: dict[str, dict[str, int]]) -> list[str]:
    """ "Xã: 2 mới, 1 cập nhật, 5 không đổi." for each level present in `counts`."""
    labels = {"province": _("Tỉnh"), "district": _("Huyện"), "commune": _("Xã"), "village": _("Thôn")}
    return [
        _("%(unit)s: %(new)d mới, %(updated)d cập nhật, %(unchanged)d không đổi.")
        % {"unit": labels[kind], **counts[kind]}
        for kind in UNIT_KINDS
        if kind in counts
    ]


def read_units_file(source, *, format: str | None = None) -> tablib.Dataset:
    """The first sheet of an .xlsx, or a .csv, as a dataset; UnitFileError if unreadable.

    `source` is a path, the file's bytes, or an open/uploaded file. `format` ("xlsx"
    or "csv") defaults to the file name's extension, else to what the bytes look like.
    """
    return read_spreadsheet(source, format=format)


def import_units(source, *, format: str | None = None, dry_run: bool = False, user=None) -> UnitImportReport:
    """Import a units file; nothing is written unless every row is valid (or if `dry_run`)."""
    try:
        dataset = read_units_file(source, format=format)
    except UnitFileError as error:
        return UnitImportReport(dry_run=dry_run, errors=[RowError(error.row, "", str(error))])
    result = UnitResource().import_data(dataset, dry_run=dry_run, user=user)
    return UnitImportReport(
        dry_run=dry_run, errors=result_errors(result), counts=result.unit_counts, result=result
    )


def export_units(queryset=None) -> tablib.Dataset:
    """The units file for `queryset` (communes, default all; or provinces or districts)."""
    return UnitResource().export(queryset=queryset)


def render_units_file(dataset: tablib.Dataset, *, format: str = "xlsx") -> bytes:
    """The bytes of an .xlsx or a .csv (UTF-8 with BOM, which Excel needs) for `dataset`."""
    return render_spreadsheet(dataset, format=format)
