"""Demo additions to the criteria library: which department of Triệu Sơn and of Thanh Hóa
owns what, and the district's self-assessed and verified scores for 2022-2024."""

import datetime
import hashlib
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from communes.models import District, Membership

from .models import CriteriaSet, CriterionOwner, Indicator, Recognition, Registration, Score
from .owners import Unit, assign_owners, ownership_in
from .services import verify_score
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

# The demo province's default assignment of its sở, ngành (short names in
# communes.demo.PROVINCE_DEPARTMENTS) to the criteria of the commune NTM sets: what each
# appraises of a dossier, by its field. QĐ 318/2022 and QĐ 1980/2016 number the criteria
# alike: 1 Quy hoạch, 2 Giao thông, 3 Thủy lợi và phòng, chống thiên tai, 4 Điện, 5 Trường
# học, 6 Cơ sở vật chất văn hóa, 7 Cơ sở hạ tầng thương mại nông thôn, 8 Thông tin và Truyền
# thông, 9 Nhà ở dân cư, 10 Thu nhập, 11 Nghèo đa chiều, 12 Lao động, 13 Tổ chức sản xuất
# và phát triển kinh tế nông thôn, 14 Giáo dục và Đào tạo, 15 Y tế, 16 Văn hóa, 17 Môi
# trường và an toàn thực phẩm, 18 Hệ thống chính trị và tiếp cận pháp luật, 19 Quốc phòng
# và An ninh (QĐ 1980/2016 names 3 Thủy lợi, 11 Hộ nghèo, 12 Lao động có việc làm and
# 13 Tổ chức sản xuất).
# A number is a whole criterion; a code is one indicator of a criterion that another
# department owns, so that criterion is appraised by both: 17.1 (rural clean water) by
# agriculture beside environment, 18.5 (access to law) by justice beside home affairs,
# 19.1 (militia) by the military beside the police. Planning and investment and finance
# own no criterion: they check the conditions besides the criteria (no outstanding
# construction debt). This is the demo province's assignment, not an official table: each
# province sets its own, and the coordinator edits it on the owners page. load_demo writes
# it as the province's CriterionOwner rows (criteria.owners), which pre-fill each appraisal.
PROVINCE_DEPARTMENT_CRITERIA = {
    "SNN": (3, 13, "17.1"),
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
    "STP": ("18.5",),
    "SKHĐT": (),
    "STC": (),
    "CTK": (10,),
    "CAT": (19,),
    "BCHQST": ("19.1",),
}


def appraised_criteria(fields) -> set[int]:
    """The criterion numbers of one department's PROVINCE_DEPARTMENT_CRITERIA entry."""
    return {field if isinstance(field, int) else int(field.split(".")[0]) for field in fields}


def _owners_by_number_and_code(by_department: dict) -> tuple[dict, dict]:
    """{criterion number: department} and {indicator code: department} of a
    department -> fields table."""
    criteria, indicators = {}, {}
    for short_name, fields in by_department.items():
        for field in fields:
            (criteria if isinstance(field, int) else indicators)[field] = short_name
    return criteria, indicators


@transaction.atomic
def assign_demo_departments(district: District) -> int:
    """Assign the criteria of the demo sets to the district's phòng and to the province's
    sở, ngành; returns rows written. A unit whose departments are not loaded, or that has
    an assignment for the set already (perhaps edited since), is left as it is."""
    written = 0
    units = [
        (Unit(district=district), CRITERION_OWNERS, INDICATOR_OWNERS),
        (Unit(province=district.province), *_owners_by_number_and_code(PROVINCE_DEPARTMENT_CRITERIA)),
    ]
    for unit, by_number, by_code in units:
        departments = {d.short_name: d for d in unit.departments()}
        if not departments:
            continue
        for criteria_set in CriteriaSet.objects.filter(code__in=DEMO_SETS):
            if CriterionOwner.objects.filter(criterion__criteria_set=criteria_set, **unit.filter).exists():
                continue
            criteria = list(criteria_set.criteria.all())
            indicators = Indicator.objects.filter(criterion__criteria_set=criteria_set, code__in=by_code)
            written += assign_owners(
                unit=unit,
                criteria_set=criteria_set,
                criteria={c.pk: departments.get(by_number.get(c.number)) for c in criteria},
                indicators={i.pk: departments.get(by_code[i.code]) for i in indicators},
            )
    return written


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


