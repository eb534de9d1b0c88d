"""The scores file of DESIGN §5: one indicator's result for a commune (or village) per row.

    Mã xã | Xã | Mã thôn | Bộ tiêu chí | Mã chỉ tiêu | Năm | Giá trị | Kết quả | Ghi chú

`ScoreSheet` declares the file once: the scores import page, `import_scores` /
`export_scores`, the admin's preview and confirm (`ScoreResource`) and a background
task (`import_scores(path, progress=...)`) all check it the same way. Reference data
is loaded in a few queries, every row is checked before anything is written, and a
valid file is written in bulk, with history, in one transaction.

Each row is judged by the set as in force for its year (editions.py): the wording,
kind and target of that year. A row for a unit the set does not apply to (a thị
trấn for a xã set), or for an indicator a changed file dropped, is refused.

`Kết quả` empty means "compute it from Giá trị". `Ghi chú` is the written reason on a
row whose Kết quả overrides the computed one, and the score's note on any other row
(an overridden score keeps the note it had). A row with both Giá trị and Kết quả
empty is "not assessed": it is skipped, so an unfilled template imports cleanly.
"""

from __future__ import annotations

import copy
import datetime
from functools import cached_property

import tablib
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from import_export import widgets
from import_export.fields import Field
from simple_history.utils import bulk_update_with_history

from communes.access import access_for
from communes.models import Commune, Village
from ntm.lib.bulk import insert_history, insert_rows
from ntm.lib.spreadsheets import (
    NEW,
    SKIP,
    UPDATE,
    CheckedSheet,
    ImportReport,
    Row,
    RowError,
    RowErrors,
    SheetResource,
    or_list,
    parse_decimal,
    render_spreadsheet,
    run_import,
    shown,
)
from ntm.lib.text import fold

from .editions import Rulebook
from .models import MAX_YEAR, MIN_YEAR, CriteriaSet, Indicator, IndicatorTarget, Score
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
VALUE_TEXT_LENGTH = Score._meta.get_field("value_text").max_length

# Where Score.assess() files its errors, as columns of the file.
ASSESS_COLUMNS = {"value_number": VALUE, "status": RESULT, "override_reason": NOTE}
# What a row of the file sets on its score.
ROW_FIELDS = ("value_number", "value_text", "status", "override_reason", "note")
# What a new score is written with: the key its row resolves to, then ROW_FIELDS.
NEW_FIELDS = ("commune_id", "village_id", "indicator_id", "year", *ROW_FIELDS)
# What every new score of one import shares.
NEW_SCORE_SHARED = (
    "entered_by_id", "entered_at", "verification", "verified_by_id", "verified_at", "verification_comment",
)  # fmt: skip
# What an import writes on a score it changes.
UPDATED_FIELDS = (
    *ROW_FIELDS, "entered_by", "entered_at", "verification", "verified_by", "verified_at",
    "verification_comment", "version",
)  # fmt: skip

# Judgements of distinct (indicator, year, target, cells) an import keeps for the rows
# that repeat them: bounds the memory of a file whose every row differs.
JUDGED_KEPT = 20_000

# The summary's counts.
NEW_SCORES, UPDATED, UNCHANGED, SKIPPED = "new", "updated", "unchanged", "skipped"

# What the export reads of each score, current or past.
EXPORTED_FIELDS = (
    "id", "indicator_id", "commune_id", "village_id", "year",
    "value_number", "value_text", "status", "override_reason", "note",
)  # fmt: skip


# --- The sheet ----------------------------------------------------------------------------


