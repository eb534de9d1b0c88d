"""Load a criteria set from our YAML format (described in fixtures/criteria/README.md).

`read_criteria_file` parses and validates a file; `load_criteria_set` writes it. The
criteria workbook (workbook.py) checks its sheets row by row, then writes through
`load_criteria_set` too, so both formats update a set the same way.

Loading is idempotent and never loses data: an indicator or criterion that is no
longer in the file is deleted only when no other row points at it; otherwise it is
kept, retired (shown apart, never counted) and reported.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import models, transaction
from django.utils.translation import gettext as _
from simple_history.models import HistoricalChanges
from simple_history.utils import bulk_create_with_history

from communes.models import Commune, CommuneClass, CommuneGroup, Province, Region
from ntm.lib.spreadsheets import NEW, SKIP, UPDATE
from ntm.lib.text import fold

from .models import (
    AMENDMENT_FIELDS,
    MAX_YEAR,
    MIN_YEAR,
    RULE_FIELDS,
    Amendment,
    CriteriaSet,
    Criterion,
    Indicator,
    IndicatorTarget,
    RegionRule,
    overlapping_targets,
)

SET_KEYS = {
    "code",
    "name",
    "name_en",
    "level",
    "tier",
    "period",
    "legal_basis",
    "issued_on",
    "effective_on",
    "signer",
    "issuer",
    "parent",
    "target_dimension",
    "verified",
    "expected_criteria",
    "expected_indicators",
    "source_note",
    "applies_to",
    "criteria",
    "region_rules",
    "amendments",
}
CRITERION_KEYS = {"number", "name", "name_en", "group", "source", "unverified", "indicators"}
INDICATOR_KEYS = {
    "code",
    "text",
    "text_en",
    "kind",
    "unit",
    "conditional",
    "unverified",
    "note",
    "required_evidence",
    "source",
    "targets",
}
TARGET_KEYS = {"value", "region", "commune_group", "year", "from_year", "to_year", "source", "unverified"}
RULE_KEYS = {"commune_class", "region", "from_date", "decision", "source"}
AMENDMENT_KEYS = {"indicator", "decision", "effective_on", "text", "kind", "unit", "source", "unverified"}
# The keys of the set's own row (the rest are lists of rows).
SET_FIELDS = SET_KEYS - {"code", "issuer", "parent", "criteria", "region_rules", "amendments"}


class CriteriaFileError(ValueError):
    """A criteria file that cannot be loaded. `errors` lists every problem found."""

    def __init__(self, errors: list[str], *, source: str = ""):
        self.errors = list(errors)
        self.source = source
        super().__init__(self.errors)

    def __str__(self):
        if self.source:
            header = _("Tệp %(file)s không hợp lệ:") % {"file": self.source}
            return "\n".join([header, *(f"- {error}" for error in self.errors)])
        return "\n".join(self.errors)


@dataclass
class LoadResult:
    """What a load did. Counts cover criteria and indicators; the set is reported apart."""

    criteria_set: CriteriaSet
    set_created: bool = False
    set_updated: bool = False
    created: int = 0
    updated: int = 0
    deleted: int = 0
    # Rows no longer in the file that were kept because other rows point at them.
    kept: list[str] = field(default_factory=list)
    criteria_count: int = 0
    indicator_count: int = 0
    #: What became of each thing the file names: {(kind, key): NEW, UPDATE or SKIP}, kind
    #: being "criterion" (key: number), "indicator", "targets" or "amendments" (key:
    #: indicator code) or "rules" (key: None). A preview shows it row by row.
    outcomes: dict = field(default_factory=dict)
    rules_changed: bool = False
    amendments_changed: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.set_created
            or self.set_updated
            or self.created
            or self.updated
            or self.deleted
            or self.rules_changed
            or self.amendments_changed
        )

    def outcome(self, kind: str, key) -> str:
        return self.outcomes.get((kind, key), SKIP)


def read_criteria_file(path: str | Path) -> dict:
    """Parse and validate a criteria file; raise CriteriaFileError naming every problem."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CriteriaFileError(
            [_("không đọc được tệp: %(error)s") % {"error": error.strerror or error}], source=str(path)
        ) from error
    except UnicodeDecodeError as error:
        raise CriteriaFileError([_("tệp phải được lưu với mã UTF-8")], source=str(path)) from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = (
            _("dòng %(line)s, cột %(column)s: ") % {"line": mark.line + 1, "column": mark.column + 1}
            if mark
            else ""
        )
        problem = getattr(error, "problem", None) or str(error)
        raise CriteriaFileError(
            [_("%(where)scú pháp YAML sai (%(problem)s)") % {"where": where, "problem": problem}],
            source=str(path),
        ) from error
    try:
        return validate_criteria_data(data)
    except CriteriaFileError as error:
        error.source = str(path)
        raise