# When each year's self-assessment was entered: in November for the past years, and in
# August for 2024, before the communes opened their dossiers (dossiers/demo.py).
ENTERED_ON = {
    2022: datetime.date(2022, 11, 15),
    2023: datetime.date(2023, 11, 15),
    2024: datetime.date(2024, 8, 15),
}
# Past years' results were verified 20 days after they were entered; 2024's on this day,
# before the district reviewed the dossiers.
VERIFIED_2024 = datetime.datetime(2024, 9, 10, 10, 0)
# The communes without an account of their own (communes.demo.DEMO_ACCOUNTS): the
# coordination office entered their results for them, and says so ("thay mặt xã").
ON_BEHALF_REASON = "Xã chưa có tài khoản trên hệ thống; Văn phòng điều phối nhập theo báo cáo của xã"


@transaction.atomic
def build_demo_scores(district: District) -> int:
    """Scores for 2022-2024, registrations and recognitions; returns scores created.

    Each commune's own official entered its results (the coordination office for a
    commune without an account, with its reason). The district department that owns an
    indicator (assign_demo_departments) verified it: in bulk for the past years, and for
    2024 through the verification service, as a department does from its queue. Does
    nothing when the demo district already has scores, so running the demo loader again
    keeps whatever people entered since.
    """
    criteria_set = CriteriaSet.objects.get(code=DEMO_SCORE_SET)
    communes = {c.name: c for c in district.communes.all()}
    if Score.objects.filter(
        commune__in=communes.values(), indicator__criterion__criteria_set=criteria_set
    ).exists():
        return 0
    coordinator = get_user_model().objects.get(username="dieuphoi")
    memberships = Membership.objects.select_related("user")
    officials = {
        m.commune_id: m.user
        for m in memberships.filter(role=Membership.Role.COMMUNE, commune__in=communes.values())
    }
    officers = {
        m.department_id: m.user
        for m in memberships.filter(role=Membership.Role.DEPARTMENT, department__district=district)
    }
    ownership = ownership_in(Unit(district=district), criteria_set)
    criteria = criteria_tree(criteria_set)
    scores, to_verify = [], []
    for name, (progress, target_year, recognition) in COMMUNE_PROGRESS.items():
        commune = communes[name]
        official = officials.get(commune.pk)
        for year, met_count in zip(DEMO_YEARS, progress, strict=True):
            unmet = set(HARDEST_FIRST[: len(criteria) - met_count])
            entered_at = timezone.make_aware(datetime.datetime.combine(ENTERED_ON[year], datetime.time(9)))
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
                    score = Score(
                        indicator=indicator,
                        commune=commune,
                        year=year,
                        value_number=value,
                        value_text="" if indicator.is_numeric else status_word(status),
                        status=status,
                        note="",
                        entered_by=official or coordinator,
                        entered_at=entered_at,
                        on_behalf_reason="" if official else ON_BEHALF_REASON,
                    )
                    score._history_user, score._history_date = score.entered_by, entered_at
                    score._change_reason = "Dữ liệu mẫu" if official else f"Thay mặt xã: {ON_BEHALF_REASON}"
                    if year < DEMO_YEARS[-1]:
                        score.verification = Score.Verification.VERIFIED
                        score.verified_by = officers[ownership.department_id(indicator)]
                        score.verified_at = entered_at + datetime.timedelta(days=20)
                    elif met_count == len(criteria) or _wobble("verify", name, indicator.code) < 0.6:
                        # A commune that meets every criterion has had all its results
                        # verified, as the district requires before it accepts a dossier;
                        # the others part of them.
                        to_verify.append(score)
                    scores.append(score)
        _register(commune, criteria_set, target_year, recognition, coordinator)
    created = bulk_create_with_history(scores, Score)
    for score in to_verify:
        verify_score(
            score=score,
            user=officers[ownership.department_id(score.indicator)],
            verified=True,
            comment="",
            read_version=score.version,
        )
    _date_verifications(to_verify)
    return len(created)


def _date_verifications(scores) -> None:
    """The 2024 verifications happened before the dossiers' review, not on the day the
    demo is loaded."""
    verified_at = timezone.make_aware(VERIFIED_2024)
    pks = [score.pk for score in scores]
    Score.objects.filter(pk__in=pks).update(verified_at=verified_at)
    Score.history.filter(id__in=pks, history_type="~").update(
        history_date=verified_at, verified_at=verified_at
    )


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