class ScoreRow(Row):
    """A row of the scores file, and what it was resolved to."""

    __slots__ = ("commune", "village", "indicator", "year", "assessed", "_key")

    def __init__(self, number, cells, has_extra_cells=False):
        super().__init__(number, cells, has_extra_cells)
        self.commune = self.village = self.indicator = self.year = self._key = None
        #: value_number, value_text, status and override_reason, as Score.assess() set them
        self.assessed: tuple | None = None

    @property
    def not_assessed(self) -> bool:
        return not self.cells[VALUE] and not self.cells[RESULT]

    @property
    def key(self) -> tuple:
        """(commune, village, indicator, year): what finds the score; once resolved."""
        if self._key is None:
            # .id, not .pk: a property, costly at 100,000 rows.
            village = self.village.id if self.village else None
            self._key = (self.commune.id, village, self.indicator.id, self.year)
        return self._key

    @property
    def place(self) -> str:
        if self.village is None:
            return _("xã %(commune)s") % {"commune": self.commune.name}
        return _("thôn %(village)s, xã %(commune)s") % {
            "village": self.village.name,
            "commune": self.commune.name,
        }


class ScoreSheet(CheckedSheet):
    """One row of the scores file = one Score, found by commune, village, indicator and year.

    `user` is who imports (they must coordinate each commune of the file), or None
    for a system import (the command line without --user).
    """

    columns = COLUMNS
    code_widths = CODE_WIDTHS
    row_class = ScoreRow

    def __init__(self, *, user=None):
        super().__init__(user=user)
        self.now = timezone.now()
        self.user_id = user.pk if user is not None else None
        self._counts = dict.fromkeys((NEW_SCORES, UPDATED, UNCHANGED, SKIPPED), 0)
        self._firsts: dict[tuple, ScoreRow] = {}
        self._folded: dict[str, str] = {}
        self._places: dict[tuple, tuple] = {}
        self._coordinated: dict[int, bool] = {}
        self._scratch: dict[tuple, Score] = {}
        self._editions: dict[tuple, object] = {}
        self._indicators_in_force: dict[tuple, tuple] = {}
        self._judged: dict[tuple, tuple] = {}
        #: (set code, indicator code) of numeric indicators a row could not be judged
        #: by, for want of a target: named before the rows they refuse.
        self.untargeted: dict[tuple[str, str], int] = {}

    def prepare(self):
        """Communes, villages, sets, indicators and targets the file names, the sets'
        rules and amendments, and the importer's access (8 queries)."""
        cells = [row.cells for row in self.rows]
        # order_by(): the models' orderings would join tables for nothing.
        communes = Commune.objects.filter(code__in={c[COMMUNE_CODE] for c in cells} - {""}).order_by()
        self._communes = {commune.code: commune for commune in communes}
        by_pk = {commune.pk: commune for commune in self._communes.values()}
        self._villages = {}
        for village in Village.objects.filter(commune__in=list(by_pk)).order_by():
            village.commune = by_pk[village.commune_id]
            self._villages[village.commune_id, village.code] = village
        sets = CriteriaSet.objects.filter(code__in={c[SET_CODE] for c in cells} - {""}).order_by()
        self._sets = {criteria_set.code: criteria_set for criteria_set in sets}
        self._indicators = {
            (indicator.criterion.criteria_set_id, indicator.code): indicator
            for indicator in _indicators_of(list(self._sets.values()), targets=True, retired=True)
        }
        self._rulebooks = Rulebook.for_sets(list(self._sets.values()))
        self._access = access_for(self.user) if self.user is not None else None

    # --- check: every row, before anything is written ---

    def check(self, row, errors):
        self._check_place_and_indicator(row, errors)
        if row.not_assessed:
            return
        if row.commune and not self._may_import(row.commune):
            errors.add(
                COMMUNE_CODE,
                _(
                    "Bạn không được nhập kết quả cho xã %(name)s (Mã xã %(code)s): chỉ văn phòng "
                    "điều phối NTM phụ trách xã được nhập từ tệp."
                )
                % {"name": row.commune.name, "code": row.commune.code},
            )
        if not errors:
            first = self._firsts.setdefault(row.key, row)
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

    def _check_place_and_indicator(self, row, errors):
        """Mã xã, Xã, Bộ tiêu chí, Mã thôn, Mã chỉ tiêu and Năm, resolved on `row`."""
        cells = row.cells
        # The rows of a commune repeat its code, name and set: each combination is
        # resolved once.
        place = (cells[COMMUNE_CODE], cells[COMMUNE], cells[SET_CODE])
        if (resolved := self._places.get(place)) is None:
            resolved = self._places[place] = self._resolve_place(*place)
        row.commune, criteria_set, messages = resolved
        for column, message in messages:
            errors.add(column, message)

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
            elif row.indicator.retired:
                errors.add(
                    INDICATOR_CODE,
                    _(
                        "Chỉ tiêu %(code)s không còn trong bộ tiêu chí %(set)s (chỉ giữ lại kết quả đã có); "
                        "không nhập thêm."
                    )
                    % {"code": code, "set": criteria_set.code},
                )
                row.indicator = None

        text = cells[YEAR]
        if text.isascii() and text.isdigit() and MIN_YEAR <= int(text) <= MAX_YEAR:
            row.year = int(text)
        else:
            errors.add(
                YEAR,
                _("Năm %(value)s không hợp lệ: phải là số nguyên từ %(first)d đến %(last)d.")
                % {"value": shown(text), "first": MIN_YEAR, "last": MAX_YEAR},
            )

    def _resolve_place(self, code, name, set_code):
        """The commune and set of a row's Mã xã, Xã and Bộ tiêu chí, and the reasons
        refusing them as (column, message) pairs."""
        errors = RowErrors()
        commune = None
        if not code:
            errors.add(COMMUNE_CODE, _("Thiếu Mã xã."))
        elif (found := self._communes.get(code)) is None:
            errors.add(COMMUNE_CODE, _("Mã xã %(code)s không có trong hệ thống.") % {"code": shown(code)})
        elif name and fold(name) != fold(found.name):
            errors.add(
                COMMUNE,
                _("Mã xã %(code)s là xã %(name)s, không phải Xã %(value)s.")
                % {"code": shown(code), "name": found.name, "value": shown(name)},
            )
        else:
            commune = found

        criteria_set = None
        code = set_code
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
        elif criteria_set.level == CriteriaSet.Level.PROVINCE:
            errors.add(
                SET_CODE,
                _(
                    "Bộ tiêu chí %(code)s là bộ tiêu chí cấp tỉnh; "
                    "tệp này chỉ nhận bộ tiêu chí cấp xã, cấp thôn."
                )
                % {"code": shown(code)},
            )
            criteria_set = None
        elif commune is not None and not criteria_set.applies_to_unit(commune):
            errors.add(
                SET_CODE,
                _("Bộ tiêu chí %(code)s áp dụng cho %(kinds)s, không áp dụng cho %(kind)s %(name)s.")
                % {
                    "code": criteria_set.code,
                    "kinds": criteria_set.get_applies_to_display().lower(),
                    "kind": commune.get_kind_display().lower(),
                    "name": commune.name,
                },
            )
            criteria_set = None

        messages = [(column, message) for column, items in errors.items() for message in items]
        return commune, criteria_set, messages

    def _check_result(self, row, errors):
        """Giá trị, Kết quả and Ghi chú, judged by Score.assess() as the entry form is."""
        cells = row.cells
        status = ""
        if cells[RESULT]:
            status = _STATUS_BY_KEY.get(self._fold(cells[RESULT]))
            if status is None:
                errors.add(
                    RESULT,
                    _("Kết quả %(value)s không hợp lệ: phải là %(words)s, hoặc để trống để tính từ Giá trị.")
                    % {"value": shown(cells[RESULT]), "words": or_list(STATUS_WORDS.values())},
                )
        if row.indicator is None or row.year is None or row.commune is None:
            return
        # The indicator as worded, and of the kind, in force for the row's year.
        edition, indicator, numeric = self._in_force(row.indicator, row.year)
        value_number, value_text = None, cells[VALUE]
        if numeric and value_text:
            try:
                value_number, value_text = parse_decimal(value_text), ""
            except ValueError:
                errors.add(
                    VALUE,
                    _("Giá trị %(value)s của chỉ tiêu %(code)s phải là số, ví dụ 85,5.")
                    % {"value": shown(cells[VALUE]), "code": indicator.code},
                )
                return
        elif len(value_text) > VALUE_TEXT_LENGTH:
            errors.add(VALUE, _("Giá trị dài quá %(limit)d ký tự.") % {"limit": VALUE_TEXT_LENGTH})
        if errors:
            return
        target = edition.target(indicator, row.commune)
        if numeric and value_number is not None and not status and target is None:
            key = (indicator.criterion.criteria_set.code, indicator.code)
            self.untargeted[key] = self.untargeted.get(key, 0) + 1
        # Rows of one indicator repeat its values and results: the same indicator,
        # target and cells are judged once (the target is an object the edition keeps).
        judged_key = (indicator.pk, row.year, id(target), value_number, value_text, status, cells[NOTE])
        if (judged := self._judged.get(judged_key)) is None:
            judged = self._judge(indicator, row.year, target, value_number, value_text, status, cells[NOTE])
            if len(self._judged) < JUDGED_KEPT:
                self._judged[judged_key] = judged
        row.assessed, messages = judged
        for column, message in messages:
            errors.add(column, message)

    def _judge(self, indicator, year, target, value_number, value_text, status, reason):
        """Score.assess()'s value, text, status and reason, or None and its reasons to
        refuse them as (column, message) pairs."""
        # assess() reads only the indicator: one scratch score per indicator and year
        # serves every row.
        score = self._scratch.get((indicator.pk, year))
        if score is None:
            score = self._scratch[indicator.pk, year] = Score(indicator=indicator)
        try:
            score.assess(
                value_number=value_number, value_text=value_text, status=status, reason=reason, target=target
            )
        except ValidationError as error:
            return None, [
                (column, _("%(column)s: %(message)s") % {"column": column, "message": message})
                for name, messages in error.message_dict.items()
                for column in [ASSESS_COLUMNS.get(name, RESULT)]
                for message in messages
            ]
        # The status as plain text, like every other value the rows carry to the driver.
        return (score.value_number, score.value_text, str(score.status), score.override_reason), []

    def _fold(self, text: str) -> str:
        # Names and words repeat on every row; fold() each once.
        if text not in self._folded:
            self._folded[text] = fold(text)
        return self._folded[text]

    def _may_import(self, commune) -> bool:
        if self._access is None:
            return True  # a system import
        if (coordinated := self._coordinated.get(commune.id)) is None:
            coordinated = self._coordinated[commune.id] = self._access.coordinates(commune)
        return coordinated

    def _in_force(self, indicator, year):
        """The set's edition for `year` (as in force today), `indicator` as it reads in
        it, and whether it takes numbers; built once per indicator and year."""
        key = (indicator.pk, year)
        if (in_force := self._indicators_in_force.get(key)) is None:
            criteria_set = indicator.criterion.criteria_set
            if (edition := self._editions.get((criteria_set.pk, year))) is None:
                edition = self._rulebooks[criteria_set.pk].edition(criteria_set, year)
                self._editions[criteria_set.pk, year] = edition
            version = edition.indicator(indicator)
            in_force = self._indicators_in_force[key] = (edition, version, version.is_numeric)
        return in_force

    # --- save: a batch of valid rows, in bulk ---

    def save_order(self, row):
        # Rows of one commune and year together: each batch looks up few stored scores.
        commune, village, indicator, year = row.key
        return (commune, year, village or 0, indicator)

    def save(self, rows, *, dry_run):
        stored = self._stored(rows, lock=not dry_run)
        creates, created, updates = [], [], []
        for row in rows:
            if row.not_assessed:
                row.outcome = SKIP
                self._counts[SKIPPED] += 1
                continue
            before = stored.get(row.key)
            value_number, value_text, status, override_reason = row.assessed
            # The Ghi chú of an overridden row is its reason; the score keeps its note.
            note = (before.note if before else "") if override_reason else row.cells[NOTE]
            values = (value_number, value_text, status, override_reason, note)
            if before is None:
                # A new score is a plain tuple until it is written (ntm/lib/bulk.py).
                creates.append((*row.key, *values))
                created.append(row)
                row.outcome = NEW
                self._counts[NEW_SCORES] += 1
                continue
            if all(getattr(before, name) == value for name, value in zip(ROW_FIELDS, values, strict=True)):
                row.outcome = SKIP
                self._counts[UNCHANGED] += 1
                continue
            score = copy.copy(before)
            for name, value in zip(ROW_FIELDS, values, strict=True):
                setattr(score, name, value)
            score.entered_by, score.entered_at = self.user, self.now
            score.version += 1
            score.void_verification_if_result_changed(before)
            row.outcome = UPDATE
            self._counts[UPDATED] += 1
            updates.append(score)
            if self.retain_instances:
                row.instance = score
        if dry_run:
            return
        reason = _("Nhập từ tệp")
        if creates:
            keys = insert_scores(creates, constants=self._new_score_constants)
            insert_history(
                Score,
                ("id", *NEW_FIELDS),
                ((keys[row.key], *values) for row, values in zip(created, creates, strict=True)),
                constants=self._new_score_constants,
                history_type="+",
                user=self.user,
                reason=reason,
                date=self.now,
            )
            if self.retain_instances:
                for row, values in zip(created, creates, strict=True):
                    fields = dict(zip(NEW_FIELDS, values, strict=True))
                    score = Score(pk=keys[row.key], **fields, **self._new_score_constants)
                    score.commune, score.village, score.indicator = row.commune, row.village, row.indicator
                    row.instance = score
        history = {"default_user": self.user, "default_change_reason": reason, "default_date": self.now}
        bulk_update_with_history(updates, Score, fields=UPDATED_FIELDS, **history)

    @cached_property
    def _new_score_constants(self) -> dict:
        """What every new score of the import shares: who entered it and when, and the
        verification the rule leaves on a new score."""
        score = Score(entered_by_id=self.user_id, entered_at=self.now)
        score.void_verification_if_result_changed(None)
        return {name: getattr(score, name) for name in NEW_SCORE_SHARED}

    def _stored(self, rows, *, lock) -> dict[tuple, Score]:
        """The stored scores of `rows` (1 query), locked unless previewing."""
        rows = [row for row in rows if not row.not_assessed]
        if not rows:
            return {}
        scores = Score.objects.filter(
            commune__in={row.key[0] for row in rows},
            indicator__in={row.key[2] for row in rows},
            year__in={row.year for row in rows},
        ).order_by()
        if lock:
            # Nobody may change these between this comparison and the write.
            scores = scores.select_for_update()
        wanted = {row.key: row for row in rows}
        stored = {}
        for score in scores:
            key = (score.commune_id, score.village_id, score.indicator_id, score.year)
            if (row := wanted.get(key)) is not None:
                score.commune, score.village, score.indicator = row.commune, row.village, row.indicator
                stored[key] = score
        return stored

    def counts(self):
        return dict(self._counts)

    def summary_lines(self):
        return summary_lines(self._counts)

    def describe(self, row):
        status = row.assessed[2] if row.assessed else Score.Status.NOT_ASSESSED
        return f"{row.commune.name} {row.year} {row.indicator.code}: {Score.Status(status).label}"


