"""The levels a province or the country is read at: country → province → group → commune.

A user who sees communes of several provinces starts from one row per province. A
province's communes fall into groups: their former district, or their commune group
where they have none (since 01/7/2025 communes hang under the province). A group opens
the grid of its communes. The dashboard and the reports group their rows here, and only
here, so a tile and an annex never disagree on who is in a group.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from communes.models import CommuneGroup
from criteria.standing import CommuneRow, DistrictSummary
from ntm.lib.text import fold


@dataclass
class Tile:
    """One province, or one group of a province's communes: its totals, and the key
    (`?province=` or `?group=`) that opens it."""

    key: str
    name: str
    summary: DistrictSummary

    @property
    def rows(self) -> list[CommuneRow]:
        return self.summary.all_rows


def province_of(commune) -> tuple[str, str]:
    return commune.province.code, commune.province.name


def group_of(commune) -> tuple[str, str]:
    """A commune's group in its province: its former district, or its commune group
    where it has none."""
    if commune.district_id is not None:
        return f"huyen-{commune.district.code}", commune.district.name
    if commune.commune_group:
        return f"nhom-{commune.commune_group}", str(CommuneGroup(commune.commune_group).label)
    return "khac", _("Xã chưa xếp nhóm")


def tiles(rows: list[CommuneRow], criteria_total: int, *, by: Callable) -> list[Tile]:
    """The rows by `by` (province_of or group_of), by name; none when all fall in one."""
    members: dict[tuple[str, str], list[CommuneRow]] = {}
    for row in rows:
        members.setdefault(by(row.commune), []).append(row)
    if len(members) < 2:
        return []
    found = [
        Tile(key=key, name=name, summary=DistrictSummary(all_rows=group, criteria_total=criteria_total))
        for (key, name), group in members.items()
    ]
    return sorted(found, key=lambda tile: fold(tile.name))


def province_tiles(rows: list[CommuneRow], criteria_total: int) -> list[Tile]:
    return tiles(rows, criteria_total, by=province_of)


def group_tiles(rows: list[CommuneRow], criteria_total: int) -> list[Tile]:
    return tiles(rows, criteria_total, by=group_of)
