"""Each derived rule has one home; every path that shows it gives the same answer.

- the commune's verdict (recognised, at risk, meets the set, short, no data):
  CommuneRow.verdict, read by the scorecard, the commune PDF and the district workbook;
- the bands of criteria met: criteria.standing.band_of, read by the dashboard's counts and
  the report chart's bar colours;
- "registered this year": CommuneRow.registered_this_year, read by the dashboard's count and
  the dossier report's grouping.
"""

import datetime

from django.test import Client
from django.urls import reverse

from criteria.models import Recognition, Registration, Score
from criteria.standing import Verdict, band_of, commune_rows
from reports.charts import BAND_COLOURS
from tests.base import AssessmentTestCase
from tests.reports.documents import pdf_text, sheet_rows, workbook

YEAR = 2024
UNMET = dict.fromkeys(("2.1", "2.2", "11", "13.2", "17.5"), Score.Status.NOT_MET)


class CommuneVerdictTests(AssessmentTestCase):
    """Dân Lý: registered for 2024 and 15/19 (at risk); Dân Lực: 19/19, not recognised."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.score_all(cls.commune_a, YEAR, exceptions=UNMET)
        cls.score_all(cls.commune_b, YEAR)
        Registration.objects.create(
            commune=cls.commune_a,
            criteria_set=cls.ntm,
            target_year=YEAR,
            registered_on=datetime.date(2023, 12, 1),
        )

    def setUp(self):
        self.client = Client()
        self.client.force_login(self.leader)
        self.params = {"set": self.ntm.code, "year": YEAR}

    def row(self, commune):
        (row,) = commune_rows([commune], criteria_set=self.ntm, year=YEAR)
        return row

    def district_note(self, commune) -> str:
        content = self.client.get(reverse("reports:district_xlsx"), self.params).content
        rows = sheet_rows(workbook(content).worksheets[0])
        return next(r[-1] for r in rows if commune.name in r) or ""

    def test_an_at_risk_commune_reads_the_same_on_the_scorecard_the_pdf_and_the_workbook(self):
        row = self.row(self.commune_a)
        self.assertEqual(row.verdict, Verdict.AT_RISK)
        self.assertEqual(row.verdict_label, "Có nguy cơ không về đích năm 2024")
        page = self.client.get(reverse("reports:scorecard", args=[self.commune_a.code]), self.params)
        self.assertContains(page, row.verdict_label)
        pdf = self.client.get(reverse("reports:commune_pdf", args=[self.commune_a.code]), self.params)
        self.assertIn(row.verdict_label, pdf_text(pdf.content))
        self.assertEqual(self.district_note(self.commune_a), row.verdict_label)

    def test_a_commune_meeting_the_set_reads_the_same_everywhere(self):
        row = self.row(self.commune_b)
        self.assertEqual(row.verdict, Verdict.MEETS_SET)
        page = self.client.get(reverse("reports:scorecard", args=[self.commune_b.code]), self.params)
        self.assertContains(page, "Đạt đủ tiêu chí, chưa có quyết định công nhận")
        self.assertEqual(self.district_note(self.commune_b), "Đạt đủ tiêu chí, chưa có quyết định công nhận")

    def test_a_recognised_commune_is_neither_at_risk_nor_noted(self):
        Recognition.objects.create(
            commune=self.commune_b,
            criteria_set=self.ntm,
            decision_number="12/QĐ-UBND",
            decided_on=datetime.date(2024, 5, 2),
        )
        row = self.row(self.commune_b)
        self.assertEqual(row.verdict, Verdict.RECOGNISED)
        self.assertEqual(row.verdict_label, "Đã công nhận: QĐ 12/QĐ-UBND ngày 02/05/2024")
        page = self.client.get(reverse("reports:scorecard", args=[self.commune_b.code]), self.params)
        self.assertContains(page, row.verdict_label)
        self.assertEqual(self.district_note(self.commune_b), "")


class BandTests(AssessmentTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.score_all(cls.commune_a, YEAR, exceptions=UNMET)  # 15/19: band 15–18
        cls.score_all(cls.commune_b, YEAR)  # 19/19

    def test_the_bands_follow_the_shortfall(self):
        self.assertEqual([band_of(met, 19) for met in (19, 18, 15, 14, 10, 9, 0)], [0, 1, 1, 2, 2, 3, 3])

    def test_the_dashboard_counts_and_the_chart_colours_put_a_commune_in_the_same_band(self):
        self.client.force_login(self.leader)
        dashboard = self.client.get(reverse("reports:dashboard"), {"set": self.ntm.code, "year": YEAR})
        self.assertEqual(
            dashboard.context["summary"].bands, [("19", 1), ("15–18", 1), ("10–14", 0), ("dưới 10", 0)]
        )
        preview = self.client.get(reverse("reports:district"), {"set": self.ntm.code, "year": YEAR})
        (chart,) = preview.context["report"].charts
        self.assertIn(f'fill="{BAND_COLOURS[0]}"><title>Dân Lực: 19/19</title>', chart)
        self.assertIn(f'fill="{BAND_COLOURS[1]}"><title>Dân Lý: 15/19</title>', chart)

    def test_a_set_of_four_conditions_has_only_the_bands_it_can_reach(self):
        from criteria.standing import DistrictSummary

        self.assertEqual([label for label, _count in DistrictSummary([], 4).bands], ["4", "0–3"])


class RegisteredThisYearTests(AssessmentTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.score_all(cls.commune_a, YEAR)
        cls.score_all(cls.commune_b, YEAR)
        Registration.objects.create(
            commune=cls.commune_a,
            criteria_set=cls.ntm,
            target_year=YEAR,
            registered_on=datetime.date(2023, 12, 1),
        )
        Registration.objects.create(
            commune=cls.commune_b,
            criteria_set=cls.ntm,
            target_year=YEAR + 1,
            registered_on=datetime.date(2023, 12, 1),
        )

    def test_the_dashboard_and_the_dossier_report_agree_on_who_aims_for_this_year(self):
        self.client.force_login(self.leader)
        params = {"set": self.ntm.code, "year": YEAR}
        dashboard = self.client.get(reverse("reports:dashboard"), params)
        self.assertEqual(dashboard.context["summary"].registered_count, 1)
        aiming = [row.commune for row in dashboard.context["grid"].rows if row.registered_this_year]
        self.assertEqual(aiming, [self.commune_a])
        report = self.client.get(reverse("reports:dossiers"), params).context["report"]
        groups = {label: [line.commune for line in lines] for label, lines in report.groups}
        self.assertEqual(groups["Các xã đăng ký về đích năm 2024"], aiming)
        self.assertEqual(groups["Các xã khác"], [self.commune_b])
