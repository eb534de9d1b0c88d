"""The assessment issue's acceptance example, end to end: a scores file for one
commune goes in through the import, and the scorecard and dashboard say 15/19 and 52/57."""

import io

import openpyxl
from django.urls import reverse

from criteria.resources import import_scores
from tests.base import AssessmentTestCase

UNMET = ("2.1", "2.2", "11", "13.2", "17.5")


class ImportedScoresAcceptanceTests(AssessmentTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(
            ["Mã xã", "Xã", "Mã thôn", "Bộ tiêu chí", "Mã chỉ tiêu", "Năm", "Giá trị", "Kết quả", "Ghi chú"]
        )
        for code in cls.indicators:
            result = "Chưa đạt" if code in UNMET else "Đạt"
            sheet.append(
                [cls.commune_a.code, cls.commune_a.name, "", cls.ntm.code, code, 2024, "", result, ""]
            )
        buffer = io.BytesIO()
        book.save(buffer)
        cls.report = import_scores(buffer.getvalue(), user=cls.coordinator, format="xlsx")

    def test_the_file_imports(self):
        self.assertTrue(self.report.ok, self.report.errors)
        self.assertEqual(self.report.counts["new"], 57)

    def test_the_scorecard_shows_15_of_19_and_52_of_57(self):
        self.client.force_login(self.leader)
        url = reverse("reports:scorecard", args=[self.commune_a.code])
        response = self.client.get(url, {"set": self.ntm.code, "year": 2024})
        self.assertContains(response, "15/19")
        self.assertContains(response, "52/57")

    def test_the_scorecard_lists_exactly_those_five_indicators_as_unmet(self):
        self.client.force_login(self.leader)
        url = reverse("reports:scorecard", args=[self.commune_a.code])
        response = self.client.get(url, {"set": self.ntm.code, "year": 2024})
        unmet_section = response.content.decode().split('id="unmet"')[1].split("</table>")[0]
        listed = [code for code in self.indicators if f'<span class="code">{code}</span>' in unmet_section]
        self.assertEqual(listed, list(UNMET))

    def test_the_dashboard_row_shows_15_of_19_and_52_of_57(self):
        self.client.force_login(self.leader)
        response = self.client.get(reverse("reports:dashboard"), {"set": self.ntm.code, "year": 2024})
        row = response.content.decode().split(f">{self.commune_a.name}</a>")[1].split("</tr>")[0]
        self.assertIn('<td class="num">15/19</td>', row)
        self.assertIn('<td class="num">52/57</td>', row)
