"""The history of the programme's records, read as one list: who changed what, when.

django-simple-history keeps a row per save of each tracked model, with the user (from
its middleware, or `_history_user` set by a service), the time and, where a service
knows it, the reason. `history_rows` puts the tables together newest first, filtered
by what the user may read and what they ask for; `describe` turns one page of those
rows into entries: the object in words, its commune, and each field that changed
with its value before and after. A page costs the same number of queries whatever
its rows: one for the rows, one per kind of record on it, one for the communes.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import CharField, F, IntegerField, OuterRef, Subquery, Value
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communes.models import Commune, Membership, classes_display
from criteria.models import CriterionOwner, IndicatorTarget, Recognition, Registration, Score, format_number
from dossiers.models import Appraisal, Document, Dossier, DossierItem

from .access import AuditScope


@dataclass(frozen=True)
class Source:
    """One tracked model as the audit reads it."""

    kind: str
    label: str
    model: type[models.Model]
    # Path from a history row to its commune ("id" when the record is a commune); None
    # when the record has no commune.
    commune: str | None
    # What `subject` reads, loaded with the rows.
    related: tuple[str, ...]
    # The fields whose changes are shown (the rest is bookkeeping: versions, timestamps).
    fields: tuple[str, ...]
    subject: Callable[[models.Model], str]
    # How a field's value reads, where the field alone cannot say (a list of codes).
    shown: dict[str, Callable[[object], str]] = field(default_factory=dict)

    @property
    def history(self) -> type[models.Model]:
        return self.model.history.model

    @property
    def commune_column(self) -> str:
        """The history table's column holding the commune's id."""
        return "id" if self.commune == "id" else f"{self.commune}_id"

    def scoped(self, scope: AuditScope) -> models.Q:
        if self.model is Membership:
            return scope.membership_q()
        if self.model is IndicatorTarget:
            return scope.target_q()
        if self.model is CriterionOwner:
            return scope.owner_q()
        return scope.commune_q(self.commune)


def _score(score) -> str:
    subject = _("Chỉ tiêu %(code)s, năm %(year)s") % {"code": score.indicator.code, "year": score.year}
    return f"{subject} — {score.village.name}" if score.village else subject


def _item_title(item) -> str:
    if item.criterion_id and item.criterion is not None:
        return f"{item.criterion.number}. {item.criterion.name}"
    return item.get_general_kind_display()


def _document(d) -> str:
    return _("Hồ sơ năm %(year)s: %(item)s — %(title)s (bản %(version)s)") % {
        "year": d.item.dossier.year,
        "item": _item_title(d.item),
        "title": d.title,
        "version": d.version,
    }


def _membership(m) -> str:
    unit = m.commune or m.district or m.province
    parts = [str(m.user) if m.user else "?", m.get_role_display(), str(unit) if unit else ""]
    if m.department is not None:
        parts.append(m.department.short_name)
    return " — ".join(p for p in parts if p)


def _target(t) -> str:
    indicator = t.indicator
    scope = IndicatorTarget(
        region=t.region, commune_group=t.commune_group, from_year=t.from_year, to_year=t.to_year
    ).scope_label
    if indicator is None:
        return scope
    return _("%(set)s, chỉ tiêu %(code)s (%(scope)s)") % {
        "set": indicator.criterion.criteria_set.code,
        "code": indicator.code,
        "scope": scope,
    }


def _owner(o) -> str:
    criterion = o.criterion
    if criterion is None:
        return "?"
    code = criterion.criteria_set.code
    if o.indicator is not None:
        subject = _("%(set)s, chỉ tiêu %(code)s") % {"set": code, "code": o.indicator.code}
    else:
        subject = _("%(set)s, tiêu chí %(number)s") % {"set": code, "number": criterion.number}
    unit = o.district or o.province
    return f"{subject} — {unit}" if unit else subject


SOURCES = {
    source.kind: source
    for source in (
        Source(
            "score",
            gettext_lazy("Kết quả chỉ tiêu"),
            Score,
            "commune",
            ("indicator", "village"),
            (
                "value_number",
                "value_text",
                "status",
                "override_reason",
                "note",
                "verification",
                "verification_comment",
            ),
            _score,
        ),
        Source(
            "registration",
            gettext_lazy("Đăng ký về đích"),
            Registration,
            "commune",
            ("criteria_set",),
            ("target_year", "registered_on", "confirmed_on", "note"),
            lambda r: f"{r.criteria_set.code}, {r.target_year}",
        ),
        Source(
            "recognition",
            gettext_lazy("Quyết định công nhận"),
            Recognition,
            "commune",
            ("criteria_set",),
            ("decision_number", "decided_on", "signer", "revoked_on", "revocation_reason"),
            lambda r: f"{r.criteria_set.code}, {r.decision_number}",
        ),
        Source(
            "dossier",
            gettext_lazy("Hồ sơ (trạng thái)"),
            Dossier,
            "commune",
            ("criteria_set",),
            ("status",),
            lambda d: _("Hồ sơ %(set)s năm %(year)s") % {"set": d.criteria_set.code, "year": d.year},
        ),
        Source(
            "item",
            gettext_lazy("Thẩm tra thành phần hồ sơ"),
            DossierItem,
            "dossier__commune",
            ("dossier", "criterion"),
            ("review", "review_comment"),
            lambda i: _("Hồ sơ năm %(year)s: %(item)s") % {"year": i.dossier.year, "item": _item_title(i)},
        ),
        Source(
            "document",
            gettext_lazy("Tài liệu minh chứng"),
            Document,
            "item__dossier__commune",
            ("item__dossier", "item__criterion"),
            ("original_name", "withdrawal_reason"),
            _document,
        ),
        Source(
            "appraisal",
            gettext_lazy("Thẩm định của sở, ngành"),
            Appraisal,
            "dossier__commune",
            ("dossier", "department"),
            ("sent_on", "inspected_on", "result", "comments"),
            lambda a: (
                _("Hồ sơ năm %(year)s: %(department)s")
                % {"year": a.dossier.year, "department": a.department.name}
            ),
        ),
        Source(
            "target",
            gettext_lazy("Mức đạt chuẩn"),
            IndicatorTarget,
            None,
            ("indicator__criterion__criteria_set",),
            ("region", "commune_group", "from_year", "to_year", "value", "source", "unverified"),
            _target,
        ),
        Source(
            "owner",
            gettext_lazy("Phân công phụ trách tiêu chí"),
            CriterionOwner,
            None,
            ("criterion__criteria_set", "indicator", "department", "district", "province"),
            ("department",),
            _owner,
        ),
        Source(
            "commune",
            gettext_lazy("Xã (vùng, phân loại, nhóm, hiệu lực)"),
            Commune,
            "id",
            ("district",),
            ("name", "kind", "district", "region", "commune_group", "classes", "valid_from", "valid_to"),
            lambda c: f"{c.name} ({c.code})",
            # A commune's region, classes and group decide which targets judge it.
            shown={"classes": classes_display},
        ),
        Source(
            "membership",
            gettext_lazy("Phân quyền"),
            Membership,
            "commune",
            ("user", "commune", "district", "province", "department"),
            ("role",),
            _membership,
        ),
    )
}

ACTIONS = {"+": gettext_lazy("Tạo mới"), "~": gettext_lazy("Sửa"), "-": gettext_lazy("Xóa")}


def history_rows(scope: AuditScope, *, commune=None, kind: str = "", user=None):
    """(history_id, history_date, kind, commune id) of every change the user may read
    that matches the filters, newest first: one query over every tracked table."""
    parts = []
    for source in SOURCES.values():
        if kind and source.kind != kind:
            continue
        if commune is not None and source.commune is None:
            continue
        rows = source.history.objects.filter(source.scoped(scope))
        if commune is not None:
            rows = rows.filter(**{source.commune_column: commune.pk})
        if user is not None:
            rows = rows.filter(history_user=user)
        commune_ref = F(source.commune_column) if source.commune else Value(None, IntegerField())
        parts.append(
            rows.annotate(audit_kind=Value(source.kind, output_field=CharField()), audit_commune=commune_ref)
            .values_list("history_id", "history_date", "audit_kind", "audit_commune")
            .order_by()  # the union is ordered as a whole
        )
    if not parts:
        return Score.history.none().values_list("history_id", "history_date")
    first, *rest = parts
    return first.union(*rest, all=True).order_by("-history_date", "-history_id")


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class Entry:
    when: datetime.datetime
    user: object
    kind: str
    action: str
    subject: str
    commune: Commune | None
    reason: str
    changes: list[Change] = field(default_factory=list)

    @property
    def user_name(self) -> str:
        if self.user is None:
            return _("Hệ thống")
        return self.user.get_full_name() or self.user.get_username()


def _shown(record, name: str, shown=None) -> str:
    value = getattr(record, name)
    model_field = record._meta.get_field(name)
    if shown is not None:
        value = shown(value)
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, datetime.datetime):
        return date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _changes(source: Source, record, before) -> list[Change]:
    if record.history_type == "-":
        return []
    changes = []
    for name in source.fields:
        shown = source.shown.get(name)
        after_text = _shown(record, name, shown)
        before_text = _shown(before, name, shown) if before is not None else "—"
        if after_text != before_text:
            label = str(record._meta.get_field(name).verbose_name)
            changes.append(Change(label[:1].upper() + label[1:], before_text, after_text))
    return changes


def describe(rows) -> list[Entry]:
    """Entries for a page of `history_rows`, in the same order."""
    rows = list(rows)
    ids_by_kind: dict[str, list[int]] = {}
    for history_id, _when, kind, _commune in rows:
        ids_by_kind.setdefault(kind, []).append(history_id)
    records = {}
    for kind, ids in ids_by_kind.items():
        source = SOURCES[kind]
        history = source.history
        # The record each change was made to: the row just before it for the same object.
        previous = history.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        found = list(
            history.objects.filter(history_id__in=ids)
            .select_related("history_user", *source.related)
            .annotate(previous_id=Subquery(previous.order_by("-history_id").values("history_id")[:1]))
        )
        befores = history.objects.in_bulk([r.previous_id for r in found if r.previous_id])
        for record in found:
            records[kind, record.history_id] = (record, befores.get(record.previous_id))
    communes = Commune.objects.in_bulk({c for *_rest, c in rows if c})
    entries = []
    for history_id, _when, kind, commune_id in rows:
        source = SOURCES[kind]
        record, before = records[kind, history_id]
        entries.append(
            Entry(
                when=record.history_date,
                user=record.history_user,
                kind=str(source.label),
                action=str(ACTIONS.get(record.history_type, record.history_type)),
                subject=source.subject(record),
                commune=communes.get(commune_id),
                reason=record.history_change_reason or "",
                changes=_changes(source, record, before),
            )
        )
    return entries
