"""Demo additions to the criteria library: which Triệu Sơn department owns what."""

import datetime
import hashlib
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from communes.models import Department, District, Membership

from .models import CriteriaSet, Criterion, Indicator, Recognition, Registration, Score
from .standing import criteria_tree

# Criterion number -> short name of the district department that verifies it,
# for the commune NTM sets of 2016-2020 and 2021-2025.
CRITERION_OWNERS = {
    1: "KT&HT",
    2: "KT&HT",
    3: "NN&PTNT",
    4: "KT&HT",
    5: "GD&ĐT",
    6: "VH&TT",
    7: "KT&HT",
    8: "VH&TT",
    9: "KT&HT",
    10: "TK",
    11: "LĐ-TB&XH",
    12: "LĐ-TB&XH",
    13: "NN&PTNT",
    14: "GD&ĐT",
    15: "YT",
    16: "VH&TT",
    17: "TN&MT",
    18: "NV",
    19: "CA",
}
# Indicators owned by another department than their criterion's.
INDICATOR_OWNERS = {"18.5": "TP", "19.1": "BCHQS", "19.2": "CA"}
DEMO_SETS = ["QD318-2022-XA-NTM", "QD1980-2016-XA-NTM"]

# Provincial department (short name in communes.demo.PROVINCE_DEPARTMENTS) -> the criteria
# of the commune NTM sets it appraises, by its field (the numbering of QĐ 318/2022 and
# QĐ 1980/2016 alike: 1 Quy hoạch, 2 Giao thông, 3 Thủy lợi và phòng, chống thiên tai,
# 4 Điện, 5 Trường học, 6 Cơ sở vật chất văn hóa, 7 Cơ sở hạ tầng thương mại nông thôn,
# 8 Thông tin và Truyền thông, 9 Nhà ở dân cư, 10 Thu nhập, 11 Nghèo đa chiều, 12 Lao động,
# 13 Tổ chức sản xuất và phát triển kinh tế nông thôn, 14 Giáo dục và Đào tạo, 15 Y tế,
# 16 Văn hóa, 17 Môi trường và an toàn thực phẩm, 18 Hệ thống chính trị và tiếp cận pháp
# luật, 19 Quốc phòng và An ninh). A criterion of two fields is appraised by both
# departments (17: agriculture and environment; 18: home affairs and justice; 19: police
# and military). Planning and investment and finance own no criterion: they check the
# conditions besides the criteria (no outstanding construction debt). This is the demo
# province's assignment, not an official table; each province sets its own.
PROVINCE_DEPARTMENT_CRITERIA = {
    "SNN": (3, 13, 17),
    "SXD": (1, 9),
    "SGTVT": (2,),
    "SCT": (4, 7),
    "STTTT": (8,),
    "SGDĐT": (5, 14),
    "SVHTTDL": (6, 16),
    "SYT": (15,),
    "SLĐTBXH": (11, 12),
    "STNMT": (17,),
    "SNV": (18,),
    "STP": (18,),
    "SKHĐT": (),
    "STC": (),
    "CTK": (10,),
    "CAT": (19,),
    "BCHQST": (19,),
}


@transaction.atomic
def assign_demo_departments(district: District) -> int:
    """Give each criterion of the demo sets its department; returns how many changed."""
    departments = {d.short_name: d for d in Department.objects.filter(district=district)}
    changed = 0
    for criterion in Criterion.objects.filter(criteria_set__code__in=DEMO_SETS):
        owner = departments[CRITERION_OWNERS[criterion.number]]
        if criterion.responsible_department_id != owner.pk:
            criterion.responsible_department = owner
            criterion.save(update_fields=["responsible_department"])
            changed += 1
    for code, short_name in INDICATOR_OWNERS.items():
        changed += (
            Indicator.objects.filter(criterion__criteria_set__code__in=DEMO_SETS, code=code)
            .exclude(responsible_department=departments[short_name])
            .update(responsible_department=departments[short_name])
        )
    return changed


def demo_sets_loaded() -> bool:
    return CriteriaSet.objects.filter(code__in=DEMO_SETS).count() == len(DEMO_SETS)


# Demo scores ----------------------------------------------------------------------

