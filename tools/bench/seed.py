"""The bench's province: districts of 15 communes, every indicator of QD318-2022-XA-NTM
scored for every commune and year (with its history), registrations and recognitions."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from communes.demo import DISTRICT_DEPARTMENTS
from communes.models import Commune, Department, District, Membership, Province, Region, Village
from criteria.demo import assign_demo_departments, demo_value, status_word
from criteria.loader import load_criteria_set, read_criteria_file
from criteria.models import CriteriaSet, Recognition, Registration, Score
from criteria.resources import NEW_FIELDS, insert_scores
from criteria.standing import criteria_tree
from dossiers.models import Dossier
from dossiers.services import create_dossier
from ntm.lib.bulk import insert_history
from ntm.lib.database import optimize_database
from ntm.lib.text import fold

SET_CODE = "QD318-2022-XA-NTM"
LAST_YEAR = 2024
DISTRICT_SIZE = 15
# The report measures' large district: a user whose memberships cover this many communes.
LARGE_DISTRICT = 40
VILLAGE_NAMES = [f"Thôn {number}" for number in range(1, 9)]


@dataclass
class Seed:
    """What seed_province() made, as the measures need it."""

    criteria_set: CriteriaSet
    province: Province
    communes: list[Commune]
    districts: int
    province_user: AbstractBaseUser
    indicators: int
    scores: int
    history: int
    villages: int
    rng: random.Random
    district_communes: int = 0
    large_district_communes: int = 0
    district_user: AbstractBaseUser | None = None
    large_district_user: AbstractBaseUser | None = None
    dossier: Dossier | None = None


def _status(rng: random.Random, indicator, *, unmet_share: float, has_craft_village: bool) -> str:
    """Mostly met; some not met, a few "basically met"; "not applicable" where allowed."""
    if indicator.conditional and not has_craft_village:
        return Score.Status.NOT_APPLICABLE
    draw = rng.random()
    if draw >= unmet_share:
        return Score.Status.MET
    return Score.Status.BASICALLY_MET if draw < unmet_share / 4 else Score.Status.NOT_MET


def _write_scores(rows: list[tuple], *, constants: dict, user, date) -> None:
    """New scores (rows of NEW_FIELDS) and their history records, as the scores import
    writes them."""
    keys = insert_scores(rows, constants=constants)
    insert_history(
        Score,
        ("id", *NEW_FIELDS),
        ((keys[row[:4]], *row) for row in rows),
        constants=constants,
        history_type="+",
        user=user,
        reason="",
        date=date,
    )


def _add_communes(seed: Seed, *, communes: int, years: int, rng: random.Random) -> None:
    """Add communes to the province up to `communes`, in districts of 15, each with
    every indicator scored for `years` years, registrations and recognitions."""
    province, user, criteria_set = seed.province, seed.province_user, seed.criteria_set
    first = len(seed.communes) + 1
    numbers = range(first, communes + 1)
    districts = {}
    for number in numbers:
        district_number = (number - 1) // DISTRICT_SIZE + 1
        if district_number not in districts:
            districts[district_number], _created = District.objects.get_or_create(
                code=f"9{district_number:03d}",
                province=province,
                defaults={"name": f"Huyện Số {district_number}"},
            )
    # bulk_create skips save(), which keeps search_name.
    places = Commune.objects.bulk_create(
        Commune(
            code=f"{90000 + number:05d}",
            name=f"Xã Số {number}",
            search_name=fold(f"Xã Số {number}"),
            province=province,
            district=districts[(number - 1) // DISTRICT_SIZE + 1],
            region=Region.BTB,
        )
        for number in numbers
    )
    villages = Village.objects.bulk_create(
        Village(commune=commune, code=f"T{number:02d}", name=name, search_name=fold(name))
        for commune in places
        for number, name in enumerate(VILLAGE_NAMES, 1)
    )
    criteria = criteria_tree(criteria_set)
    lagging = {commune.pk: rng.random() for commune in places}  # 0: ahead, 1: far behind
    craft_village = {commune.pk: rng.random() < 0.7 for commune in places}
    first_year = LAST_YEAR - years + 1
    # assess() reads only the indicator: one scratch score per indicator serves every row.
    indicators = [indicator for criterion in criteria for indicator in criterion.indicators.all()]
    scratch = {indicator.pk: Score(indicator=indicator) for indicator in indicators}
    # Each result's word, translated once (a label is a lazy translation).
    words = {status: str(status_word(status)) for status in Score.Status.values}
    for year in range(first_year, LAST_YEAR + 1):
        entered_at = timezone.make_aware(datetime.datetime(year, 11, 15, 9, 0))
        constants = {
            "entered_by_id": user.pk,
            "entered_at": entered_at,
            "verification": Score.Verification.VERIFIED,
            "verified_by_id": user.pk,
            "verified_at": entered_at + datetime.timedelta(days=20),
        }
        # The set as in force for the year, as Indicator.target_for() takes it by default.
        edition = criteria_set.edition(year)
        # Up to 30% unmet in the first year for the laggards, shrinking every year.
        progress = (year - first_year) / (years + 1)
        for start in range(0, len(places), 200):
            batch = places[start : start + 200]
            rows = []
            for commune in batch:
                unmet_share = (0.05 + 0.25 * lagging[commune.pk]) * (1 - progress)
                for criterion in criteria:
                    for indicator in criterion.indicators.all():
                        status = _status(
                            rng,
                            indicator,
                            unmet_share=unmet_share,
                            has_craft_village=craft_village[commune.pk],
                        )
                        target = edition.target(indicator, commune)
                        value = None
                        if status != Score.Status.NOT_APPLICABLE:
                            value = demo_value(
                                indicator,
                                target,
                                met=status == Score.Status.MET,
                                seed=(commune.code, year, indicator.code),
                            )
                        # The programme's rules: a status against the value needs a reason.
                        score = scratch[indicator.pk]
                        score.assess(
                            value_number=value,
                            value_text="" if indicator.is_numeric else words[status],
                            status=status,
                            reason="Đang hoàn thiện hồ sơ, chờ thẩm tra lại",
                            target=target,
                        )
                        rows.append(
                            (commune.pk, None, indicator.pk, year, score.value_number, score.value_text,
                             str(score.status), score.override_reason, "")
                        )  # fmt: skip
            _write_scores(rows, constants=constants, user=user, date=entered_at)

    registrations, recognitions = [], []
    for number, commune in enumerate(places, first - 1):
        if rng.random() < 0.4:
            target_year = LAST_YEAR + (number % 2)
            registered_on = datetime.date(target_year - 1, 12, 10)
            registrations.append(
                Registration(
                    commune=commune,
                    criteria_set=criteria_set,
                    target_year=target_year,
                    registered_on=registered_on,
                    confirmed_on=registered_on + datetime.timedelta(days=5),
                    confirmed_by=user,
                )
            )
        elif lagging[commune.pk] < 0.2:
            recognitions.append(
                Recognition(
                    commune=commune,
                    criteria_set=criteria_set,
                    decision_number=f"{4800 + number}/QĐ-UBND",
                    decided_on=datetime.date(LAST_YEAR - 1, 12, 28),
                    signer="Chủ tịch UBND tỉnh",
                )
            )
    bulk_create_with_history(registrations, Registration, default_user=user)
    bulk_create_with_history(recognitions, Recognition, default_user=user)
    seed.communes += places
    seed.districts = District.objects.filter(province=province).count()
    seed.villages += len(villages)
    seed.scores = Score.objects.count()
    seed.history = Score.history.count()
    # With statistics on what it wrote, as migrations and large imports leave them.
    optimize_database(every_table=True)


@transaction.atomic
def seed_province(*, communes: int, years: int) -> Seed:
    """Districts of 15 communes under one province, each commune with every indicator
    of the set scored for `years` years up to 2024, plus registrations and recognitions."""
    set_file = Path(settings.BASE_DIR) / "fixtures" / "criteria" / f"{SET_CODE.lower()}.yaml"
    criteria_set = load_criteria_set(data=read_criteria_file(set_file)).criteria_set
    User = get_user_model()
    province = Province.objects.create(code="99", name="Tỉnh Thử Nghiệm")
    province_user = User.objects.create_user("bench_tinh")
    Membership.objects.create(user=province_user, role=Membership.Role.COORDINATOR, province=province)
    seed = Seed(
        criteria_set=criteria_set,
        province=province,
        communes=[],
        districts=0,
        province_user=province_user,
        indicators=sum(len(criterion.indicators.all()) for criterion in criteria_tree(criteria_set)),
        scores=0,
        history=0,
        villages=0,
        rng=random.Random(318),
    )
    _add_communes(seed, communes=communes, years=years, rng=seed.rng)
    first_district = District.objects.get(province=province, code="9001")
    Department.objects.bulk_create(
        Department(name=name, short_name=short_name, level=Department.Level.DISTRICT, district=first_district)
        for short_name, name in DISTRICT_DEPARTMENTS
    )
    assign_demo_departments(first_district)
    seed.district_user = User.objects.create_user("bench_huyen")
    Membership.objects.create(
        user=seed.district_user, role=Membership.Role.COORDINATOR, district=first_district
    )
    seed.large_district_user = User.objects.create_user("bench_40")
    _fill_large_district(seed)
    seed.dossier = create_dossier(
        commune=seed.communes[0], criteria_set=criteria_set, year=LAST_YEAR, user=province_user
    )
    seed.district_communes = min(DISTRICT_SIZE, communes)
    return seed


def _fill_large_district(seed: Seed) -> None:
    """Districts here have 15 communes; a 40-commune scope is a user on the first 40."""
    had = seed.large_district_communes
    seed.large_district_communes = min(LARGE_DISTRICT, len(seed.communes))
    Membership.objects.bulk_create(
        Membership(user=seed.large_district_user, role=Membership.Role.COMMUNE, commune=commune)
        for commune in seed.communes[had : seed.large_district_communes]
    )


@transaction.atomic
def grow_province(seed: Seed, *, communes: int, years: int) -> None:
    """More communes in the seeded province, up to `communes`, made as seed_province() makes them."""
    _add_communes(seed, communes=communes, years=years, rng=seed.rng)
    _fill_large_district(seed)
