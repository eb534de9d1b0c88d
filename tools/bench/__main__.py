"""python -m tools.bench [--communes 150] [--years 5] [--repeat 20] [--pdf-repeat 10]
                        [--import-rows 100000]

Seeds a province in a throwaway database, times the pages through Django's test
client logged in as coordinators, prints one table (median of `--repeat` runs after
two warm-ups), and exits 1 when a goal is missed (the table says which, and by how
much), 2 when the bench itself could not run.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings

EXIT_MISSED = 1
EXIT_BROKEN = 2

# The bench's own modules import models: main() imports them after django.setup().


def parse_options(argv):
    from tools.import_bench import GOAL_PEAK_AT_ROWS

    from .seed import DISTRICT_SIZE, LAST_YEAR

    parser = argparse.ArgumentParser(
        prog="python -m tools.bench",
        description="Time the pages on a province-sized data set, in a throwaway database.",
    )
    parser.add_argument("--communes", type=int, default=150, help="communes in the province (150)")
    parser.add_argument("--years", type=int, default=5, help=f"years of scores up to {LAST_YEAR} (5)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs of each page (20)")
    parser.add_argument("--pdf-repeat", type=int, default=10, help="timed runs of each PDF (10)")
    parser.add_argument(
        "--import-rows",
        type=int,
        default=GOAL_PEAK_AT_ROWS,
        help=f"rows of the large scores file; its memory goal is judged at {GOAL_PEAK_AT_ROWS:,} or more",
    )
    options = parser.parse_args(argv)
    from criteria.models import MIN_YEAR

    if options.communes <= DISTRICT_SIZE:
        # Otherwise the province is one district, and "district → province" compares a page with itself.
        parser.error(f"--communes must be more than {DISTRICT_SIZE}, the communes of one district.")
    if min(options.years, options.repeat, options.pdf_repeat, options.import_rows) < 1:
        parser.error("--years, --repeat, --pdf-repeat and --import-rows must be at least 1.")
    if options.years > LAST_YEAR - MIN_YEAR + 1:
        parser.error(f"--years goes back at most to {MIN_YEAR}.")
    return options


def run(options, out=sys.stdout) -> int:
    import django
    from django.conf import settings
    from django.db import connection
    from django.test import override_settings

    from .database import throwaway_database
    from .measures import MEASURES, WARM_UP, render_table
    from .seed import LAST_YEAR, seed_province

    started = time.perf_counter()
    # DEBUG off, as in production: no query log, no autorefreshing static files.
    bench_settings = override_settings(
        ROOT_URLCONF="tools.bench.urls", DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]
    )
    with throwaway_database(), bench_settings, warnings.catch_warnings():
        # WhiteNoise warns that collectstatic has not run; pages do not need it here.
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        seed = seed_province(communes=options.communes, years=options.years)
        ready = time.perf_counter() - started
        version = ".".join(map(str, connection.get_database_version()))
        header = [
            f"Bench: {options.communes} communes in {seed.districts} districts, "
            f"{seed.indicators} indicators of {seed.criteria_set.code}, {options.years} years "
            f"({LAST_YEAR - options.years + 1}–{LAST_YEAR}): {seed.scores:,} scores, "
            f"{seed.history:,} history rows, {seed.villages:,} villages.",
            f"Python {platform.python_version()}, Django {django.get_version()}, "
            f"{connection.vendor} {version} (throwaway database), DEBUG off; median of "
            f"{options.repeat} runs ({options.pdf_repeat} for PDFs) after {WARM_UP} warm-ups.",
        ]
        rows = [row for measure in MEASURES for row in measure(seed, options)]
    for text in [*header, "", *render_table(rows), ""]:
        print(text, file=out)
    print(
        f"Database migrated and seeded in {ready:.1f} s; whole run {time.perf_counter() - started:.1f} s.",
        file=out,
    )
    out.flush()
    missed = [row for row in rows if row.missed]
    for row in missed:
        measure, _ms, _queries, value, goal, result = row.cells()
        print(f"Goal missed: {measure}: {value}, goal {goal}, {result}.", file=sys.stderr)
    return EXIT_MISSED if missed else 0


def main(argv=None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ntm.settings")
    import django

    django.setup()
    options = parse_options(argv)
    from .measures import BenchError

    try:
        return run(options)
    except BenchError as error:
        print(f"The bench could not run: {error}", file=sys.stderr)
        return EXIT_BROKEN


if __name__ == "__main__":
    sys.exit(main())
