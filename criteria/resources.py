"""The scores file of DESIGN §5: one indicator's result for a commune (or village) per row.

    Mã xã | Xã | Mã thôn | Bộ tiêu chí | Mã chỉ tiêu | Năm | Giá trị | Kết quả | Ghi chú

`ScoreResource` is the one code path: the Django admin (preview, then confirm), the
`import_scores` / `export_scores` commands and any page that calls `import_scores()`.
Reference data is loaded in a few queries, every row is checked before anything is
written, and the import runs in one transaction rolled back unless every row is valid.

`Kết quả` empty means "compute it from Giá trị". `Ghi chú` is the written reason on a
row whose Kết quả overrides the computed one, and the score's note on any other row
(an overridden score keeps the note it had). A row with both Giá trị and Kết quả
empty is "not assessed": it is skipped, so an unfilled template imports cleanly.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.fields import Field

from communes.access import access_for
from communes.models import Commune, Village
from ntm.lib.spreadsheets import (
    AllOrNothingMixin,
    ImportReport,
    RowError,
    RowErrors,
    SpreadsheetError,
    SpreadsheetResult,
    blank_row_result,
    check_headers,
    or_list,
    parse_decimal,
    parse_row,
    read_spreadsheet,
    render_spreadsheet,
    result_errors,
    shown,
)
from ntm.lib.text import fold

from .models import CriteriaSet, Indicator, IndicatorTarget, Score
from .standing import scores_queryset

COMMUNE_CODE = "Mã xã"
COMMUNE = "Xã"
VILLAGE_CODE = "Mã thôn"
SET_CODE = "Bộ tiêu chí"
INDICATOR_CODE = "Mã chỉ tiêu"
YEAR = "Năm"
VALUE = "Giá trị"
RESULT = "Kết quả"
NOTE = "Ghi chú"
COLUMNS = (COMMUNE_CODE, COMMUNE, VILLAGE_CODE, SET_CODE, INDICATOR_CODE, YEAR, VALUE, RESULT, NOTE)

# The file speaks Vietnamese whatever the interface language: these words are
# constants of the format, not translations. "Chưa đánh giá" is an empty cell.
STATUS_WORDS = {
    Score.Status.MET: "Đạt",
    Score.Status.NOT_MET: "Chưa đạt",
    Score.Status.BASICALLY_MET: "Cơ bản đạt",
    Score.Status.NOT_APPLICABLE: "Không áp dụng",
}
_STATUS_BY_KEY = {fold(word): status for status, word in STATUS_WORDS.items()}

# Official commune codes have 5 digits; Excel drops the leading zeros of "00004".
CODE_WIDTHS = {COMMUNE_CODE: 5}
# Score's score_year_plausible constraint.
FIRST_YEAR, LAST_YEAR = 2010, 2100
# Score.value_number keeps 14 digits, 4 of them decimals.
VALUE_PLACES = Decimal("0.0001")
VALUE_LIMIT = Decimal(10) ** 10
VALUE_TEXT_LENGTH = Score._meta.get_field("value_text").max_length

# Where Score.assess() files its errors, as columns of the file.
ASSESS_COLUMNS = {"value_number": VALUE, "status": RESULT, "override_reason": NOTE}
# A change of these voids the department's verification.
VALUE_FIELDS = ("value_number", "value_text", "status")

NEW, UPDATED, UNCHANGED, SKIPPED = "new", "updated", "unchanged", "skipped"

# What the export reads of each score, current or past.
EXPORTED_FIELDS = (
    "id", "indicator_id", "commune_id", "village_id", "year",
    "value_number", "value_text", "status", "override_reason", "note",
)  # fmt: skip


# --- Columns --------------------------------------------------------------------------


class _Cell(widgets.Widget):
    """A cell as written: text stays text, the year stays a number."""

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class _Column(Field):
    """A column read from the score by `getter`, for the export and the preview's diff."""

    def __init__(self, column_name, getter):
        super().__init__(column_name=column_name, widget=_Cell())
        self.getter = getter

    def get_value(self, instance):
        try:
            return self.getter(instance)
        except (AttributeError, ObjectDoesNotExist):
            return None  # a refused row's score may have no commune, village or indicator


