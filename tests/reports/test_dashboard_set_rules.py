"""What a set says about how communes are judged (its region rules, amendments, kinds of
unit) is part of the dashboard's data version: a change shows at once, not after the
cache expires."""

import datetime
from decimal import Decimal

from django.core.cache import cache
from django.urls import reverse

from communes.models import CommuneClass, Region
from criteria.models import Amendment, IndicatorTarget, RegionRule, Score
from reports.grid import data_version
from tests.base import AssessmentTestCase

YEAR = 2024


class ExtremelyDifficultCommuneTestCase(AssessmentTestCase):
    """Commune A, ĐBKK in Bắc Trung Bộ, meets indicator 3.1 only by the targets the
    shipped rule judges an ĐBKK commune by; the dashboard is fetched with an empty cache
    at the start of each test."""

    url = reverse("reports:dashboard")

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.score_all(cls.commune_a, YEAR)
        cls.score_all(cls.commune_b, YEAR)
        # Commune A (Bắc Trung Bộ, ĐBKK) has 85% on 3.1: short of its own region's 90%,
        # enough for the 80% of the Northern midlands and mountains (the set's general
        # target), by whose targets the shipped rule of 2022 judges ĐBKK communes.
        IndicatorTarget.objects.create(indicator=cls.indicators["3.1"], region=Region.BTB, value="≥90%")
        score = Score.objects.get(commune=cls.commune_a, indicator=cls.indicators["3.1"])
        score.value_number = Decimal("85")
        score.save()  # with its history, which the dashboard reads
        cls.commune_a.classes = [CommuneClass.EXTREMELY_DIFFICULT]
        cls.commune_a.save()

    def setUp(self):
        # Each test's rolled-back history may number its rows as an earlier test did.
        cache.clear()
        self.client.force_login(self.coordinator)

    def fetch(self):
        return self.client.get(self.url, {"set": self.ntm.code, "year": YEAR})


class SetRulesVersionTests(ExtremelyDifficultCommuneTestCase):
    def test_a_new_region_rule_changes_the_number_at_once(self):
        # The shipped rule (ĐBKK judged as the Northern midlands, 2022): A meets 3.1.
        self.assertNotContains(self.fetch(), "18/19")
        self.assertNotContains(self.fetch(), "18/19")  # from the cache
        RegionRule.objects.create(
            criteria_set=self.ntm,
            commune_class=CommuneClass.EXTREMELY_DIFFICULT,
            region=Region.BTB,
            from_date=datetime.date(2024, 1, 1),
        )
        self.assertContains(self.fetch(), "18/19")

    def test_a_changed_region_rule_changes_the_number_at_once(self):
        self.assertNotContains(self.fetch(), "18/19")
        rule = self.ntm.region_rules.get(commune_class=CommuneClass.EXTREMELY_DIFFICULT)
        rule.region = Region.BTB
        rule.save()
        self.assertContains(self.fetch(), "18/19")

    def test_the_sets_kinds_of_unit_change_what_is_counted(self):
        response = self.fetch()
        self.assertEqual(
            {row.commune for row in response.context["grid"].rows}, {self.commune_a, self.commune_b}
        )
        self.ntm.applies_to = ["ward"]  # no commune of the district is a phường
        self.ntm.save()
        self.assertEqual(list(self.fetch().context["grid"].rows), [])

    def test_an_amendment_is_a_new_version(self):
        before = data_version()
        Amendment.objects.create(
            criteria_set=self.ntm,
            indicator=self.indicators["3.1"],
            decision="QĐ 211/QĐ-TTg",
            effective_on=datetime.date(2024, 3, 1),
            text="Tỷ lệ mới",
        )
        self.assertNotEqual(data_version(), before)
