"""SQLite is given statistics after migrations and after a large import, so its planner
does not walk every commune-level score through the village index (issue 13)."""

from django.db import connection

from criteria.resources import COLUMNS, import_scores
from ntm.lib.database import optimize_database
from tests.base import AssessmentTestCase
from tools.xlsx import write_xlsx


def analysed_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        return {table for (table,) in cursor.fetchall()}


class StatisticsTests(AssessmentTestCase):
    def test_a_large_import_leaves_statistics_on_the_scores(self):
        communes = [self.commune_a, self.commune_b]
        rows = [
            [c.code, c.name, "", self.ntm.code, code, year, "", "Đạt", ""]
            for c in communes
            for code in self.indicators
            for year in range(2015, 2025)
        ]
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(
                import_scores(write_xlsx([COLUMNS, *rows]), user=self.coordinator).counts["new"], 1140
            )
        if connection.vendor == "sqlite":
            self.assertIn("criteria_score", analysed_tables())

    def test_every_table_may_be_analysed_at_once(self):
        optimize_database(every_table=True)
        if connection.vendor == "sqlite":
            self.assertIn("communes_commune", analysed_tables())