DEMO_SCORE_SET = "QD318-2022-XA-NTM"
DEMO_YEARS = (2022, 2023, 2024)
# Criteria met per year, registered target year, and recognition (number, date) if any.
# Every commune with a 2024 dossier past the draft (dossiers/demo.py) meets all 19 criteria
# in its own 2024 assessment, as the programme requires before it submits; Minh Châu,
# still gathering files, does not. Đồng Tiến in 2024 is the meeting example of Bình Lục:
# 15/19 criteria, 52/57 indicators.
COMMUNE_PROGRESS = {
    "Thọ Cường": ((17, 19, 19), 2023, ("4821/QĐ-UBND", datetime.date(2023, 12, 28))),
    # Tân Ninh's 2024 recognition is recorded through its dossier (dossiers/demo.py).
    "Tân Ninh": ((16, 18, 19), 2024, None),
    "Dân Lực": ((15, 17, 19), 2024, None),
    "Thọ Thế": ((16, 18, 19), 2024, None),
    "Dân Lý": ((14, 17, 19), 2024, None),
    "Dân Quyền": ((15, 17, 19), 2024, None),
    "Xuân Thịnh": ((16, 17, 19), 2024, None),
    "Khuyến Nông": ((13, 16, 19), 2024, None),
    "Minh Châu": ((13, 15, 17), 2024, None),
    "Đồng Tiến": ((12, 14, 15), 2025, None),
    "Thọ Dân": ((9, 11, 13), None, None),
    "Hợp Lý": ((8, 9, 11), None, None),
    "Thọ Ngọc": ((7, 8, 9), None, None),
}
# The order in which criteria tend to be reached last in the seed district.
HARDEST_FIRST = [17, 13, 11, 2, 10, 12, 5, 15, 14, 6, 9, 16, 8, 18, 3, 7, 4, 19, 1]
# Indicators not met in a criterion that is not met; the default is the first indicator.
UNMET_INDICATORS = {2: ["2.1", "2.2"], 11: ["11"], 13: ["13.2"], 17: ["17.5"], 12: ["12.2"], 15: ["15.1"]}
# Communes without a traditional craft village: 13.4 ("nếu có") does not apply.
NO_CRAFT_VILLAGE = {"Thọ Thế", "Minh Châu", "Thọ Dân", "Hợp Lý"}