def validate_criteria_data(data: Any) -> dict:
    """Check `data` against the format and return it normalised (defaults filled in, codes as text)."""
    validator = _Validator()
    clean = validator.criteria_set(data)
    if validator.errors:
        raise CriteriaFileError(validator.errors)
    return clean


@transaction.atomic
def load_criteria_set(*, data: dict) -> LoadResult:
    """Create or update the set described by `data` (as read by `read_criteria_file`)."""
    clean = validate_criteria_data(data)
    criteria_set, result = _save_set(clean)
    criteria = _save_criteria(criteria_set, clean["criteria"], result)
    indicators = _save_indicators(criteria_set, clean["criteria"], criteria, result)
    _remove_stale_criteria(criteria_set, set(criteria), result)
    _save_region_rules(criteria_set, clean["region_rules"], result)
    _save_amendments(criteria_set, clean["amendments"], indicators, result)
    result.criteria_count = criteria_set.criteria.filter(retired=False).count()
    result.indicator_count = Indicator.objects.filter(
        criterion__criteria_set=criteria_set, retired=False
    ).count()
    return result


def has_related_rows(obj: models.Model, *, ignore: tuple[type[models.Model], ...] = ()) -> bool:
    """Whether any row of another model points at `obj`, apart from rows of the `ignore` models.

    Walks every relation to the model, hidden ones too (`related_name="+"`: dossier
    items, appraisals and tasks point at criteria and indicators that way), so a model
    added later with a ForeignKey or a ManyToManyField to Indicator or Criterion counts
    without any change here. History rows are the record of changes, not data that
    holds the object: they outlive what they recorded.
    """
    for relation in obj._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete) or not relation.is_relation:
            continue
        if relation.related_model in ignore or issubclass(relation.related_model, HistoricalChanges):
            continue
        if relation.related_model._base_manager.filter(**{relation.field.name: obj}).exists():
            return True
    return False


def indicator_has_data(indicator: Indicator) -> bool:
    # Targets and amendments belong to the definition that the file replaces; they are not data.
    return has_related_rows(indicator, ignore=(IndicatorTarget, Amendment))


def criterion_has_data(criterion: Criterion) -> bool:
    # Its indicators are judged one by one; a kept indicator keeps its criterion anyway.
    return has_related_rows(criterion, ignore=(Indicator,))


