"""The units file of DESIGN §5: provinces, districts, communes and villages in one sheet.

    Mã tỉnh | Tỉnh | Mã huyện | Huyện | Mã xã | Xã | Loại | Vùng | Nhóm xã | Mã thôn | Thôn
    [| Phân loại]

One row per village; a row with empty village columns carries the commune only.
`Phân loại` (optional, so older files stay valid) lists the commune's classes,
comma-separated; a file without the column leaves the classes as they are.
`UnitSheet` declares the file once: the admin's preview and confirm (`UnitResource`),
the `import_units` / `export_units` commands and any page or task that calls
`import_units()` check it the same way. Every row is checked before anything is
written, and a valid file is written in bulk, level by level, in one transaction.
"""

from __future__ import annotations

import copy
import datetime
from functools import cache

import tablib
from django.db.models import F, Prefetch
from django.utils import translation
from django.utils.translation import gettext as _
from import_export import widgets
from import_export.fields import Field
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ntm.lib.spreadsheet_files import cell
from ntm.lib.spreadsheets import (
    NEW,
    SKIP,
    UPDATE,
    CheckedSheet,
    ImportReport,
    Row,
    SheetResource,
    or_list,
    render_spreadsheet,
    run_import,
    shown,
)
from ntm.lib.text import fold

from .models import Commune, CommuneClass, CommuneGroup, District, Province, Region, Village
from .services import merger_errors, record_merger

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
CLASSES = "Phân loại"
COLUMNS = (
    PROVINCE_CODE, PROVINCE, DISTRICT_CODE, DISTRICT, COMMUNE_CODE, COMMUNE,
    KIND, REGION, GROUP, VILLAGE_CODE, VILLAGE,
)  # fmt: skip
# Optional, after Thôn (older files stay valid): the row's commune was formed on
# `Ngày sáp nhập` (dd/mm/yyyy) by merging the communes `Sáp nhập từ` (codes, comma-separated).
MERGED_FROM = "Sáp nhập từ"
MERGED_ON = "Ngày sáp nhập"
# Optional too: the commune's classes (`Phân loại`, e.g. "ĐBKK, ATK"), which decide the
# region whose targets apply to it.
OPTIONAL_COLUMNS = (CLASSES, MERGED_FROM, MERGED_ON)