def insert_scores(rows: list[tuple], *, constants: dict) -> dict[tuple, int]:
    """INSERT new scores, each row the values of NEW_FIELDS, and return their primary
    keys by (commune, village, indicator, year) (2 queries)."""
    insert_rows(Score, NEW_FIELDS, rows, constants=constants)
    keys = Score.objects.filter(
        commune__in={row[0] for row in rows},
        indicator__in={row[2] for row in rows},
        year__in={row[3] for row in rows},
    ).order_by()
    return {
        (commune, village, indicator, year): pk
        for commune, village, indicator, year, pk in keys.values_list(
            "commune_id", "village_id", "indicator_id", "year", "pk"
        )
    }


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


# --- Export columns, and the admin's resource ---------------------------------------------


class _Cell(widgets.Widget):
    """A cell as written: text stays text, the year stays a number."""

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class _Column(Field):
    """A column read from the score by `getter`."""

    def __init__(self, column_name, getter):
        super().__init__(column_name=column_name, widget=_Cell())
        self.getter = getter

    def get_value(self, instance):
        try:
            return self.getter(instance)
        except (AttributeError, ObjectDoesNotExist):
            return None  # a template row's score has no village


class ScoreResource(SheetResource):
    """The scores file for the admin: its import is `ScoreSheet`, its export these columns."""

    sheet_class = ScoreSheet

    commune_code = _Column(COMMUNE_CODE, lambda score: score.commune.code)
    commune_name = _Column(COMMUNE, lambda score: score.commune.name)
    village_code = _Column(VILLAGE_CODE, lambda score: score.village.code)
    set_code = _Column(SET_CODE, lambda score: score.indicator.criterion.criteria_set.code)
    indicator_code = _Column(INDICATOR_CODE, lambda score: score.indicator.code)
    year = _Column(YEAR, lambda score: score.year)
    value = _Column(VALUE, lambda score: score.value_in_file)
    result = _Column(RESULT, lambda score: STATUS_WORDS.get(score.status, ""))
    note = _Column(NOTE, lambda score: score.override_reason or score.note)

    class Meta:
        model = Score
        name = "Kết quả chỉ tiêu"
        fields = (
            "commune_code", "commune_name", "village_code", "set_code", "indicator_code",
            "year", "value", "result", "note",
        )  # fmt: skip
        export_order = fields

    def get_queryset(self):
        return Score.objects.select_related("commune", "village", "indicator__criterion__criteria_set")

    def iter_queryset(self, queryset):
        if isinstance(queryset, QuerySet):
            queryset = queryset.select_related("commune", "village", "indicator__criterion__criteria_set")
        return super().iter_queryset(queryset)