@dataclass
class _ScoreRow:
    """One non-blank row of the file, as text, and what it was resolved to."""

    number: int  # in the spreadsheet: the header is row 1
    cells: dict[str, str]
    has_extra_cells: bool = False
    commune: Commune | None = None
    village: Village | None = None
    indicator: Indicator | None = None
    year: int | None = None
    #: value_number, value_text, status and override_reason, as Score.assess() set them
    assessed: dict = field(default_factory=dict)

    @classmethod
    def parse(cls, number, values):
        parsed = parse_row(values, COLUMNS, CODE_WIDTHS)
        if parsed is None:
            return None
        cells, has_extra_cells = parsed
        return cls(number=number, cells=cells, has_extra_cells=has_extra_cells)

    @property
    def not_assessed(self) -> bool:
        return not self.cells[VALUE] and not self.cells[RESULT]

    @property
    def key(self) -> tuple:
        return (self.commune.pk, self.village.pk if self.village else None, self.indicator.pk, self.year)

    @property
    def place(self) -> str:
        if self.village is None:
            return _("xã %(commune)s") % {"commune": self.commune.name}
        return _("thôn %(village)s, xã %(commune)s") % {
            "village": self.village.name,
            "commune": self.commune.name,
        }


class ScoreImportResult(SpreadsheetResult):
    """import-export's result with rows numbered as in the sheet, and the score counts."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: {"new": n, "updated": n, "unchanged": n, "skipped": n}
        self.score_counts = dict.fromkeys((NEW, UPDATED, UNCHANGED, SKIPPED), 0)


# --- The resource -------------------------------------------------------------------


class ScoreResource(AllOrNothingMixin, resources.ModelResource):
    """One row of the scores file = one Score, found by commune, village, indicator and year.

    Import with `import_data(dataset, dry_run=..., user=...)`: `user` is who imports
    (they must coordinate each commune of the file), or None for a system import.
    """

    commune_code = _Column(COMMUNE_CODE, lambda score: score.commune.code)
    commune_name = _Column(COMMUNE, lambda score: score.commune.name)
    village_code = _Column(VILLAGE_CODE, lambda score: score.village.code)
    set_code = _Column(SET_CODE, lambda score: score.indicator.criterion.criteria_set.code)
    indicator_code = _Column(INDICATOR_CODE, lambda score: score.indicator.code)
    year = _Column(YEAR, lambda score: score.year)
    value = _Column(VALUE, lambda score: score.value_display)
    result = _Column(RESULT, lambda score: STATUS_WORDS.get(score.status, ""))
    note = _Column(NOTE, lambda score: score.override_reason or score.note)

    class Meta:
        model = Score
        name = "Kết quả chỉ tiêu"
        fields = (
            "commune_code", "commune_name", "village_code", "set_code", "indicator_code",
            "year", "value", "result", "note",
        )  # fmt: skip
        import_order = fields
        export_order = fields
        use_transactions = True
        # Not for bulk writes: import-export wraps each row in a savepoint unless
        # use_bulk is set. Rows are still saved one by one (save() keeps the version
        # and the history) in save_instance(), with a savepoint only for a row that
        # writes, so a preview costs the same few queries whatever the file's size.
        use_bulk = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._dry_run = False
        self._reset()

    @classmethod
    def get_result_class(cls):
        return ScoreImportResult

    def get_queryset(self):
        return Score.objects.select_related("commune", "village", "indicator__criterion__criteria_set")

    # --- import: the whole file is checked first ---

    def import_data(self, dataset, dry_run=False, **kwargs):
        # before_import() must know: a real import locks the scores it will change.
        self._dry_run = dry_run
        return super().import_data(dataset, dry_run=dry_run, **kwargs)

    def _reset(self):
        self._rows: dict[int, _ScoreRow | None] = {}  # by import-export's row number
        self._errors: dict[int, RowErrors] = {}
        self._file_unusable = False
        self._user = None
        self._now = None
        self._communes: dict[str, Commune] = {}
        self._villages: dict[tuple[int, str], Village] = {}
        self._sets: dict[str, CriteriaSet] = {}
        self._indicators: dict[tuple[int, str], Indicator] = {}
        self._existing: dict[tuple, Score] = {}
        self._current: _ScoreRow | None = None
        self._outcome: str | None = None
        self._voids_verification = False
        self._counts = dict.fromkeys((NEW, UPDATED, UNCHANGED, SKIPPED), 0)

    def before_import(self, dataset, **kwargs):
        self._reset()
        try:
            if "user" not in kwargs:
                raise TypeError("ScoreResource.import_data() needs user= (None for a system import).")
            dataset.headers = check_headers(dataset.headers, COLUMNS)
            for number, values in enumerate(dataset, 1):
                self._rows[number] = _ScoreRow.parse(number + 1, values)
            if not any(self._rows.values()):
                raise SpreadsheetError(_("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề."))
        except (SpreadsheetError, TypeError):
            self._file_unusable = True
            raise
        self._user = kwargs["user"]
        self._now = timezone.now()
        self._load_references()
        self._check_rows()
        self._load_existing()

    def _load_references(self):
        """Communes, villages, sets and indicators with targets the file names (5 queries)."""
        rows = [row for row in self._rows.values() if row]
        # order_by(): the models' orderings would join tables for nothing.
        communes = Commune.objects.filter(
            code__in={row.cells[COMMUNE_CODE] for row in rows} - {""}
        ).order_by()
        self._communes = {commune.code: commune for commune in communes}
        by_pk = {commune.pk: commune for commune in self._communes.values()}
        for village in Village.objects.filter(commune__in=list(by_pk)).order_by():
            village.commune = by_pk[village.commune_id]
            self._villages[village.commune_id, village.code] = village
        sets = CriteriaSet.objects.filter(code__in={row.cells[SET_CODE] for row in rows} - {""}).order_by()
        self._sets = {criteria_set.code: criteria_set for criteria_set in sets}
        for indicator in _indicators_of(list(self._sets.values()), targets=True):
            self._indicators[indicator.criterion.criteria_set_id, indicator.code] = indicator

    def _load_existing(self):
        """The stored scores the valid rows name (1 query), locked unless previewing."""
        rows = [row for number, row in self._rows.items() if row and number not in self._errors]
        if not rows:
            return
        scores = Score.objects.filter(
            commune__in={row.commune.pk for row in rows},
            indicator__in={row.indicator.pk for row in rows},
            year__in={row.year for row in rows},
        ).order_by()
        if not self._dry_run:
            # Nobody may change these between this check and the write.
            scores = scores.select_for_update()
        wanted = {row.key: row for row in rows}
        for score in scores:
            key = (score.commune_id, score.village_id, score.indicator_id, score.year)
            if (row := wanted.get(key)) is not None:
                score.commune, score.village, score.indicator = row.commune, row.village, row.indicator
                self._existing[key] = score

    def _check_rows(self):
        access = access_for(self._user) if self._user is not None else None
        firsts: dict[tuple, _ScoreRow] = {}
        for number, row in self._rows.items():
            if row is None:
                continue
            errors = RowErrors()
            self._check_place_and_indicator(row, errors)
            if not row.not_assessed:
                if access is not None and row.commune and not access.coordinates(row.commune):
                    errors.add(
                        COMMUNE_CODE,
                        _(
                            "Bạn không được nhập kết quả cho xã %(name)s (Mã xã %(code)s): chỉ văn phòng "
                            "điều phối NTM phụ trách xã được nhập từ tệp."
                        )
                        % {"name": row.commune.name, "code": row.commune.code},
                    )
                if not errors:
                    first = firsts.setdefault(row.key, row)
                    if first is not row:
                        errors.add(
                            INDICATOR_CODE,
                            _("Chỉ tiêu %(code)s năm %(year)d của %(place)s đã có ở dòng %(first)d.")
                            % {
                                "code": row.indicator.code,
                                "year": row.year,
                                "place": row.place,
                                "first": first.number,
                            },
                        )
                self._check_result(row, errors)
            if row.has_extra_cells:
                errors.add(
                    NON_FIELD_ERRORS,
                    _("Có dữ liệu ở cột không có tiêu đề (sau cột %(last)s).") % {"last": COLUMNS[-1]},
                )
            if errors:
                self._errors[number] = errors

    def _check_place_and_indicator(self, row, errors):
        """Mã xã, Xã, Bộ tiêu chí, Mã thôn, Mã chỉ tiêu and Năm, resolved on `row`."""
        cells = row.cells
        code = cells[COMMUNE_CODE]
        if not code:
            errors.add(COMMUNE_CODE, _("Thiếu Mã xã."))
        elif (commune := self._communes.get(code)) is None:
            errors.add(COMMUNE_CODE, _("Mã xã %(code)s không có trong hệ thống.") % {"code": shown(code)})
        elif cells[COMMUNE] and fold(cells[COMMUNE]) != fold(commune.name):
            errors.add(
                COMMUNE,
                _("Mã xã %(code)s là xã %(name)s, không phải Xã %(value)s.")
                % {"code": shown(code), "name": commune.name, "value": shown(cells[COMMUNE])},
            )
        else:
            row.commune = commune

        criteria_set = None
        code = cells[SET_CODE]
        if not code:
            errors.add(SET_CODE, _("Thiếu Bộ tiêu chí."))
        elif (criteria_set := self._sets.get(code)) is None:
            errors.add(SET_CODE, _("Bộ tiêu chí %(code)s không có trong hệ thống.") % {"code": shown(code)})
        elif criteria_set.level == CriteriaSet.Level.DISTRICT:
            errors.add(
                SET_CODE,
                _(
                    "Bộ tiêu chí %(code)s là bộ tiêu chí cấp huyện; "
                    "tệp này chỉ nhận bộ tiêu chí cấp xã, cấp thôn."
                )
                % {"code": shown(code)},
            )
            criteria_set = None

        code = cells[VILLAGE_CODE]
        level = criteria_set.level if criteria_set else None
        if level == CriteriaSet.Level.COMMUNE and code:
            errors.add(
                VILLAGE_CODE,
                _("Bộ tiêu chí %(set)s là bộ tiêu chí cấp xã: để trống Mã thôn (đang ghi %(value)s).")
                % {"set": criteria_set.code, "value": shown(code)},
            )
        elif level == CriteriaSet.Level.VILLAGE and not code:
            errors.add(
                VILLAGE_CODE,
                _("Bộ tiêu chí %(set)s là bộ tiêu chí cấp thôn: cần Mã thôn.") % {"set": criteria_set.code},
            )
        elif code and row.commune is not None:
            row.village = self._villages.get((row.commune.pk, code))
            if row.village is None:
                errors.add(
                    VILLAGE_CODE,
                    _("Mã thôn %(code)s không có trong xã %(commune)s.")
                    % {"code": shown(code), "commune": row.commune.name},
                )

        code = cells[INDICATOR_CODE]
        if not code:
            errors.add(INDICATOR_CODE, _("Thiếu Mã chỉ tiêu."))
        elif criteria_set is not None:
            row.indicator = self._indicators.get((criteria_set.pk, code))
            if row.indicator is None:
                errors.add(
                    INDICATOR_CODE,
                    _("Mã chỉ tiêu %(code)s không có trong bộ tiêu chí %(set)s.")
                    % {"code": shown(code), "set": criteria_set.code},
                )

        text = cells[YEAR]
        if text.isascii() and text.isdigit() and FIRST_YEAR <= int(text) <= LAST_YEAR:
            row.year = int(text)
        else:
            errors.add(
                YEAR,
                _("Năm %(value)s không hợp lệ: phải là số nguyên từ %(first)d đến %(last)d.")
                % {"value": shown(text), "first": FIRST_YEAR, "last": LAST_YEAR},
            )

    def _check_result(self, row, errors):
        """Giá trị, Kết quả and Ghi chú, judged by Score.assess() as the entry form is."""
        cells = row.cells
        status = ""
        if cells[RESULT]:
            status = _STATUS_BY_KEY.get(fold(cells[RESULT]))
            if status is None:
                errors.add(
                    RESULT,
                    _("Kết quả %(value)s không hợp lệ: phải là %(words)s, hoặc để trống để tính từ Giá trị.")
                    % {"value": shown(cells[RESULT]), "words": or_list(STATUS_WORDS.values())},
                )
        indicator = row.indicator
        if indicator is None:
            return
        value_number, value_text = None, cells[VALUE]
        if indicator.is_numeric and value_text:
            try:
                value_number, value_text = parse_decimal(value_text), ""
            except ValueError:
                errors.add(
                    VALUE,
                    _("Giá trị %(value)s của chỉ tiêu %(code)s phải là số, ví dụ 85,5.")
                    % {"value": shown(cells[VALUE]), "code": indicator.code},
                )
                return
            if abs(value_number) >= VALUE_LIMIT:
                errors.add(VALUE, _("Giá trị %(value)s quá lớn.") % {"value": shown(cells[VALUE])})
                return
            # Stored with 4 decimals: compare what will be stored, so a re-import is unchanged.
            value_number = value_number.quantize(VALUE_PLACES)
        elif len(value_text) > VALUE_TEXT_LENGTH:
            errors.add(VALUE, _("Giá trị dài quá %(limit)d ký tự.") % {"limit": VALUE_TEXT_LENGTH})
        if errors:
            return
        commune = row.commune
        score = Score(commune=commune, village=row.village, indicator=indicator, year=row.year)
        target = indicator.target_for(commune, row.year)
        try:
            score.assess(
                value_number=value_number,
                value_text=value_text,
                status=status,
                reason=cells[NOTE],
                target=target,
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = ASSESS_COLUMNS.get(name, RESULT)
                for message in messages:
                    errors.add(column, _("%(column)s: %(message)s") % {"column": column, "message": message})
            return
        row.assessed = {name: getattr(score, name) for name in (*VALUE_FIELDS, "override_reason")}

    # --- import: one row, through import-export's import_row() ---

    def import_row(self, row, instance_loader, **kwargs):
        score_row = None if self._file_unusable else self._rows.get(kwargs["row_number"])
        if score_row is None:
            return blank_row_result(self)
        self._current = score_row
        self._outcome = None
        return super().import_row(row, instance_loader, **kwargs)

    def get_instance(self, instance_loader, row):
        current = self._current
        if current.number - 1 in self._errors:
            return None  # refused: import_instance() says why
        return self._existing.get(current.key)

    def init_instance(self, row=None):
        current = self._current
        return Score(
            commune=current.commune, village=current.village, indicator=current.indicator, year=current.year
        )

    def import_instance(self, instance, row, **kwargs):
        errors = self._errors.get(kwargs["row_number"])
        if errors:
            raise ValidationError(dict(errors))
        current = self._current
        if current.not_assessed:
            self._outcome = SKIPPED
            return
        values = dict(current.assessed)
        values["note"] = instance.note if values["override_reason"] else current.cells[NOTE]
        self._voids_verification = any(getattr(instance, name) != values[name] for name in VALUE_FIELDS)
        changed = any(getattr(instance, name) != value for name, value in values.items())
        for name, value in values.items():
            setattr(instance, name, value)
        if instance.pk is None:
            self._outcome = NEW
        else:
            self._outcome = UPDATED if changed else UNCHANGED

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return not import_validation_errors and self._outcome in (UNCHANGED, SKIPPED)

    def save_instance(self, instance, is_create, row, **kwargs):
        if self._is_dry_run(kwargs):
            return  # every check is done already; a preview writes nothing
        instance.entered_by, instance.entered_at = self._user, self._now
        if self._voids_verification:
            # The department verified the old value, not this one.
            instance.verification = Score.Verification.PENDING
            instance.verified_by, instance.verified_at, instance.verification_comment = None, None, ""
        instance._change_reason = _("Nhập từ tệp")
        instance._history_user = self._user
        with transaction.atomic(using=self.get_db_connection_name()):
            instance.save()

    def after_import_row(self, row, row_result, **kwargs):
        if self._outcome is not None:
            self._counts[self._outcome] += 1

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        result.score_counts = dict(self._counts)

    # --- export ---

    def iter_queryset(self, queryset):
        if isinstance(queryset, QuerySet):
            queryset = queryset.select_related("commune", "village", "indicator__criterion__criteria_set")
        return super().iter_queryset(queryset)


def _indicators_of(criteria_sets, *, targets=False) -> list[Indicator]:
    """The indicators of `criteria_sets` in set order, each knowing its criterion and set."""
    by_pk = {criteria_set.pk: criteria_set for criteria_set in criteria_sets}
    indicators = Indicator.objects.filter(criterion__criteria_set__in=list(by_pk)).select_related("criterion")
    if targets:
        indicators = indicators.prefetch_related(Prefetch("targets", IndicatorTarget.objects.order_by()))
    indicators = list(indicators)
    for indicator in indicators:
        indicator.criterion.criteria_set = by_pk[indicator.criterion.criteria_set_id]
    return indicators


def _file_order(score: Score):
    indicator = score.indicator
    village = score.village.code if score.village else ""
    return (
        fold(score.commune.name),
        score.commune.code,
        village,
        indicator.criterion.number,
        indicator.order,
        indicator.code,
    )


# --- The plain functions other code calls --------------------------------------------


def summary_lines(counts: dict[str, int]) -> list[str]:
    """ "Kết quả chỉ tiêu: 3 mới, 1 cập nhật, 50 không đổi, 3 dòng chưa đánh giá (bỏ qua)." """
    if not counts:
        return []
    return [
        _(
            "Kết quả chỉ tiêu: %(new)d mới, %(updated)d cập nhật, %(unchanged)d không đổi, "
            "%(skipped)d dòng chưa đánh giá (bỏ qua)."
        )
        % counts
    ]


@dataclass
class ScoreImportReport(ImportReport):
    """What a scores import did, or would do (`dry_run`), and why a file was refused.

    `counts`: {"new": n, "updated": n, "unchanged": n, "skipped": n}.
    """

    def summary_lines(self) -> list[str]:
        return summary_lines(self.counts)


def import_scores(source, *, user, format: str | None = None, dry_run: bool = False) -> ScoreImportReport:
    """Import a scores file; nothing is written unless every row is valid (or if `dry_run`).

    `source` is a path, bytes or an open file; `user` must coordinate every commune of
    the file, or is None for a system import (the command line without --user).
    """
    try:
        dataset = read_spreadsheet(source, format=format)
    except SpreadsheetError as error:
        return ScoreImportReport(dry_run=dry_run, errors=[RowError(error.row, "", str(error))])
    result = ScoreResource().import_data(dataset, dry_run=dry_run, user=user)
    return ScoreImportReport(
        dry_run=dry_run, errors=result_errors(result), counts=result.score_counts, result=result
    )


def export_scores(
    *, criteria_set: CriteriaSet, year: int, communes, as_of: datetime.date | None = None
) -> tablib.Dataset:
    """The scores of `communes` (and their villages) for the set and year, current or as
    they stood at the end of `as_of`; ordered by commune, then indicator (3 queries)."""
    communes = {commune.pk: commune for commune in communes}
    indicators = {indicator.pk: indicator for indicator in _indicators_of([criteria_set])}
    # values(): the file needs only these fields, and simple_history, turning a past
    # record into a Score, would fetch any field its history does not keep with one
    # query per record.
    stored = scores_queryset(criteria_set=criteria_set, year=year, as_of=as_of).filter(
        commune_id__in=list(communes)
    )
    scores = [Score(**values) for values in stored.values(*EXPORTED_FIELDS)]
    villages = Village.objects.in_bulk({score.village_id for score in scores} - {None})
    for score in scores:
        score.commune, score.indicator = communes[score.commune_id], indicators[score.indicator_id]
        score.village = villages.get(score.village_id)
    scores.sort(key=_file_order)
    return ScoreResource().export(queryset=scores)


def score_template(*, commune: Commune, criteria_set: CriteriaSet, year: int, village: Village | None = None):
    """One row per indicator of the set for the commune (or village) and year, to fill in.

    Rows carry the current value, result and note where a score exists and are
    empty otherwise; an unfilled template re-imports with every row skipped.
    """
    if (criteria_set.level == CriteriaSet.Level.VILLAGE) != (village is not None):
        raise ValueError("A village-level set needs a village; other sets take none.")
    if village is not None and village.commune_id != commune.pk:
        raise ValueError("The village is not in the commune.")
    indicators = _indicators_of([criteria_set])
    stored = Score.objects.filter(
        commune=commune, village=village, year=year, indicator__criterion__criteria_set=criteria_set
    )
    stored = {score.indicator_id: score for score in stored}
    scores = []
    for indicator in indicators:
        score = stored.get(indicator.pk) or Score(year=year)
        score.commune, score.village, score.indicator = commune, village, indicator
        scores.append(score)
    return ScoreResource().export(queryset=scores)


def render_scores_file(dataset: tablib.Dataset, format: str = "xlsx") -> bytes:
    """The bytes of an .xlsx or a .csv (UTF-8 with BOM, which Excel needs) for `dataset`."""
    return render_spreadsheet(dataset, format=format)
