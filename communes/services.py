"""Workflows over several units: commune mergers (sáp nhập xã)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from .models import Commune, Membership, Village

ONE_DAY = datetime.timedelta(days=1)


def _day(value: datetime.date) -> str:
    return date_format(value, "d/m/Y")


def merger_errors(
    *, into_code: str, into: Commune | None, predecessors: dict, on: datetime.date
) -> list[str]:
    """Why merging `predecessors` ({code: Commune or None when unknown}) into the commune
    `into_code` (`into`, None when it is to be created) on `on` is refused; [] when it
    may go ahead. A predecessor merged already into the same commune on the same day is
    no reason: the merger is simply done again (a units file imported twice)."""
    errors = []
    if not predecessors:
        errors.append(_("Cần ít nhất một xã được sáp nhập."))
    for code, commune in predecessors.items():
        if code == into_code:
            errors.append(_("Không thể sáp nhập xã mã “%(code)s” vào chính nó.") % {"code": code})
        elif commune is None:
            errors.append(_("Không có xã mã “%(code)s” trong hệ thống.") % {"code": code})
        elif commune.valid_from is not None and on <= commune.valid_from:
            errors.append(
                _(
                    "Ngày sáp nhập %(on)s không sau ngày xã %(name)s (mã %(code)s) "
                    "bắt đầu hiệu lực (%(start)s)."
                )
                % {"on": _day(on), "name": commune.name, "code": code, "start": _day(commune.valid_from)}
            )
        elif commune.valid_to is not None and not _merged_already(commune, into, on):
            errors.append(
                _(
                    "Xã %(name)s (mã %(code)s) đã hết hiệu lực từ sau ngày %(end)s (đã sáp nhập); "
                    "không sáp nhập lại."
                )
                % {"name": commune.name, "code": code, "end": _day(commune.valid_to)}
            )
    provinces = {c.province_id for c in predecessors.values() if c is not None}
    if into is not None:
        provinces.add(into.province_id)
        if into.valid_to is not None and into.valid_to < on:
            errors.append(
                _("Xã nhận sáp nhập %(name)s (mã %(code)s) đã hết hiệu lực từ sau ngày %(end)s.")
                % {"name": into.name, "code": into.code, "end": _day(into.valid_to)}
            )
    if len(provinces) > 1:
        errors.append(_("Các xã sáp nhập phải cùng một tỉnh."))
    return errors


def _merged_already(commune: Commune, into: Commune | None, on: datetime.date) -> bool:
    return (
        into is not None
        and commune.valid_to == on - ONE_DAY
        and into.predecessors.filter(pk=commune.pk).exists()
    )


@transaction.atomic
def merge_communes(*, into_code: str, from_codes: list[str], on: datetime.date, name: str = "") -> Commune:
    """Merge the communes `from_codes` into the commune `into_code` on `on`; all or nothing.

    The new commune is created (with `name`, and the first predecessor's kind, province,
    region and group; their district when they share one) or updated, valid from `on` when new, and
    records its predecessors. The predecessors end the day before `on`; their officials
    and villages move to the new commune. Their scores, dossiers, registrations and
    recognitions stay theirs, so every earlier number reads as it did, as of any date.
    Raises ValidationError with every reason when the merger is refused.
    """
    codes = list(dict.fromkeys(code.strip() for code in from_codes if code.strip()))
    found = {c.code: c for c in Commune.objects.select_for_update().filter(code__in=[*codes, into_code])}
    into = found.get(into_code)
    predecessors = {code: found.get(code) for code in codes}
    errors = merger_errors(into_code=into_code, into=into, predecessors=predecessors, on=on)
    if into is None and not name.strip():
        errors.append(_("Xã mã “%(code)s” chưa có trong hệ thống: cần tên xã mới.") % {"code": into_code})
    if errors:
        raise ValidationError(errors)
    olds = list(predecessors.values())
    if into is None:
        first = olds[0]
        districts = {c.district_id for c in olds}
        into = Commune.objects.create(
            code=into_code,
            name=name.strip(),
            kind=first.kind,
            province_id=first.province_id,
            district_id=districts.pop() if len(districts) == 1 else None,
            region=first.region,
            commune_group=first.commune_group,
            valid_from=on,
        )
    elif name.strip() and name.strip() != into.name:
        into.name = name.strip()
        into.save(update_fields=["name"])
    record_merger(into=into, predecessors=olds, on=on)
    return into


def record_merger(*, into: Commune, predecessors: list[Commune], on: datetime.date) -> None:
    """Write a merger that `merger_errors` accepted (the page, the command and the units
    file call it): the predecessors end the day before `on`, their officials and villages
    move to `into`, which records them as its predecessors."""
    into.predecessors.add(*predecessors)
    for predecessor in predecessors:
        predecessor.valid_to = on - ONE_DAY
    # With history: the end of a commune is a change the dashboard's version must see.
    bulk_update_with_history(predecessors, Commune, ["valid_to"])
    _move_memberships(predecessors, into)
    _move_villages(predecessors, into)


def _move_memberships(olds, into: Commune) -> None:
    """The predecessors' officials now work for the new commune (one role each)."""
    held = set(Membership.objects.filter(commune=into).values_list("user_id", "role", "department_id"))
    for membership in Membership.objects.filter(commune__in=olds).order_by("pk"):
        key = (membership.user_id, membership.role, membership.department_id)
        if key in held:
            membership.delete()
        else:
            held.add(key)
            membership.commune = into
            # Saved one by one, so the audit trail records each move.
            membership.save(update_fields=["commune"])


def _move_villages(olds, into: Commune) -> None:
    """The predecessors' villages now belong to the new commune. Two villages of the
    same code (each commune had its "T01") keep the second apart by prefixing its old
    commune's code ("15937.T01")."""
    taken = set(Village.objects.filter(commune=into).values_list("code", flat=True))
    width = Village._meta.get_field("code").max_length
    for village in Village.objects.filter(commune__in=olds).select_related("commune").order_by("pk"):
        if village.code in taken:
            village.code = f"{village.commune.code}.{village.code}"[:width]
        taken.add(village.code)
        village.commune = into
        village.save(update_fields=["commune", "code"])