def _indicators_of(criteria_sets, *, targets=False, retired=False) -> list[Indicator]:
    """The indicators of `criteria_sets` in set order, each knowing its criterion and set;
    those a changed file dropped only with `retired`."""
    by_pk = {criteria_set.pk: criteria_set for criteria_set in criteria_sets}
    indicators = Indicator.objects.filter(criterion__criteria_set__in=list(by_pk)).select_related("criterion")
    if not retired:
        indicators = indicators.filter(retired=False)
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


def import_scores(source, *, user, **options) -> ImportReport:
    """Import a scores file; nothing is written unless every row is valid (or if `dry_run`).

    `source` is a path, bytes or an open file; `user` must coordinate every commune of
    the file, or is None for a system import. `options` are `run_import`'s: `format`,
    `dry_run`, `progress(stage, done, total)` called every `progress_every` rows (so a
    background task can show how far it is; `report.as_dict()` is what it keeps), and
    `copy_to`. `report.counts` is {"new": n, "updated": n, "unchanged": n, "skipped": n}.

    When rows give a value and leave Kết quả empty for an indicator that has no
    target yet, the report first names those indicators, then refuses each row.
    """
    sheet = ScoreSheet(user=user)
    report = run_import(source, [sheet], **options)
    if sheet.untargeted:
        report.errors.insert(0, RowError(None, "", untargeted_message(sheet.untargeted)))
    return report


