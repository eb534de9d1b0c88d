"""How fast the scores import runs, and how much memory it takes: measures for the bench.

    python -m tools.import_bench [--rows 8550 100000] [--format xlsx csv]

runs on a throwaway test database (SQLite by default, PostgreSQL with DATABASE_URL)
and exits non-zero when a goal of issue 13 is missed: at least 5,000 rows a second,
and at most 300 MB of peak memory for a file of 100,000 rows.

`measure_scores_import(rows=..., format=...)` is the function `make bench` calls
(tools/bench/measures.py, which judges the same goals) inside a configured Django with a
database: it seeds what the file names, builds the file, imports it (timed, and its peak
memory measured), checks what was written and rolls everything back.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import time
import tracemalloc
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

GOAL_ROWS_PER_SECOND = 5_000
GOAL_PEAK_MB = 300
GOAL_PEAK_AT_ROWS = 100_000
YEAR = 2025
SET_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "criteria" / "qd318-2022-xa-ntm.yaml"


@dataclass(frozen=True)
class Measure:
    rows: int
    format: str
    seconds: float
    peak_mb: float
    #: "rss": the process's peak resident memory (Linux); "python": tracemalloc's peak.
    memory: str

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds

    @property
    def misses(self) -> list[str]:
        misses = []
        if self.rows_per_second < GOAL_ROWS_PER_SECOND:
            misses.append(f"{self.rows_per_second:,.0f} rows/s < {GOAL_ROWS_PER_SECOND:,}")
        if self.rows >= GOAL_PEAK_AT_ROWS and self.peak_mb > GOAL_PEAK_MB:
            misses.append(f"{self.peak_mb:,.0f} MB > {GOAL_PEAK_MB} MB")
        return misses


def _status_value(name: str) -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(name):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


@contextmanager
def peak_memory():
    """Yield a dict whose "mb" is, on leaving, the peak memory the block added.

    On Linux, the process's peak resident memory (VmHWM, reset first through
    /proc/self/clear_refs) over what it used on entering: Python, SQLite and the
    database driver together. Elsewhere, tracemalloc's peak of Python allocations.
    """
    measured = {"mb": 0.0, "memory": "rss"}
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        start = _status_value("VmRSS:")
    except OSError:
        start = None
    if start is None:
        measured["memory"] = "python"
        tracemalloc.start()
        try:
            yield measured
        finally:
            measured["mb"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        return
    yield measured
    measured["mb"] = (_status_value("VmHWM:") - start) / 2**20


def scores_file(communes, indicators, *, year: int, format: str) -> bytes:
    """A scores file (DESIGN §5) of every indicator for every commune: numbers for the
    numeric indicators with a target (their result computed), "Đạt" or "Chưa đạt" for
    the others."""
    from criteria.resources import COLUMNS

    from .xlsx import write_xlsx

    # A number where a target gives the result, a result word elsewhere.
    computed = set()
    for indicator in indicators:
        target = indicator.target_for(communes[0], year)
        if indicator.is_numeric and target is not None and target.threshold is not None:
            computed.add(indicator.pk)

    def rows():
        for commune in communes:
            for number, indicator in enumerate(indicators):
                value, result = "", "Đạt" if number % 7 else "Chưa đạt"
                if indicator.pk in computed:
                    value, result = f"{80 + number % 20},5", ""
                yield [commune.code, commune.name, "", indicator.criterion.criteria_set.code, indicator.code,
                       year, value, result, ""]  # fmt: skip

    if format == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(COLUMNS)
        writer.writerows(rows())
        return text.getvalue().encode("utf-8-sig")
    # As Excel saves it: texts in a shared-strings table, and a <dimension>.
    return write_xlsx([COLUMNS, *rows()])


def measure_scores_import(*, rows: int = 8_550, format: str = "xlsx", dry_run: bool = False) -> Measure:
    """Seed communes for `rows` rows of QD318 (57 indicators each), import the file as a
    province coordinator, check it wrote every score with its history, roll back.

    `dry_run` measures a preview: every row read, checked and compared, nothing written.
    """
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from communes.models import Commune, District, Membership, Province, Region
    from criteria.loader import load_criteria_set, read_criteria_file
    from criteria.models import CriteriaSet, Indicator, Score
    from criteria.resources import import_scores
    from ntm.lib.text import fold

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            criteria_set = CriteriaSet.objects.filter(code="QD318-2022-XA-NTM").first()
            if criteria_set is None:
                criteria_set = load_criteria_set(data=read_criteria_file(SET_FILE)).criteria_set
            indicators = list(
                Indicator.objects.filter(criterion__criteria_set=criteria_set)
                .select_related("criterion__criteria_set")
                .prefetch_related("targets")
            )
            province = Province.objects.create(code="BENCH", name="Tỉnh đo")
            district = District.objects.create(code="BENCH", name="Huyện đo", province=province)
            count = -(-rows // len(indicators))
            communes = Commune.objects.bulk_create(
                Commune(
                    code=f"B{n:06d}",
                    name=f"Xã đo {n}",
                    search_name=fold(f"Xã đo {n}"),
                    region=Region.BTB,
                    province=province,
                    district=district,
                )
                for n in range(count)
            )
            user = get_user_model().objects.create_user("bench-import", password=None)
            Membership.objects.create(user=user, role=Membership.Role.COORDINATOR, province=province)
            data = scores_file(communes, indicators, year=YEAR, format=format)
            total = len(communes) * len(indicators)
            with peak_memory() as memory:
                start = time.perf_counter()
                report = import_scores(data, user=user, format=format, dry_run=dry_run)
                seconds = time.perf_counter() - start
            if not report.ok:
                raise RuntimeError("The bench file was refused: " + "; ".join(map(str, report.errors[:5])))
            written = Score.objects.filter(commune__province=province, year=YEAR).count()
            history = Score.history.filter(commune__province=province, history_user=user).count()
            expected = 0 if dry_run else total
            if report.counts["new"] != total or written != expected or history != expected:
                raise RuntimeError(
                    f"The import wrote {written} scores and {history} records, not {expected}."
                )
            raise Rollback
    except Rollback:
        pass
    return Measure(total, format, seconds, memory["mb"], memory["memory"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[8_550, GOAL_PEAK_AT_ROWS])
    parser.add_argument("--format", nargs="+", default=["xlsx", "csv"], choices=["xlsx", "csv"])
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ntm.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    # As in production and in the tests: DEBUG off, so queries are not logged.
    setup_test_environment(debug=False)
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        misses = []
        print(f"scores import on {connection.vendor}")
        print(f"{'rows':>8}  {'format':6}  {'seconds':>8}  {'rows/s':>8}  {'peak MB':>8}  result")
        for rows in args.rows:
            for format in args.format:
                measure = measure_scores_import(rows=rows, format=format)
                result = "MISS " + "; ".join(measure.misses) if measure.misses else "PASS"
                misses.extend(measure.misses)
                speed = f"{measure.seconds:>8.2f}  {measure.rows_per_second:>8,.0f}"
                print(f"{measure.rows:>8,}  {format:6}  {speed}  {measure.peak_mb:>8.0f}  {result}")
    finally:
        teardown_databases(databases, verbosity=0)
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
