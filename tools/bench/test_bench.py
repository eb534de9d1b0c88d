"""The bench's own checks, run by `make bench-smoke` (never by `make test` or CI):
a goal judged on made-up numbers, and one tiny run of the real command."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import TestCase

from tools.bench.measures import DASHBOARD_COLD_GOAL, IMPORT_SPEED_GOAL, NO_EXTRA_QUERIES, Row

ROOT = Path(__file__).resolve().parents[2]
SIZES = (15, 16)
PAGES = (
    "bare request",
    "scorecard",
    "dossier",
    "dossiers list",
    "reports index",
    "dashboard cold",
    "dashboard warm",
)
MEASURES = [
    *(
        label
        for size in SIZES
        for label in (f"floor, {size} communes", *(f"{page}, {size} communes" for page in PAGES))
    ),
    "scorecard time, 15 → 16",
    "scorecard queries, 15 → 16",
    "dossier time, 15 → 16",
    "dossier queries, 15 → 16",
    "reports index time, 15 → 16",
    "reports index queries, 15 → 16",
    "dossiers list queries, 15 → 16",
    "dashboard warm queries, 15 → 16",
    "import .xlsx, 912 rows (16 × 57), 1 run",
    "import .xlsx, 2,052 rows (new communes), 1 run",
    "peak memory (resident), same import",
    "WeasyPrint alone, same HTML, district (15 communes)",
    "district PDF, district (15 communes)",
    "WeasyPrint alone, same HTML, large district (16 communes)",
    "district PDF, large district (16 communes)",
    "district PDF queries, district → large district",
    "WeasyPrint alone, same HTML, province (16 communes)",
    "district PDF, province (16 communes)",
    "floor, national leader (2 provinces)",
    "country cold, 16 communes in 2 provinces",
    "country warm, 16 communes in 2 provinces",
    "province opened, 16 communes in 2 provinces",
    "national PDF, 16 communes in 2 provinces, 1 run",
]
JUDGED = {
    # The dashboard's goals are judged at the size nearest below 150.
    "dashboard cold, 16 communes",
    "dashboard warm, 16 communes",
    # Queries compared across sizes or scopes, and time across sizes.
    *(label for label in MEASURES if " queries, " in label or " time, " in label),
    "import .xlsx, 912 rows (16 × 57), 1 run",
    "import .xlsx, 2,052 rows (new communes), 1 run",
    "district PDF, district (15 communes)",
    "district PDF, large district (16 communes)",
    "district PDF, province (16 communes)",
    "country warm, 16 communes in 2 provinces",
}


def table(output: str) -> dict[str, dict[str, str]]:
    """The table's rows by measure, each a dict of its cells by column."""
    header, *lines = [line for line in output.splitlines() if " | " in line]
    columns = [cell.strip() for cell in header.split("|")]
    rows = [[cell.strip() for cell in line.split("|")] for line in lines]
    return {cells[0]: dict(zip(columns, cells, strict=False)) for cells in rows}


class GoalTests(TestCase):
    def test_a_row_over_its_goal_says_by_how_much(self):
        row = Row("dashboard", 120.0, "13", 40.7, "× floor", goal=DASHBOARD_COLD_GOAL)
        self.assertTrue(row.missed)
        self.assertEqual(row.cells()[3:], ("40.7× floor", "≤ 40× floor (at 150)", "MISSED by 0.7× floor"))

    def test_a_row_at_its_goal_is_met(self):
        row = Row("dashboard", 120.0, "13", 40.0, "× floor", goal=DASHBOARD_COLD_GOAL)
        self.assertFalse(row.missed)
        self.assertEqual(row.cells()[5], "met")

    def test_one_extra_query_misses(self):
        row = Row("queries", None, "13 → 14", 1, " extra queries", precision=0, goal=NO_EXTRA_QUERIES)
        self.assertEqual(row.cells()[5], "MISSED by 1 extra queries")

    def test_a_row_under_a_lower_bound_says_by_how_much(self):
        row = Row("import", 2000.0, "40", 4500, " rows/s", 0, IMPORT_SPEED_GOAL)
        self.assertEqual(row.cells()[3:], ("4500 rows/s", "≥ 5000 rows/s", "MISSED by 500 rows/s"))
        self.assertEqual(Row("import", 1000.0, "40", 5000, " rows/s", 0, IMPORT_SPEED_GOAL).cells()[5], "met")

    def test_a_row_without_goal_is_not_judged(self):
        row = Row("floor", 5.0, "2", 1.0, "× floor")
        self.assertFalse(row.missed)
        self.assertEqual(row.cells()[4:], ("", ""))


class BenchRunTests(TestCase):
    """One run growing from 15 to 16 communes (one district of 15 and one more), each page
    timed once, and a large import of 2,000 rows: too small for the memory goal, which is
    not judged."""

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.TemporaryDirectory(prefix="ntm-bench-smoke-")
        cls.developer_database = Path(cls.directory.name) / "developer.sqlite3"
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{cls.developer_database}"}
        options = ["--communes", "15", "16", "--years", "1", "--repeat", "1", "--pdf-repeat", "1"]
        options += ["--import-rows", "2000"]
        cls.bench = subprocess.run(
            [sys.executable, "-m", "tools.bench", *options],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        cls.rows = table(cls.bench.stdout)

    @classmethod
    def tearDownClass(cls):
        cls.directory.cleanup()

    def test_it_prints_one_row_per_measure(self):
        self.assertEqual(list(self.rows), MEASURES, self.bench.stderr)

    def test_every_timed_row_has_a_time_and_queries(self):
        for label in MEASURES:
            with self.subTest(label):
                row = self.rows[label]
                if row["median ms"]:
                    self.assertGreater(float(row["median ms"]), 0)
                self.assertNotEqual(row["ratio"], "")

    def test_each_goal_is_judged_met_or_missed_by_an_amount(self):
        for label in MEASURES:
            with self.subTest(label):
                result = self.rows[label]["result"]
                if label in JUDGED:
                    self.assertRegex(result, r"^(met|MISSED by \d+(\.\d+)?\S*( \S+)*)$")
                else:
                    self.assertEqual(result, "")

    def test_the_exit_status_says_whether_a_goal_was_missed(self):
        missed = [label for label, row in self.rows.items() if row["result"].startswith("MISSED")]
        self.assertEqual(self.bench.returncode, 1 if missed else 0, self.bench.stderr)
        named = [
            line.split(": ")[1] for line in self.bench.stderr.splitlines() if line.startswith("Goal missed")
        ]
        self.assertEqual(named, missed)

    def test_it_leaves_the_developers_database_alone(self):
        self.assertFalse(self.developer_database.exists())


class OptionTests(TestCase):
    def test_a_province_of_one_district_is_refused(self):
        run = subprocess.run(
            [sys.executable, "-m", "tools.bench", "--communes", "15"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertEqual(run.returncode, 2)
        self.assertIn("--communes must be more than 15", run.stderr)