def untargeted_message(untargeted: dict[tuple[str, str], int]) -> str:
    """ "Chỉ tiêu chưa có mức đạt chuẩn, nên chưa tự tính được Kết quả: QD318… 2.2 (12 dòng)…" """
    items = [
        ngettext("%(set)s %(code)s (%(count)d dòng)", "%(set)s %(code)s (%(count)d dòng)", count)
        % {"set": set_code, "code": code, "count": count}
        for (set_code, code), count in sorted(untargeted.items())
    ]
    return _(
        "Các chỉ tiêu sau chưa có mức đạt chuẩn nên chưa tự tính được Kết quả: %(items)s. "
        "Hãy nhập mức đạt chuẩn cho bộ tiêu chí (trang “Độ đầy đủ” của bộ tiêu chí, hoặc tệp Excel "
        "bộ tiêu chí), hoặc ghi Kết quả cho các dòng đó."
    ) % {"items": "; ".join(items)}


def export_scores(
    *, criteria_set: CriteriaSet, year: int, communes, as_of: datetime.date | None = None
) -> tablib.Dataset:
    """The scores of `communes` (and their villages) for the set and year, current or as
    they stood at the end of `as_of`, each result as the set in force for the year
    judges it; ordered by commune, then indicator (6 queries)."""
    communes = {commune.pk: commune for commune in communes}
    indicators = {indicator.pk: indicator for indicator in _indicators_of([criteria_set], targets=True)}
    # values(): the file needs only these fields, and simple_history, turning a past
    # record into a Score, would fetch any field its history does not keep with one
    # query per record.
    stored = scores_queryset(criteria_set=criteria_set, year=year, as_of=as_of).filter(
        commune_id__in=list(communes), indicator_id__in=list(indicators)
    )
    scores = [Score(**values) for values in stored.values(*EXPORTED_FIELDS)]
    villages = Village.objects.in_bulk({score.village_id for score in scores} - {None})
    edition = criteria_set.edition(year, as_of)
    for score in scores:
        score.commune, score.village = communes[score.commune_id], villages.get(score.village_id)
        _judge(score, indicators[score.indicator_id], edition)
    scores.sort(key=_file_order)
    return ScoreResource().export(queryset=scores)