def _apply(obj: models.Model, values: dict) -> bool:
    """Set the fields that differ; return whether any did."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _save_set(clean: dict) -> tuple[CriteriaSet, LoadResult]:
    issuer = None
    if clean["issuer"]:
        # A criteria file must not rename a province the district already uses.
        issuer, _created = Province.objects.get_or_create(
            code=clean["issuer"]["code"], defaults={"name": clean["issuer"]["name"]}
        )
    parent = None
    if clean["parent"]:
        parent = CriteriaSet.objects.filter(code=clean["parent"]).first()
        if parent is None:
            raise CriteriaFileError(
                [_("Bộ tiêu chí: không tìm thấy bộ tiêu chí gốc '%(code)s'") % {"code": clean["parent"]}]
            )
    values = {key: clean[key] for key in SET_FIELDS}
    values.update(issuer_id=issuer.pk if issuer else None, parent_id=parent.pk if parent else None)
    criteria_set = CriteriaSet.objects.filter(code=clean["code"]).first()
    if criteria_set is None:
        criteria_set = CriteriaSet.objects.create(code=clean["code"], **values)
        return criteria_set, LoadResult(criteria_set=criteria_set, set_created=True)
    result = LoadResult(criteria_set=criteria_set)
    if _apply(criteria_set, values):
        criteria_set.save()
        result.set_updated = True
    return criteria_set, result


def _save_criteria(criteria_set: CriteriaSet, items: list[dict], result: LoadResult) -> dict[int, Criterion]:
    existing = {criterion.number: criterion for criterion in criteria_set.criteria.all()}
    saved = {}
    for item in items:
        values = {key: item[key] for key in ("name", "name_en", "group", "source", "unverified")}
        values["retired"] = False
        criterion = existing.get(item["number"])
        key = ("criterion", item["number"])
        if criterion is None:
            criterion = Criterion.objects.create(criteria_set=criteria_set, number=item["number"], **values)
            result.created += 1
            result.outcomes[key] = NEW
        elif _apply(criterion, values):
            criterion.save()
            result.updated += 1
            result.outcomes[key] = UPDATE
        saved[item["number"]] = criterion
    return saved


def _save_indicators(
    criteria_set: CriteriaSet, items: list[dict], criteria: dict[int, Criterion], result: LoadResult
) -> dict[str, Indicator]:
    """Write the file's indicators and their targets; returns them by code."""
    existing = list(
        Indicator.objects.filter(criterion__criteria_set=criteria_set)
        .select_related("criterion")
        .prefetch_related("targets")
    )
    by_code = {indicator.code: indicator for indicator in existing}
    matched = set()
    saved = {}
    for criterion_item in items:
        criterion = criteria[criterion_item["number"]]
        for order, item in enumerate(criterion_item["indicators"], start=1):
            values = {key: item[key] for key in INDICATOR_KEYS - {"code", "targets"}}
            values.update(criterion_id=criterion.pk, order=order, retired=False)
            indicator = by_code.get(item["code"])
            if indicator is None:
                indicator = Indicator.objects.create(code=item["code"], **values)
                _replace_targets(indicator, item["targets"])
                result.created += 1
                result.outcomes["indicator", item["code"]] = NEW
                result.outcomes["targets", item["code"]] = NEW
                saved[item["code"]] = indicator
                continue
            matched.add(indicator.pk)
            saved[item["code"]] = indicator
            fields_changed = _apply(indicator, values)
            if fields_changed:
                indicator.save()
                result.outcomes["indicator", item["code"]] = UPDATE
            targets_changed = _target_keys(indicator.targets.all()) != _target_keys(item["targets"])
            if targets_changed:
                _replace_targets(indicator, item["targets"])
                result.outcomes["targets", item["code"]] = UPDATE
            if fields_changed or targets_changed:
                result.updated += 1
    for indicator in existing:
        if indicator.pk in matched:
            continue
        if indicator_has_data(indicator):
            if not indicator.retired:
                indicator.retired = True
                indicator.save(update_fields=["retired"])
            result.kept.append(
                _("Tiêu chí %(number)s, chỉ tiêu %(code)s")
                % {"number": indicator.criterion.number, "code": indicator.code}
            )
        else:
            indicator.delete()
            result.deleted += 1
    return saved


TARGET_FIELDS = ("region", "commune_group", "from_year", "to_year", "value", "source", "unverified")


def _target_keys(targets) -> set[tuple]:
    def key(target):
        if isinstance(target, dict):
            return tuple(target[name] for name in TARGET_FIELDS)
        return tuple(getattr(target, name) for name in TARGET_FIELDS)

    return {key(target) for target in targets}


def _replace_targets(indicator: Indicator, targets: list[dict]) -> None:
    indicator.targets.all().delete()
    for target in targets:
        # One save() each rather than bulk_create: save() parses the threshold.
        IndicatorTarget.objects.create(indicator=indicator, **target)


def _remove_stale_criteria(criteria_set: CriteriaSet, kept_numbers: set[int], result: LoadResult) -> None:
    for criterion in criteria_set.criteria.exclude(number__in=kept_numbers):
        if criterion.indicators.exists() or criterion_has_data(criterion):
            if not criterion.retired:
                criterion.retired = True
                criterion.save(update_fields=["retired"])
            result.kept.append(_("Tiêu chí %(number)s") % {"number": criterion.number})
        else:
            criterion.delete()
            result.deleted += 1


def _save_region_rules(criteria_set: CriteriaSet, rules: list[dict], result: LoadResult) -> None:
    stored = {tuple(getattr(rule, name) for name in RULE_FIELDS) for rule in criteria_set.region_rules.all()}
    if stored == {tuple(rule[name] for name in RULE_FIELDS) for rule in rules}:
        return
    criteria_set.region_rules.all().delete()
    # With history: a rule changes which targets apply (reports/grid.py's data version).
    bulk_create_with_history([RegionRule(criteria_set=criteria_set, **rule) for rule in rules], RegionRule)
    result.rules_changed = True
    result.outcomes["rules", None] = UPDATE


