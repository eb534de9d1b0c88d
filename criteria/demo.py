"""Demo additions to the criteria library: which Triệu Sơn department owns what."""

from django.db import transaction

from communes.models import Department, District

from .models import CriteriaSet, Criterion, Indicator

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