# The file speaks Vietnamese whatever the interface language, so the words written
# in it are constants of the format, not translations.
KIND_WORDS = {
    Commune.Kind.COMMUNE: "Xã",
    Commune.Kind.WARD: "Phường",
    Commune.Kind.TOWNSHIP: "Thị trấn",
    Commune.Kind.SPECIAL_ZONE: "Đặc khu",
}
CLASS_WORDS = {
    CommuneClass.EXTREMELY_DIFFICULT: "ĐBKK",
    CommuneClass.ZONE_II: "KV-II",
    CommuneClass.ZONE_III: "KV-III",
    CommuneClass.COASTAL: "Bãi ngang",
    CommuneClass.ISLAND: "Hải đảo",
    CommuneClass.SAFE_ZONE: "ATK",
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

# The levels, parents first: the order they are written in.
LEVELS = {"province": Province, "district": District, "commune": Commune, "village": Village}
# What a changed unit rewrites.
UPDATED_FIELDS = {
    "province": ["name", "search_name"],
    "district": ["name", "search_name", "province"],
    "commune": ["name", "search_name", "kind", "region", "commune_group", "classes", "province", "district"],
    "village": ["name", "search_name"],
}


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


@cache
def _class_words() -> dict[str, str]:
    lookup = {_word_key(word): value for value, word in CLASS_WORDS.items()}
    lookup.update({_word_key(value): value for value in CommuneClass.values})
    # "Khu vực II", "KV II", "KV2": the same class.
    lookup.update({"khu vuc ii": CommuneClass.ZONE_II, "khu vuc iii": CommuneClass.ZONE_III})
    lookup.update({"kv ii": CommuneClass.ZONE_II, "kv iii": CommuneClass.ZONE_III})
    lookup.update(
        {"dac biet kho khan": CommuneClass.EXTREMELY_DIFFICULT, "an toan khu": CommuneClass.SAFE_ZONE}
    )
    return lookup


def parse_kind(text: str) -> str | None:
    """A Commune.Kind from its word in the files ("Xã", "Thị trấn"…); None for another word."""
    return _kinds().get(_word_key(text))


def parse_region(text: str) -> str | None:
    """A region's code from its code or Vietnamese name (ignoring case and diacritics); None
    for a word that names no region."""
    return _regions().get(_word_key(text))


def parse_commune_group(text: str) -> str | None:
    """ "1", "Nhóm 1", "nhom_1" -> "1"; None for anything else."""
    key = fold(text).replace("_", " ").removeprefix("nhom").strip()
    return key if key in CommuneGroup.values else None


def parse_commune_class(text: str) -> str | None:
    """A CommuneClass value from its word in the files ("ĐBKK", "KV-II", "Bãi ngang"…)."""
    return _class_words().get(_word_key(text))


def parse_words(text: str, parse) -> tuple[list[str], list[str]]:
    """The values of a comma-separated cell, in order and once each, and the words
    `parse` did not recognise."""
    values, unknown = [], []
    for word in filter(None, (part.strip() for part in text.replace(";", ",").split(","))):
        value = parse(word)
        if value is None:
            unknown.append(word)
        elif value not in values:
            values.append(value)
    return values, unknown


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
    if target is None:
        changed = getattr(obj, f"{name}_id") is not None
    elif target.pk is None:
        field = obj._meta.get_field(name)
        changed = not field.is_cached(obj) or field.get_cached_value(obj) is not target
    else:
        changed = getattr(obj, f"{name}_id") != target.pk
    setattr(obj, name, target)
    return changed


# --- The sheet ----------------------------------------------------------------------


class UnitRow(Row):
    """A row of the units file, and the words it was parsed into."""

    __slots__ = ("kind", "region", "commune_group", "classes", "merger")

    def __init__(self, number, cells, has_extra_cells=False):
        super().__init__(number, cells, has_extra_cells)
        self.kind = self.region = self.commune_group = self.classes = None
        #: (predecessor codes, merger date) when the row carries a merger.
        self.merger = None


class UnitSheet(CheckedSheet):
    """One row of the units file = one commune, and the village of that row if any.

    Provinces, districts and villages are created or updated (by code) alongside.
    """

    columns = COLUMNS
    optional_columns = OPTIONAL_COLUMNS
    code_widths = CODE_WIDTHS
    row_class = UnitRow

    def __init__(self, *, user=None, access=None):
        super().__init__(user=user)
        #: The importer's access (communes/access.py), when the file may write only the
        #: units they coordinate (the page); None for the administrator's tools.
        self.access = access
        self._units: dict[str, dict] = {kind: {} for kind in LEVELS}
        self._firsts: dict[str, dict] = {kind: {} for kind in LEVELS}
        self._seen = {kind: set() for kind in LEVELS}
        self._new = {kind: set() for kind in LEVELS}
        self._updated = {kind: set() for kind in LEVELS}
        # Mergers: {new commune code: (codes, date, row number)}, {predecessor code: new code},
        # and the new communes whose merger this import writes.
        self._mergers: dict[str, tuple] = {}
        self._merged_into: dict[str, str] = {}
        self._merging: set[str] = set()
        self._done_mergers: set[str] = set()

    def prepare(self):
        """Load, in four queries, the units the file names, one object per code."""
        codes = {column: {row.cells[column] for row in self.rows} - {""} for column in CODE_WIDTHS}
        codes[COMMUNE_CODE] |= {code for row in self.rows for code in _codes(row.cells[MERGED_FROM])}
        provinces = {p.code: p for p in Province.objects.filter(code__in=codes[PROVINCE_CODE])}
        districts = District.objects.select_related("province").filter(code__in=codes[DISTRICT_CODE])
        districts = {d.code: d for d in districts}
        communes = Commune.objects.select_related("province", "district").filter(code__in=codes[COMMUNE_CODE])
        communes = {c.code: c for c in communes}
        # Share one Province/District object between the rows that name it, so a
        # rename made by one row is what the next row sees.
        for district in districts.values():
            district.province = provinces.get(district.province.code, district.province)
        for commune in communes.values():
            commune.province = provinces.get(commune.province.code, commune.province)
            if commune.district is not None:
                commune.district = districts.get(commune.district.code, commune.district)
        by_pk = {c.pk: c for c in communes.values()}
        villages = {}
        for village in Village.objects.filter(commune__in=by_pk):
            village.commune = by_pk[village.commune_id]
            villages[village.commune.code, village.code] = village
        self._units = {"province": provinces, "district": districts, "commune": communes, "village": villages}
        # The communes the file itself names, by code (its first row), which a merger
        # row may name as predecessors though they are not stored yet.
        self._file_communes = {}
        for row in self.rows:
            self._file_communes.setdefault(row.cells[COMMUNE_CODE], row)

    # --- check: every row, before anything is written ---

    def check(self, row, errors):
        self._check_cells(row, errors)
        self._check_against_earlier_rows(row, errors)
        self._check_against_database(row, errors)
        if row.cells[MERGED_FROM] or row.cells[MERGED_ON]:
            self._check_merger(row, errors)
        if self.access is not None:
            self._check_access(row, errors)

    def _check_access(self, row, errors):
        """Every unit the row names is the importer's to write (Access.refused_units)."""
        cells, units = row.cells, self._units
        province = units["province"].get(cells[PROVINCE_CODE]) or Province(code=cells[PROVINCE_CODE])
        district = None
        if cells[DISTRICT_CODE]:
            district = units["district"].get(cells[DISTRICT_CODE]) or District(code=cells[DISTRICT_CODE])
        commune = units["commune"].get(cells[COMMUNE_CODE]) or Commune(code=cells[COMMUNE_CODE])
        predecessors = [units["commune"][c] for c in _codes(cells[MERGED_FROM]) if c in units["commune"]]
        refused = self.access.refused_units(
            province=province,
            district=district,
            commune=commune,
            predecessors=predecessors,
            renames_province=province.pk is not None and province.name != cells[PROVINCE],
        )
        for unit in refused:
            column, level = {
                Province: (PROVINCE_CODE, _("tỉnh")),
                District: (DISTRICT_CODE, _("huyện")),
                Commune: (MERGED_FROM if unit in predecessors else COMMUNE_CODE, _("xã")),
            }[type(unit)]
            if unit.pk is None:
                message = _("Bạn không được thêm %(level)s mới mã “%(code)s” ở đây.")
            elif unit is province and province.name != cells[PROVINCE]:
                message = _("Chỉ người điều phối cả tỉnh mới đổi được tên tỉnh mã “%(code)s”.")
            else:
                message = _("Bạn không điều phối %(level)s mã “%(code)s”.")
            errors.add(column, message % {"level": level, "code": unit.code})

    def _check_merger(self, row, errors):
        """A merger as the merger page and command check it, and once per commune."""
        cells, code = row.cells, row.cells[COMMUNE_CODE]
        for given, missing in ((MERGED_FROM, MERGED_ON), (MERGED_ON, MERGED_FROM)):
            if not cells[missing]:
                errors.add(
                    missing,
                    _("Có %(given)s %(value)s nhưng thiếu %(missing)s.")
                    % {"given": given, "value": shown(cells[given]), "missing": missing},
                )
                return
        try:
            on = datetime.datetime.strptime(cells[MERGED_ON], "%d/%m/%Y").date()
        except ValueError:
            errors.add(
                MERGED_ON,
                _("Ngày sáp nhập %(value)s không hợp lệ: viết dd/mm/yyyy.")
                % {"value": shown(cells[MERGED_ON])},
            )
            return
        codes = _codes(cells[MERGED_FROM])
        first = self._mergers.setdefault(code, (codes, on, row.number))
        if first[:2] != (codes, on):
            errors.add(
                MERGED_FROM,
                _("Mã xã %(code)s đã có ở dòng %(first)d với một cuộc sáp nhập khác.")
                % {"code": shown(code), "first": first[2]},
            )
            return
        if first[2] != row.number:
            row.merger = (codes, on)
            return
        for predecessor in codes:
            into = self._merged_into.setdefault(predecessor, code)
            if into != code:
                errors.add(
                    MERGED_FROM,
                    _("Xã mã “%(code)s” đã được sáp nhập vào xã mã “%(into)s” ở dòng khác của tệp.")
                    % {"code": predecessor, "into": into},
                )
        communes = self._units["commune"]
        predecessors = {predecessor: communes.get(predecessor) for predecessor in codes}
        for predecessor, commune in predecessors.items():
            first_row = self._file_communes.get(predecessor)
            if commune is None and first_row is not None:
                # A commune this file creates, merged in the same file (A, B and C, then
                # the commune formed of them): new, so no earlier dates to check.
                predecessors[predecessor] = Commune(
                    code=predecessor, province=self._units["province"].get(first_row.cells[PROVINCE_CODE])
                )
                if first_row.cells[PROVINCE_CODE] != cells[PROVINCE_CODE]:
                    errors.add(MERGED_FROM, _("Các xã sáp nhập phải cùng một tỉnh."))
        into = communes.get(code)
        for message in merger_errors(into_code=code, into=into, predecessors=predecessors, on=on):
            errors.add(MERGED_FROM, message)
        row.merger = (codes, on)

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
            row.kind = parse_kind(cells[KIND])
            if row.kind is None:
                errors.add(
                    KIND,
                    _("Loại %(value)s không hợp lệ: phải là %(words)s.")
                    % {"value": shown(cells[KIND]), "words": or_list(KIND_WORDS.values())},
                )
        row.region = parse_region(cells[REGION]) if cells[REGION] else ""
        if row.region is None:
            errors.add(
                REGION,
                _("Vùng %(value)s không hợp lệ: phải là mã vùng (%(codes)s) hoặc tên vùng.")
                % {"value": shown(cells[REGION]), "codes": ", ".join(Region.values)},
            )
        row.commune_group = parse_commune_group(cells[GROUP]) if cells[GROUP] else ""
        if row.commune_group is None:
            errors.add(
                GROUP,
                _("Nhóm xã %(value)s không hợp lệ: phải là %(words)s hoặc để trống.")
                % {"value": shown(cells[GROUP]), "words": ", ".join(CommuneGroup.values)},
            )
        classes, unknown = parse_words(cells[CLASSES], parse_commune_class)
        row.classes = sorted(classes, key=CommuneClass.values.index)
        if unknown:
            errors.add(
                CLASSES,
                _(
                    "Phân loại %(value)s không hợp lệ: mỗi phân loại là một trong %(words)s, "
                    "cách nhau bởi dấu phẩy."
                )
                % {"value": shown(", ".join(unknown)), "words": ", ".join(CLASS_WORDS.values())},
            )

    def _check_against_earlier_rows(self, row, errors):
        """A code names one unit: the same code must carry the same particulars."""
        cells, firsts = row.cells, self._firsts
        checks = (
            ("province", PROVINCE_CODE, (PROVINCE,)),
            ("district", DISTRICT_CODE, (DISTRICT, PROVINCE_CODE)),
            ("commune", COMMUNE_CODE, (COMMUNE, PROVINCE_CODE, DISTRICT_CODE, KIND, REGION, GROUP, CLASSES)),
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
        district = self._units["district"].get(code)
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

    # --- save: a batch of valid rows, level by level in bulk ---

    def save_order(self, row):
        # Mergers last: the communes they end may be created by other rows of the file.
        return (row.merger is not None, row.number)

    def save(self, rows, *, dry_run):
        pending = {kind: {} for kind in LEVELS}
        for row in rows:
            self._apply(row, pending)
        if not dry_run:
            for kind, model in LEVELS.items():
                units = list(pending[kind].values())
                for unit in units:
                    unit.search_name = fold(unit.name)
                new = [unit for unit in units if unit.pk is None]
                changed = [unit for unit in units if unit.pk is not None]
                # bulk_create gives the new units their keys, so children point at them.
                # With history: who changed a unit, and the dashboard's data version.
                bulk_create_with_history(new, model, default_user=self.user)
                bulk_update_with_history(changed, model, UPDATED_FIELDS[kind], default_user=self.user)
            for row in rows:
                code = row.cells[COMMUNE_CODE]
                if row.merger is not None and code in self._merging:
                    codes, on = row.merger
                    communes = self._units["commune"]
                    record_merger(into=communes[code], predecessors=[communes[c] for c in codes], on=on)
                    self._merging.discard(code)

    def _apply(self, row, pending):
        """Set the row's units to what it says; stage what it creates or changes."""
        cells, units = row.cells, self._units
        changes = []

        code = cells[PROVINCE_CODE]
        province = units["province"].setdefault(code, Province(code=code))
        changes.append(
            self._stage("province", code, province, _assign(province, name=cells[PROVINCE]), pending)
        )

        district = None
        if code := cells[DISTRICT_CODE]:
            district = units["district"].setdefault(code, District(code=code))
            changed = _assign(district, name=cells[DISTRICT])
            changed |= _assign_related(district, "province", province)
            changes.append(self._stage("district", code, district, changed, pending))

        code = cells[COMMUNE_CODE]
        commune = units["commune"].setdefault(code, Commune(code=code))
        values = {
            "name": cells[COMMUNE],
            "kind": row.kind,
            "region": row.region,
            "commune_group": row.commune_group,
        }
        if CLASSES in self.header:
            # A file without the column (an older one) leaves the classes as they are.
            values["classes"] = row.classes
        changed = _assign(commune, **values)
        changed |= _assign_related(commune, "province", province)
        changed |= _assign_related(commune, "district", district)
        if row.merger is not None:
            codes, on = row.merger
            if commune.pk is None:
                # A commune formed by the merger exists from its day.
                changed |= _assign(commune, valid_from=on)
            if any(units["commune"][c].valid_to is None for c in codes) and code not in self._done_mergers:
                self._merging.add(code)
                self._done_mergers.add(code)
                changed = True
        # The row is new when it adds its unit (the village, or the commune of a
        # commune-only row), an update when it changes anything, skipped otherwise.
        adds = commune.pk is None and code not in self._seen["commune"]
        changes.append(self._stage("commune", code, commune, changed, pending))
        unit = commune

        if cells[VILLAGE_CODE]:
            key = (code, cells[VILLAGE_CODE])
            village = units["village"].setdefault(key, Village(commune=commune, code=cells[VILLAGE_CODE]))
            adds = village.pk is None and key not in self._seen["village"]
            changes.append(
                self._stage("village", key, village, _assign(village, name=cells[VILLAGE]), pending)
            )
            unit = village

        row.outcome = NEW if adds else UPDATE if any(changes) else SKIP
        if self.retain_instances:
            row.instance = unit

    def _stage(self, kind, key, unit, changed, pending) -> bool:
        """Note a unit the row names; True when this row creates or changes it."""
        created = unit.pk is None and key not in self._seen[kind]
        self._seen[kind].add(key)
        if created:
            self._new[kind].add(key)
        elif changed:
            self._updated[kind].add(key)
        if created or changed:
            pending[kind][key] = unit
        return created or changed

    def counts(self) -> dict[str, dict[str, int]]:
        counts = {}
        for kind in LEVELS:
            new, updated = self._new[kind], self._updated[kind] - self._new[kind]
            counts[kind] = {
                "new": len(new),
                "updated": len(updated),
                "unchanged": len(self._seen[kind] - new - updated),
            }
        return counts

    def summary_lines(self):
        lines = summary_lines(self.counts())
        if self._done_mergers:
            merged = sum(len(self._mergers[code][0]) for code in self._done_mergers)
            lines.append(
                _("Sáp nhập: %(merged)d xã thành %(formed)d xã.")
                % {"merged": merged, "formed": len(self._done_mergers)}
            )
        return lines

    def describe(self, row):
        cells = row.cells
        if cells[VILLAGE]:
            return f"{cells[VILLAGE]} ({cells[COMMUNE]})"
        return cells[COMMUNE]


def _codes(text: str) -> list[str]:
    """The commune codes of a "Sáp nhập từ" cell, padded back to the official width."""
    width = CODE_WIDTHS[COMMUNE_CODE]
    codes = (code.strip() for code in text.replace(";", ",").split(","))
    return list(dict.fromkeys(code.zfill(width) if code.isdigit() else code for code in codes if code))


def _same(column, first, row) -> bool:
    parsed = {KIND: "kind", REGION: "region", GROUP: "commune_group", CLASSES: "classes"}.get(column)
    if parsed is None:
        return first.cells[column] == row.cells[column]
    before, now = getattr(first, parsed), getattr(row, parsed)
    # A word that could not be read is reported on its own row already.
    return before is None or now is None or before == now


# --- Export columns, and the admin's resource -----------------------------------------


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


class _Classes(widgets.Widget):
    """The commune's classes as the file writes them: "ĐBKK, ATK"."""

    def render(self, value, obj=None, **kwargs):
        return ", ".join(word for code, word in CLASS_WORDS.items() if code in (value or []))


class UnitResource(SheetResource):
    """The units file for the admin: its import is `UnitSheet`; its export has one row per
    village and one per commune without villages, the village riding on the commune as
    `row_village`."""

    sheet_class = UnitSheet

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
    classes = Field(attribute="classes", column_name=CLASSES, widget=_Classes())
    merged_from = Field(attribute="row_merged_from", column_name=MERGED_FROM, widget=_Text())
    merged_on = Field(attribute="row_merged_on", column_name=MERGED_ON, widget=_Text())

    class Meta:
        model = Commune
        name = "Địa bàn (tỉnh, huyện, xã, thôn)"
        fields = (
            "province_code", "province_name", "district_code", "district_name", "code", "name",
            "kind", "region", "commune_group", "village_code", "village_name", "classes",
            "merged_from", "merged_on",
        )  # fmt: skip
        export_order = fields

    def get_queryset(self):
        return Commune.objects.select_related("province", "district")

    def filter_export(self, queryset, **kwargs):
        # The province and district admins export every unit under the selected rows.
        if queryset.model is Province:
            return Commune.objects.filter(province__in=queryset)
        if queryset.model is District:
            return Commune.objects.filter(district__in=queryset)
        return queryset

    def iter_queryset(self, queryset):
        """One row per village, and one for each commune without villages; a commune formed
        by a merger carries it on each of its rows (three queries)."""
        communes = (
            queryset.select_related("province", "district")
            .prefetch_related(
                Prefetch("villages", queryset=Village.objects.order_by("code")),
                Prefetch("predecessors", queryset=Commune.objects.only("code", "valid_to").order_by("code")),
            )
            .order_by("province__code", F("district__code").asc(nulls_first=True), "code")
        )
        for commune in communes:
            merged_from, merged_on = _last_merger(commune)
            for village in list(commune.villages.all()) or [None]:
                unit_row = copy.copy(commune)
                unit_row.row_village = village
                unit_row.row_merged_from = ", ".join(merged_from)
                unit_row.row_merged_on = merged_on.strftime("%d/%m/%Y") if merged_on else ""
                yield unit_row


def _last_merger(commune) -> tuple[list[str], datetime.date | None]:
    """The codes of the communes merged into `commune` on its latest merger, and that
    day (the day after they ended). The file carries one merger per commune: an earlier
    one stays in the database, and importing the file again leaves it as it is."""
    ends = [p.valid_to for p in commune.predecessors.all() if p.valid_to is not None]
    if not ends:
        return [], None
    eve = max(ends)
    return [p.code for p in commune.predecessors.all() if p.valid_to == eve], eve + datetime.timedelta(days=1)


# --- The plain functions other code calls --------------------------------------------


def summary_lines(counts: dict[str, dict[str, int]]) -> list[str]:
    """ "Xã: 2 mới, 1 cập nhật, 5 không đổi." for each level present in `counts`."""
    labels = {"province": _("Tỉnh"), "district": _("Huyện"), "commune": _("Xã"), "village": _("Thôn")}
    return [
        _("%(unit)s: %(new)d mới, %(updated)d cập nhật, %(unchanged)d không đổi.")
        % {"unit": labels[kind], **counts[kind]}
        for kind in LEVELS
        if kind in counts
    ]


def import_units(source, *, user=None, access=None, **options) -> ImportReport:
    """Import a units file; nothing is written unless every row is valid (or if `dry_run`).

    `source` is a path, bytes or an open file; `access` (the importer's, from the page)
    refuses rows naming units they do not coordinate; `options` are `run_import`'s, as
    for `import_scores`. `report.counts` is {"province": {"new": n, "updated": n,
    "unchanged": n}, "district": ..., "commune": ..., "village": ...}.
    """
    return run_import(source, [UnitSheet(user=user, access=access)], **options)


def export_units(queryset=None) -> tablib.Dataset:
    """The units file for `queryset` (communes, default all; or provinces or districts)."""
    return UnitResource().export(queryset=queryset)


def render_units_file(dataset: tablib.Dataset, *, format: str = "xlsx") -> bytes:
    """The bytes of an .xlsx or a .csv (UTF-8 with BOM, which Excel needs) for `dataset`."""
    return render_spreadsheet(dataset, format=format)