def _save_amendments(
    criteria_set: CriteriaSet, amendments: list[dict], indicators: dict[str, Indicator], result: LoadResult
) -> None:
    """Replace the amendments of each indicator whose amendments the file changes."""
    stored: dict[str, set] = {}
    for amendment in criteria_set.amendments.select_related("indicator"):
        fields = tuple(getattr(amendment, name) for name in AMENDMENT_FIELDS)
        stored.setdefault(amendment.indicator.code, set()).add(fields)
    wanted: dict[str, list[dict]] = {}
    for amendment in amendments:
        wanted.setdefault(amendment["indicator"], []).append(amendment)
    for code in sorted(set(stored) | set(wanted)):
        rows = wanted.get(code, [])
        if stored.get(code, set()) == {tuple(row[name] for name in AMENDMENT_FIELDS) for row in rows}:
            continue
        indicator = indicators.get(code)
        # An indicator no longer in the file keeps what it had: it is shown apart.
        if indicator is None:
            continue
        indicator.amendments.all().delete()
        bulk_create_with_history(
            [
                Amendment(
                    criteria_set=criteria_set,
                    indicator=indicator,
                    **{name: row[name] for name in AMENDMENT_FIELDS},
                )
                for row in rows
            ],
            Amendment,
        )
        result.amendments_changed += 1
        result.outcomes["amendments", code] = UPDATE if code in stored else NEW


