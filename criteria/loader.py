"""Load a criteria set from our YAML format (described in fixtures/criteria/README.md).

`read_criteria_file` parses and validates a file; `load_criteria_set` writes it.
Loading is idempotent and never loses data: an indicator or criterion that is no
longer in the file is deleted only when no other row points at it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import models, transaction
from django.utils.translation import gettext as _

from communes.models import CommuneGroup, Province, Region
from ntm.lib.text import fold

from .models import CriteriaSet, Criterion, Indicator, IndicatorTarget

SET_KEYS = {
    "code",
    "name",
    "name_en",
    "level",
    "tier",
    "period",
    "legal_basis",
    "effective_on",
    "signer",
    "issuer",
    "parent",
    "target_dimension",
    "verified",
    "expected_criteria",
    "expected_indicators",
    "source_note",
    "criteria",
}
CRITERION_KEYS = {"number", "name", "name_en", "group", "unverified", "indicators"}
INDICATOR_KEYS = {
    "code",
    "text",
    "kind",
    "unit",
    "conditional",
    "unverified",
    "note",
    "required_evidence",
    "targets",
}
TARGET_KEYS = {"value", "region", "commune_group", "year"}


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

    @property
    def changed(self) -> bool:
        return bool(self.set_created or self.set_updated or self.created or self.updated or self.deleted)


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
    _save_indicators(criteria_set, clean["criteria"], criteria, result)
    _remove_stale_criteria(criteria_set, set(criteria), result)
    result.criteria_count = criteria_set.criteria.count()
    result.indicator_count = Indicator.objects.filter(criterion__criteria_set=criteria_set).count()
    return result


def has_related_rows(obj: models.Model, *, ignore: tuple[type[models.Model], ...] = ()) -> bool:
    """Whether any row of another model points at `obj`, apart from rows of the `ignore` models.

    Walks `_meta.related_objects`, so a model added later with a ForeignKey or a
    ManyToManyField to Indicator or Criterion (scores, dossier items, appraisals)
    counts without any change here.
    """
    for relation in obj._meta.related_objects:
        if relation.related_model in ignore:
            continue
        if relation.related_model._base_manager.filter(**{relation.field.name: obj}).exists():
            return True
    return False


def indicator_has_data(indicator: Indicator) -> bool:
    # Targets belong to the definition that the file replaces; they are not data.
    return has_related_rows(indicator, ignore=(IndicatorTarget,))


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
    values = {key: clean[key] for key in SET_KEYS - {"code", "issuer", "parent", "criteria"}}
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
        values = {key: item[key] for key in ("name", "name_en", "group", "unverified")}
        criterion = existing.get(item["number"])
        if criterion is None:
            criterion = Criterion.objects.create(criteria_set=criteria_set, number=item["number"], **values)
            result.created += 1
        elif _apply(criterion, values):
            criterion.save()
            result.updated += 1
        saved[item["number"]] = criterion
    return saved


def _save_indicators(
    criteria_set: CriteriaSet, items: list[dict], criteria: dict[int, Criterion], result: LoadResult
) -> None:
    existing = list(
        Indicator.objects.filter(criterion__criteria_set=criteria_set).prefetch_related("targets")
    )
    by_code = {indicator.code: indicator for indicator in existing}
    matched = set()
    for criterion_item in items:
        criterion = criteria[criterion_item["number"]]
        for order, item in enumerate(criterion_item["indicators"], start=1):
            values = {key: item[key] for key in INDICATOR_KEYS - {"code", "targets"}}
            values.update(criterion_id=criterion.pk, order=order)
            indicator = by_code.get(item["code"])
            if indicator is None:
                indicator = Indicator.objects.create(code=item["code"], **values)
                _replace_targets(indicator, item["targets"])
                result.created += 1
                continue
            matched.add(indicator.pk)
            fields_changed = _apply(indicator, values)
            if fields_changed:
                indicator.save()
            targets_changed = _target_keys(indicator.targets.all()) != _target_keys(item["targets"])
            if targets_changed:
                _replace_targets(indicator, item["targets"])
            if fields_changed or targets_changed:
                result.updated += 1
    for indicator in existing:
        if indicator.pk in matched:
            continue
        if indicator_has_data(indicator):
            result.kept.append(
                _("Tiêu chí %(number)s, chỉ tiêu %(code)s")
                % {"number": indicator.criterion.number, "code": indicator.code}
            )
        else:
            indicator.delete()
            result.deleted += 1


def _target_keys(targets) -> set[tuple]:
    def key(target):
        if isinstance(target, dict):
            return (target["region"], target["commune_group"], target["year"], target["value"])
        return (target.region, target.commune_group, target.year, target.value)

    return {key(target) for target in targets}


def _replace_targets(indicator: Indicator, targets: list[dict]) -> None:
    indicator.targets.all().delete()
    for target in targets:
        # One save() each rather than bulk_create: save() parses the threshold.
        IndicatorTarget.objects.create(indicator=indicator, **target)


def _remove_stale_criteria(criteria_set: CriteriaSet, kept_numbers: set[int], result: LoadResult) -> None:
    for criterion in criteria_set.criteria.exclude(number__in=kept_numbers):
        if criterion.indicators.exists() or criterion_has_data(criterion):
            result.kept.append(_("Tiêu chí %(number)s") % {"number": criterion.number})
        else:
            criterion.delete()
            result.deleted += 1


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
        }
        if not data.get("level"):
            self.error(where, _("thiếu '%(key)s'") % {"key": "level"})
        if clean["parent"] and clean["parent"] == clean["code"]:
            self.error(where, _("bộ tiêu chí không thể là bộ gốc của chính nó"))
        clean["criteria"] = self.criteria(data, clean["target_dimension"])
        return clean

    def date(self, where, value) -> datetime.date | None:
        if value is None or value == "":
            return None
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return value
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            self.error(
                where, _("ngày hiệu lực '%(value)s' không hợp lệ (dạng YYYY-MM-DD)") % {"value": value}
            )
            return None

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
        scopes = set()
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
            year = self.count(where, target, "year")
            if year is not None and not 1990 <= year <= 2100:
                self.error(where, _("năm %(year)s không hợp lệ") % {"year": year})
            if region and group:
                self.error(where, _("không thể vừa theo vùng vừa theo nhóm xã"))
            if region and dimension != CriteriaSet.TargetDimension.REGION:
                self.error(where, _("bộ tiêu chí không chia mức đạt chuẩn theo vùng (target_dimension)"))
            if group and dimension != CriteriaSet.TargetDimension.COMMUNE_GROUP:
                self.error(where, _("bộ tiêu chí không chia mức đạt chuẩn theo nhóm xã (target_dimension)"))
            scope = (region, group, year)
            if scope in scopes:
                self.error(where, _("trùng mức đạt chuẩn cho cùng vùng, nhóm xã và năm"))
            scopes.add(scope)
            value = self.text(where, target, "value", required=True, max_length=200, numbers=True)
            clean.append({"region": region, "commune_group": group, "year": year, "value": value})
        return clean
