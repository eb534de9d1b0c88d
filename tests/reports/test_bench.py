"""`manage.py bench` on a tiny province: the one table, with a number in every cell."""

import re
from io import StringIO

from django.core.management import call_command
from django.test import TestCase

from communes.models import Commune

PAGES = [
    "floor (login_required → “ok”)",
    "dashboard, district (4 communes)",
    "dashboard, province (4 communes)",
    "scorecard, 1 commune",
]
GROWTH = "dashboard growth, district → province"
IMPORT = "import .xlsx, 228 rows (4 × 57), 1 run"
# A tiny province is one district: every report scope has its 4 communes.
REPORTS = [
    "WeasyPrint alone, same HTML, district (4 communes)",
    "district PDF, district (4 communes)",
    "WeasyPrint alone, same HTML, large district (4 communes)",
    "district PDF, large district (4 communes)",
    "district PDF, province (4 communes), 1 run",
]


def table(output: str) -> dict[str, dict[str, str]]:
    """The table's rows by measure, each a dict of its cells by column."""
    header, *lines = [line for line in output.splitlines() if " | " in line]
    columns = [cell.strip() for cell in header.split("|")]
    rows = [[cell.strip() for cell in line.split("|")] for line in lines]
    return {cells[0]: dict(zip(columns, cells, strict=False)) for cells in rows}


class BenchCommandTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        out = StringIO()
        call_command(
            "bench", "--communes", "4", "--years", "1", "--repeat", "2", "--pdf-repeat", "1", stdout=out
        )
        cls.output = out.getvalue()
        cls.rows = table(cls.output)

    def test_it_prints_one_row_per_measure(self):
        self.assertEqual(list(self.rows), [*PAGES, GROWTH, IMPORT, *REPORTS])

    def test_it_times_every_page_against_the_floor(self):
        for label in PAGES:
            with self.subTest(label):
                row = self.rows[label]
                self.assertGreater(float(row["median ms"]), 0)
                self.assertGreater(int(row["queries"]), 0)
                self.assertRegex(row["ratio"], r"^\d+\.\d× floor$")

    def test_dashboard_queries_do_not_grow_with_communes(self):
        district, province = (self.rows[label]["queries"] for label in PAGES[1:3])
        self.assertEqual(district, province)
        self.assertEqual(self.rows[GROWTH]["queries"], f"{district} → {province}")

    def test_it_judges_both_goals(self):
        self.assertEqual(self.rows[PAGES[2]]["goal"], "≤ 5× floor")
        self.assertEqual(self.rows[GROWTH]["goal"], "≤ 1× (linear)")
        self.assertIn(self.rows[PAGES[2]]["result"], {"PASS", "MISS"})
        self.assertIn(self.rows[GROWTH]["result"], {"PASS", "MISS"})

    def test_it_reports_the_import_rate(self):
        row = self.rows[IMPORT]
        self.assertGreater(float(row["median ms"]), 0)
        # Written in bulk: far fewer queries than rows, but some.
        self.assertLess(int(row["queries"]), 228)
        self.assertGreater(int(row["queries"]), 0)
        self.assertRegex(row["ratio"], r"^\d+ rows/s$")

    def test_it_times_each_report_pdf_against_weasyprint_alone(self):
        for floor, pdf in (REPORTS[0:2], REPORTS[2:4]):
            with self.subTest(pdf):
                self.assertEqual(self.rows[floor]["ratio"], "1.00× WeasyPrint")
                self.assertGreater(float(self.rows[floor]["median ms"]), 0)
                row = self.rows[pdf]
                self.assertRegex(row["ratio"], r"^\d+\.\d\d× WeasyPrint$")
                self.assertEqual(row["goal"], "≤ 1.3× WeasyPrint")
                self.assertIn(row["result"], {"PASS", "MISS"})

    def test_report_queries_do_not_grow_with_communes(self):
        self.assertEqual(len({self.rows[label]["queries"] for label in REPORTS[1::2]}), 1)

    def test_it_times_the_province_report_once(self):
        row = self.rows[REPORTS[4]]
        self.assertGreater(float(row["median ms"]), 0)
        self.assertRegex(row["ratio"], r"^\d+ KB$")

    def test_it_describes_the_data_set(self):
        self.assertIn("4 communes in 1 districts, 57 indicators of QD318-2022-XA-NTM", self.output)
        self.assertIn("228 scores, 228 history rows, 32 villages", self.output)
        self.assertTrue(re.search(r"Django \d+\.\d+", self.output))

    def test_it_leaves_the_database_it_started_with_alone(self):
        self.assertFalse(Commune.objects.exists())