class _Validator:
    """Collects every problem in one pass, so a person fixes a file in one go."""

    def __init__(self):
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def unknown_keys(self, where: str, mapping: dict, allowed: set[str]) -> None:
        for key in mapping:
            if key not in allowed:
                self.error(where, _("khóa '%(key)s' không hợp lệ") % {"key": key})

    def text(self, where, mapping, key, *, required=False, max_length=None, numbers=False) -> str:
        value = mapping.get(key)
        if value is None or value == "":
            if required:
                self.error(where, _("thiếu '%(key)s'") % {"key": key})
            return ""
        if numbers and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.error(where, _("'%(key)s' phải là chuỗi ký tự") % {"key": key})
            return ""
        value = value.strip()
        if max_length and len(value) > max_length:
            self.error(where, _("'%(key)s' dài quá %(max)s ký tự") % {"key": key, "max": max_length})
        return value

    def flag(self, where, mapping, key) -> bool:
        value = mapping.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(where, _("'%(key)s' phải là true hoặc false") % {"key": key})
            return False
        return value

    def count(self, where, mapping, key, *, required=False, maximum=32767) -> int | None:
        value = mapping.get(key)
        if value is None:
            if required:
                self.error(where, _("thiếu '%(key)s'") % {"key": key})
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
            self.error(where, _("'%(key)s' phải là số nguyên không âm") % {"key": key})
            return None
        return value

    def choice(self, where, label, value, choices, *, default="", aliases=None) -> str:
        if value is None or value == "":
            return default
        lookup = {fold(str(code)): code for code in choices.values}
        lookup.update(aliases or {})
        found = lookup.get(fold(str(value)))
        if found is None:
            self.error(
                where,
                _("%(label)s '%(value)s' không hợp lệ (chọn một trong: %(choices)s)")
                % {"label": label, "value": value, "choices": ", ".join(choices.values)},
            )
            return default
        return found

    def items(self, where, mapping, key) -> list:
        value = mapping.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(where, _("'%(key)s' phải là một danh sách") % {"key": key})
            return []
        return value

    def criteria_set(self, data: Any) -> dict:
        where = _("Bộ tiêu chí")
        if not isinstance(data, dict):
            self.errors.append(_("Nội dung tệp phải là một bộ tiêu chí (các cặp khóa: giá trị)"))
            return {}
        self.unknown_keys(where, data, SET_KEYS)
        clean = {
            "code": self.text(where, data, "code", required=True, max_length=60),
            "name": self.text(where, data, "name", required=True, max_length=300),
            "name_en": self.text(where, data, "name_en", max_length=300),
            "level": self.choice(where, _("cấp"), data.get("level"), CriteriaSet.Level),
            "tier": self.choice(
                where, _("mức"), data.get("tier"), CriteriaSet.Tier, default=CriteriaSet.Tier.STANDARD
            ),
            "period": self.text(where, data, "period", max_length=20),
            "legal_basis": self.text(where, data, "legal_basis", max_length=400),
            "issued_on": self.date(where, data.get("issued_on"), label=_("ngày ban hành")),
            "effective_on": self.date(where, data.get("effective_on")),
            "signer": self.text(where, data, "signer", max_length=200),
            "issuer": self.issuer(where, data.get("issuer")),
            "parent": self.text(where, data, "parent", max_length=60),
            "target_dimension": self.choice(
                where,
                _("kiểu mức đạt chuẩn"),
                data.get("target_dimension"),
                CriteriaSet.TargetDimension,
                default=CriteriaSet.TargetDimension.NONE,
            ),
            "verified": self.flag(where, data, "verified"),
            "expected_criteria": self.count(where, data, "expected_criteria"),
            "expected_indicators": self.count(where, data, "expected_indicators"),
            "source_note": self.text(where, data, "source_note"),
            "applies_to": self.kinds(where, data),
        }
        if not data.get("level"):
            self.error(where, _("thiếu '%(key)s'") % {"key": "level"})
        if clean["parent"] and clean["parent"] == clean["code"]:
            self.error(where, _("bộ tiêu chí không thể là bộ gốc của chính nó"))
        clean["criteria"] = self.criteria(data, clean["target_dimension"])
        set_date = clean["issued_on"] or clean["effective_on"]
        clean["region_rules"] = self.region_rules(data, set_date)
        if clean["region_rules"] and clean["target_dimension"] != CriteriaSet.TargetDimension.REGION:
            self.error(
                where, _("bộ tiêu chí không chia mức đạt chuẩn theo vùng: không có quy tắc áp dụng mức vùng")
            )
        codes = {
            indicator["code"] for criterion in clean["criteria"] for indicator in criterion["indicators"]
        }
        clean["amendments"] = self.amendments(data, set_date, codes)
        return clean

    def date(self, where, value, *, label=None) -> datetime.date | None:
        if value is None or value == "":
            return None
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return value
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            self.error(
                where,
                _("%(label)s '%(value)s' không hợp lệ (dạng YYYY-MM-DD)")
                % {"label": label or _("ngày hiệu lực"), "value": value},
            )
            return None

    def kinds(self, where, data) -> list[str]:
        aliases = {fold(str(label)): value for value, label in Commune.Kind.choices}
        kinds = []
        for word in self.items(where, data, "applies_to"):
            kind = self.choice(where, _("loại đơn vị"), word, Commune.Kind, aliases=aliases)
            if kind and kind not in kinds:
                kinds.append(kind)
        return kinds

    def not_before(self, where, day, set_date, label) -> None:
        """A rule or amendment cannot take effect before the set itself was issued."""
        if day is not None and set_date is not None and day < set_date:
            self.error(
                where,
                _("%(label)s %(day)s trước ngày ban hành bộ tiêu chí (%(set_date)s)")
                % {"label": label, "day": f"{day:%d/%m/%Y}", "set_date": f"{set_date:%d/%m/%Y}"},
            )

    def region_rules(self, data, set_date) -> list[dict]:
        clean, seen = [], set()
        region_aliases = {fold(str(label)): code for code, label in Region.choices}
        class_aliases = {fold(str(label)): code for code, label in CommuneClass.choices}
        for position, item in enumerate(self.items(_("Bộ tiêu chí"), data, "region_rules"), start=1):
            where = _("Quy tắc áp dụng mức vùng thứ %(position)s") % {"position": position}
            if not isinstance(item, dict):
                self.error(where, _("phải là các cặp khóa: giá trị"))
                continue
            self.unknown_keys(where, item, RULE_KEYS)
            rule = {
                "commune_class": self.choice(
                    where, _("phân loại xã"), item.get("commune_class"), CommuneClass, aliases=class_aliases
                ),
                "region": self.choice(where, _("vùng"), item.get("region"), Region, aliases=region_aliases),
                "from_date": self.date(where, item.get("from_date"), label=_("từ ngày")),
                "decision": self.text(where, item, "decision", max_length=200),
                "source": self.text(where, item, "source"),
            }
            for key in ("commune_class", "region", "from_date"):
                if not rule[key] and not item.get(key):
                    self.error(where, _("thiếu '%(key)s'") % {"key": key})
            self.not_before(where, rule["from_date"], set_date, _("từ ngày"))
            if (rule["commune_class"], rule["from_date"]) in seen:
                self.error(where, _("trùng quy tắc cho cùng phân loại xã và cùng ngày"))
            seen.add((rule["commune_class"], rule["from_date"]))
            clean.append(rule)
        return clean

    def amendments(self, data, set_date, codes: set[str]) -> list[dict]:
        clean, seen = [], set()
        for position, item in enumerate(self.items(_("Bộ tiêu chí"), data, "amendments"), start=1):
            where = _("Sửa đổi thứ %(position)s") % {"position": position}
            if not isinstance(item, dict):
                self.error(where, _("phải là các cặp khóa: giá trị"))
                continue
            self.unknown_keys(where, item, AMENDMENT_KEYS)
            amendment = {
                "indicator": self.text(where, item, "indicator", required=True, max_length=20, numbers=True),
                "decision": self.text(where, item, "decision", required=True, max_length=200),
                "effective_on": self.date(where, item.get("effective_on")),
                "text": self.text(where, item, "text"),
                "kind": self.choice(where, _("loại"), item.get("kind"), Indicator.Kind),
                "unit": self.text(where, item, "unit", max_length=50),
                "source": self.text(where, item, "source"),
                "unverified": self.flag(where, item, "unverified"),
            }
            if amendment["indicator"] and amendment["indicator"] not in codes:
                self.error(
                    where,
                    _("chỉ tiêu %(code)s không có trong bộ tiêu chí") % {"code": amendment["indicator"]},
                )
            if not item.get("effective_on"):
                self.error(where, _("thiếu '%(key)s'") % {"key": "effective_on"})
            self.not_before(where, amendment["effective_on"], set_date, _("ngày hiệu lực"))
            if not (amendment["text"] or amendment["kind"] or amendment["unit"]):
                self.error(where, _("sửa đổi phải có nội dung, loại hoặc đơn vị mới"))
            key = (amendment["indicator"], amendment["effective_on"])
            if key in seen:
                self.error(where, _("chỉ tiêu %(code)s đã có sửa đổi cùng ngày") % {"code": key[0]})
            seen.add(key)
            clean.append(amendment)
        return clean

    def issuer(self, where, value) -> dict | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            self.error(where, _("'issuer' phải có 'code' và 'name' của tỉnh"))
            return None
        self.unknown_keys(where, value, {"code", "name"})
        code = self.text(where, value, "code", required=True, max_length=10, numbers=True)
        name = self.text(where, value, "name", required=True, max_length=200)
        return {"code": code, "name": name} if code and name else None

    def criteria(self, data: dict, dimension: str) -> list[dict]:
        where = _("Bộ tiêu chí")
        clean = []
        numbers = set()
        seen_codes: dict[str, int] = {}
        for position, item in enumerate(self.items(where, data, "criteria"), start=1):
            where = _("Tiêu chí thứ %(position)s trong danh sách") % {"position": position}
            if not isinstance(item, dict):
                self.error(where, _("phải là các cặp khóa: giá trị"))
                continue
            number = self.count(where, item, "number", required=True)
            if number:
                where = _("Tiêu chí %(number)s") % {"number": number}
                if number in numbers:
                    self.error(where, _("số thứ tự %(number)s bị trùng") % {"number": number})
                numbers.add(number)
            elif number == 0:
                self.error(where, _("'number' phải lớn hơn 0"))
            self.unknown_keys(where, item, CRITERION_KEYS)
            criterion = {
                "number": number,
                "name": self.text(where, item, "name", required=True, max_length=300),
                "name_en": self.text(where, item, "name_en", max_length=300),
                "group": self.text(where, item, "group", max_length=200),
                "source": self.text(where, item, "source"),
                "unverified": self.flag(where, item, "unverified"),
                "indicators": [],
            }
            for order, indicator_item in enumerate(self.items(where, item, "indicators"), start=1):
                indicator = self.indicator(where, order, indicator_item, dimension)
                if indicator is None:
                    continue
                code = indicator["code"]
                if code in seen_codes:
                    self.error(
                        _("%(where)s, chỉ tiêu %(code)s") % {"where": where, "code": code},
                        _("mã chỉ tiêu bị trùng (đã có ở tiêu chí %(other)s)") % {"other": seen_codes[code]},
                    )
                seen_codes.setdefault(code, number)
                criterion["indicators"].append(indicator)
            clean.append(criterion)
        return clean

    def indicator(self, criterion_where: str, order: int, item: Any, dimension: str) -> dict | None:
        where = _("%(where)s, chỉ tiêu thứ %(order)s") % {"where": criterion_where, "order": order}
        if not isinstance(item, dict):
            self.error(where, _("phải là các cặp khóa: giá trị"))
            return None
        if isinstance(item.get("code"), float):
            # YAML reads 2.10 as the number 2.1: the code must be quoted to survive.
            self.error(
                where,
                _("mã chỉ tiêu phải đặt trong ngoặc kép (không có ngoặc, YAML đọc thành số %(code)s)")
                % {"code": item["code"]},
            )
            return None
        code = self.text(where, item, "code", required=True, max_length=20, numbers=True)
        if not code:
            return None
        where = _("%(where)s, chỉ tiêu %(code)s") % {"where": criterion_where, "code": code}
        self.unknown_keys(where, item, INDICATOR_KEYS)
        return {
            "code": code,
            "text": self.text(where, item, "text", required=True),
            "text_en": self.text(where, item, "text_en"),
            "source": self.text(where, item, "source"),
            "kind": self.choice(
                where, _("loại"), item.get("kind"), Indicator.Kind, default=Indicator.Kind.YES_NO
            ),
            "unit": self.text(where, item, "unit", max_length=50),
            "conditional": self.flag(where, item, "conditional"),
            "unverified": self.flag(where, item, "unverified"),
            "note": self.text(where, item, "note"),
            "required_evidence": self.evidence(where, item),
            "targets": self.targets(where, item, dimension),
        }

    def evidence(self, where, item) -> list[str]:
        values = self.items(where, item, "required_evidence")
        if not all(isinstance(value, str) and value.strip() for value in values):
            self.error(where, _("'required_evidence' phải là danh sách tên loại tài liệu"))
            return []
        return [value.strip() for value in values]

    def targets(self, indicator_where: str, item: dict, dimension: str) -> list[dict]:
        clean = []
        region_aliases = {fold(str(label)): code for code, label in Region.choices}
        group_aliases = {fold(str(label)): code for code, label in CommuneGroup.choices}
        group_aliases.update({f"nhom_{code}": code for code in CommuneGroup.values})
        for position, target in enumerate(self.items(indicator_where, item, "targets"), start=1):
            where = _("%(where)s, mức đạt chuẩn thứ %(position)s") % {
                "where": indicator_where,
                "position": position,
            }
            if not isinstance(target, dict):
                self.error(where, _("phải là các cặp khóa: giá trị"))
                continue
            self.unknown_keys(where, target, TARGET_KEYS)
            region = self.choice(where, _("vùng"), target.get("region"), Region, aliases=region_aliases)
            group = self.choice(
                where, _("nhóm xã"), target.get("commune_group"), CommuneGroup, aliases=group_aliases
            )
            first, last = self.years(where, target)
            if region and group:
                self.error(where, _("không thể vừa theo vùng vừa theo nhóm xã"))
            if region and dimension != CriteriaSet.TargetDimension.REGION:
                self.error(where, _("bộ tiêu chí không chia mức đạt chuẩn theo vùng (target_dimension)"))
            if group and dimension != CriteriaSet.TargetDimension.COMMUNE_GROUP:
                self.error(where, _("bộ tiêu chí không chia mức đạt chuẩn theo nhóm xã (target_dimension)"))
            value = self.text(where, target, "value", required=True, max_length=200, numbers=True)
            clean.append(
                {
                    "region": region,
                    "commune_group": group,
                    "from_year": first,
                    "to_year": last,
                    "value": value,
                    "source": self.text(where, target, "source"),
                    "unverified": self.flag(where, target, "unverified"),
                }
            )
        if overlapping_targets(clean):
            self.error(indicator_where, _("trùng mức đạt chuẩn cho cùng vùng, nhóm xã và năm"))
        return clean

    def years(self, where, target) -> tuple[int | None, int | None]:
        """`year` (one year), or `from_year` and/or `to_year`."""
        if "year" in target and ("from_year" in target or "to_year" in target):
            self.error(where, _("dùng 'year' hoặc 'from_year'/'to_year', không cả hai"))
        years = []
        for key in ("from_year", "to_year"):
            year = self.count(where, target, "year" if "year" in target else key)
            if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
                self.error(where, _("năm %(year)s không hợp lệ") % {"year": year})
                year = None
            years.append(year)
        first, last = years
        if first is not None and last is not None and last < first:
            self.error(where, _("'to_year' trước 'from_year'"))
        return first, last