def _judge(score: Score, indicator: Indicator, edition) -> None:
    """Give an exported score (never saved) its indicator as worded in force and the
    result the page shows for it."""
    score.indicator = edition.indicator(indicator)
    score.status = score.judged_status(edition.target(score.indicator, score.commune))


def score_template(*, commune: Commune, criteria_set: CriteriaSet, year: int, village: Village | None = None):
    """One row per indicator of the set for the commune (or village) and year, to fill in.

    Rows carry the current value, result and note where a score exists and are
    empty otherwise; an unfilled template re-imports with every row skipped.
    """
    if (criteria_set.level == CriteriaSet.Level.VILLAGE) != (village is not None):
        raise ValueError("A village-level set needs a village; other sets take none.")
    if village is not None and village.commune_id != commune.pk:
        raise ValueError("The village is not in the commune.")
    indicators = _indicators_of([criteria_set], targets=True)
    stored = Score.objects.filter(
        commune=commune, village=village, year=year, indicator__criterion__criteria_set=criteria_set
    )
    stored = {score.indicator_id: score for score in stored}
    edition = criteria_set.edition(year)
    scores = []
    for indicator in indicators:
        score = stored.get(indicator.pk) or Score(year=year)
        score.commune, score.village = commune, village
        _judge(score, indicator, edition)
        scores.append(score)
    return ScoreResource().export(queryset=scores)


def render_scores_file(dataset: tablib.Dataset, format: str = "xlsx") -> bytes:
    """The bytes of an .xlsx or a .csv (UTF-8 with BOM, which Excel needs) for `dataset`."""
    return render_spreadsheet(dataset, format=format)