def _wobble(*parts) -> float:
    """A stable pseudo-random number in [0, 1) from the parts, so the demo is repeatable."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def demo_value(indicator: Indicator, target, *, met: bool, seed: tuple) -> Decimal | None:
    """A plausible value for a numeric indicator, on the side of `target` that `met` says.

    `target` is the IndicatorTarget that applies (or None); `seed` is any tuple that
    names the score (commune, year, indicator code): the same seed gives the same value,
    so demo and bench data are repeatable. Returns None for a non-numeric indicator.
    Incomes ("triệu đồng") are 48-68 million when met, 38-44 when not; a maximum is
    40-90% of the limit when met, 130-230% when not; a minimum (85 when there is no
    target) is met between the target and 100, and missed at 70-95% of it.
    """
    if not indicator.is_numeric:
        return None
    w = _wobble(*seed)
    threshold = target.threshold if target is not None and target.threshold is not None else None
    if indicator.unit.startswith("triệu"):
        return Decimal(round(48 + 20 * w, 1)) if met else Decimal(round(38 + 6 * w, 1))
    if indicator.kind == Indicator.Kind.NUMERIC_MAX:
        limit = threshold if threshold is not None else Decimal(4)
        return (
            (limit * Decimal(0.4 + 0.5 * w)).quantize(Decimal("0.1"))
            if met
            else (limit * Decimal(1.3 + w)).quantize(Decimal("0.1"))
        )
    floor = threshold if threshold is not None else Decimal(85)
    if met:
        return min(Decimal(100), floor + Decimal(round((100 - float(floor)) * w, 1)))
    return (floor * Decimal(0.7 + 0.25 * w)).quantize(Decimal("0.1"))


@transaction.atomic
def build_demo_scores(district: District) -> int:
    """Scores for 2022-2024, registrations and recognitions; returns scores created.

    Does nothing when the demo district already has scores, so running the demo
    loader again keeps whatever people entered since.
    """
    criteria_set = CriteriaSet.objects.get(code=DEMO_SCORE_SET)
    communes = {c.name: c for c in district.communes.all()}
    if Score.objects.filter(
        commune__in=communes.values(), indicator__criterion__criteria_set=criteria_set
    ).exists():
        return 0
    User = get_user_model()
    officials = {
        m.commune_id: m.user
        for m in Membership.objects.filter(role=Membership.Role.COMMUNE, commune__in=communes.values())
    }
    coordinator = User.objects.filter(username="dieuphoi").first()
    criteria = criteria_tree(criteria_set)
    scores = []
    for name, (progress, target_year, recognition) in COMMUNE_PROGRESS.items():
        commune = communes[name]
        for year, met_count in zip(DEMO_YEARS, progress, strict=True):
            unmet = set(HARDEST_FIRST[: len(criteria) - met_count])
            entered_at = timezone.make_aware(datetime.datetime(year, 11, 15, 9, 0))
            for criterion in criteria:
                unmet_codes = UNMET_INDICATORS.get(criterion.number)
                indicators = list(criterion.indicators.all())
                if criterion.number in unmet and unmet_codes is None:
                    unmet_codes = [indicators[0].code]
                for indicator in indicators:
                    target = indicator.target_for(commune, year)
                    fails = criterion.number in unmet and indicator.code in unmet_codes
                    if indicator.conditional and name in NO_CRAFT_VILLAGE:
                        status = Score.Status.NOT_APPLICABLE
                    elif fails:
                        # Communes close to the goal call some gaps "cơ bản đạt".
                        nearly = met_count >= 16 and _wobble(name, year, indicator.code) < 0.5
                        status = Score.Status.BASICALLY_MET if nearly else Score.Status.NOT_MET
                    else:
                        status = Score.Status.MET
                    value = demo_value(
                        indicator, target, met=status == Score.Status.MET, seed=(name, year, indicator.code)
                    )
                    # A commune that meets every criterion has had its results verified, as
                    # the district requires before it accepts a dossier; others partly, in 2024.
                    verified = (
                        year < 2024
                        or met_count == len(criteria)
                        or _wobble("verify", name, indicator.code) < 0.6
                    )
                    scores.append(
                        Score(
                            indicator=indicator,
                            commune=commune,
                            year=year,
                            value_number=value,
                            value_text="" if indicator.is_numeric else status_word(status),
                            status=status,
                            note="",
                            entered_by=officials.get(commune.pk, coordinator),
                            entered_at=entered_at,
                            verification=Score.Verification.VERIFIED
                            if verified
                            else Score.Verification.PENDING,
                            verified_by=coordinator if verified else None,
                            verified_at=entered_at + datetime.timedelta(days=20) if verified else None,
                        )
                    )
        _register(commune, criteria_set, target_year, recognition, coordinator)
    created = bulk_create_with_history(
        scores,
        Score,
        default_user=coordinator,
        default_change_reason="Dữ liệu mẫu",
        default_date=timezone.make_aware(datetime.datetime(2024, 11, 15, 9, 0)),
    )
    _date_history_by_year(criteria_set)
    return len(created)


def status_word(status: str) -> str:
    return Score.Status(status).label


def _register(commune, criteria_set, target_year, recognition, coordinator) -> None:
    if target_year is None:
        return
    registered_on = datetime.date(target_year - 1, 12, 10)
    Registration.objects.get_or_create(
        commune=commune,
        criteria_set=criteria_set,
        target_year=target_year,
        defaults={
            "registered_on": registered_on,
            "confirmed_on": registered_on + datetime.timedelta(days=5),
            "confirmed_by": coordinator,
        },
    )
    if recognition is not None:
        number, decided_on = recognition
        Recognition.objects.get_or_create(
            commune=commune,
            criteria_set=criteria_set,
            decision_number=number,
            defaults={"decided_on": decided_on, "signer": "Chủ tịch UBND tỉnh Thanh Hóa"},
        )


def _date_history_by_year(criteria_set) -> None:
    """Each year's scores were entered in November of that year, so "as of" dates work."""
    for year in DEMO_YEARS:
        Score.history.filter(indicator__criterion__criteria_set=criteria_set, year=year).update(
            history_date=timezone.make_aware(datetime.datetime(year, 11, 15, 9, 0))
        )
