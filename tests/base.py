"""Named personas shared by the tests, created once per test class."""

import copy
from functools import cache
from pathlib import Path

from django.contrib.auth import get_user_model
from django.test import TestCase
from simple_history.utils import bulk_create_with_history

from communes.models import Commune, Department, District, Membership, Province, Region, Village
from criteria.models import CriteriaSet, CriterionOwner, Indicator, IndicatorTarget, Score

PASSWORD = "mat-khau-thu-nghiem-2024"
Role = Membership.Role


class Personas:
    """A district with two communes, and one user per persona.

    - coordinator: Văn phòng điều phối NTM of the district
    - department_officer: an officer of Phòng Kinh tế và Hạ tầng
    - official_a / official_b: commune officials of Dân Lý (A) and Dân Lực (B)
    - leader: a district leader (read-only)
    - nobody: a user with no membership
    - admin: the system administrator (superuser)
    """

    @classmethod
    def create_personas(cls):
        cls.province = Province.objects.create(code="38", name="Thanh Hóa")
        cls.district = District.objects.create(code="392", name="Triệu Sơn", province=cls.province)
        cls.commune_a = Commune.objects.create(
            code="15934", name="Dân Lý", province=cls.province, district=cls.district, region=Region.BTB
        )
        cls.commune_b = Commune.objects.create(
            code="15937", name="Dân Lực", province=cls.province, district=cls.district, region=Region.BTB
        )
        cls.village_a = Village.objects.create(commune=cls.commune_a, code="T01", name="Thôn Nhất")
        cls.village_b = Village.objects.create(commune=cls.commune_b, code="T01", name="Thôn Đông")
        cls.department = Department.objects.create(
            name="Phòng Kinh tế và Hạ tầng",
            short_name="KT&HT",
            level=Department.Level.DISTRICT,
            district=cls.district,
        )
        cls.coordinator = cls.make_user("dieuphoi", Role.COORDINATOR, district=cls.district)
        cls.department_officer = cls.make_user(
            "phongkt", Role.DEPARTMENT, district=cls.district, department=cls.department
        )
        cls.official_a = cls.make_user("xa_a", Role.COMMUNE, commune=cls.commune_a)
        cls.official_b = cls.make_user("xa_b", Role.COMMUNE, commune=cls.commune_b)
        cls.leader = cls.make_user("lanhdao", Role.LEADER, district=cls.district)
        cls.nobody = get_user_model().objects.create_user("khach", password=PASSWORD)
        cls.admin = get_user_model().objects.create_superuser("quantri", password=PASSWORD)

    @staticmethod
    def assign_owner(criterion, department, *, indicator=None):
        """`department` owns `criterion` (or one `indicator` of it) in the unit it serves."""
        if department.district_id:
            unit = {"district": department.district}
        else:
            unit = {"province": department.province}
        return CriterionOwner.objects.create(
            criterion=criterion, indicator=indicator, department=department, **unit
        )

    @staticmethod
    def make_user(username, role, **unit):
        user = get_user_model().objects.create_user(username, password=PASSWORD)
        department = unit.pop("department", None)
        Membership.objects.create(user=user, role=role, department=department, **unit)
        return user


class PersonasTestCase(Personas, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.create_personas()


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "criteria"


@cache
def _shipped_set_data(code: str) -> dict:
    from criteria.loader import read_criteria_file

    return read_criteria_file(FIXTURES / f"{code.lower()}.yaml")


def load_shipped_set(code: str):
    """Load a criteria set from fixtures/criteria/ the way load_criteria does. The file is
    parsed and checked once per test run: most test classes load the same set."""
    from criteria.loader import load_criteria_set

    return load_criteria_set(data=copy.deepcopy(_shipped_set_data(code))).criteria_set


class AssessmentTestCase(PersonasTestCase):
    """Personas plus the shipped QD318-2022-XA-NTM set (19 criteria, 57 indicators), with
    the target a province's workbook would give indicator 3.1 (≥80%; the shipped set
    has none, the official one being unknown) so results compute from values."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ntm = load_shipped_set("QD318-2022-XA-NTM")
        cls.indicators = {
            i.code: i
            for i in Indicator.objects.filter(criterion__criteria_set=cls.ntm).select_related("criterion")
        }
        IndicatorTarget.objects.create(indicator=cls.indicators["3.1"], value="≥80%", source="tests")

    def fresh_set(self):
        """The set as a page loads it, its rules and amendments not read yet: so a
        measured block counts what a page costs."""
        return CriteriaSet.objects.get(pk=self.ntm.pk)

    @classmethod
    def score_all(cls, commune, year, *, status=None, exceptions=None, village=None):
        """Give every indicator of the set a score: `status` (default met), except `exceptions`
        ({code: status}). Returns the created scores."""
        exceptions = exceptions or {}
        # With history rows, as every real save has, so "as of" views see them.
        return bulk_create_with_history(
            [
                Score(
                    indicator=indicator,
                    commune=commune,
                    village=village,
                    year=year,
                    status=exceptions.get(code, status or Score.Status.MET),
                )
                for code, indicator in cls.indicators.items()
            ],
            Score,
        )
