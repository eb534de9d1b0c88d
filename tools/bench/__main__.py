"""python -m tools.bench [--communes 15 150 3321] [--years 5] [--repeat 20] [--pdf-repeat 10]
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
    parser.add_argument(
        "--communes",
        type=int,
        nargs="+",
        default=[15, 150, 3321],
        help="sizes of the province, one run growing through them (15 150 3321)",
    )
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

    options.communes = sorted(set(options.communes))
    if options.communes[-1] <= DISTRICT_SIZE:
        # The reports compare a district with a larger scope: one size must be larger.
        parser.error(f"--communes must be more than {DISTRICT_SIZE}, the communes of one district.")
    if min(options.communes[0], options.years, options.repeat, options.pdf_repeat, options.import_rows) < 1:
        parser.error("--communes, --years, --repeat, --pdf-repeat and --import-rows must be at least 1.")
    if options.years > LAST_YEAR - MIN_YEAR + 1:
        parser.error(f"--years goes back at most to {MIN_YEAR}.")
    return options


def run(options, out=sys.stdout) -> int:
    import django
    from django.conf import settings
    from django.db import connection
    from django.test import override_settings

    from .database import throwaway_database
    from .measures import (
        MEASURES,
        PROVINCE_SIZE,
        WARM_UP,
        measure_national,
        render_table,
        scale_rows,
        time_scale_pages,
    )
    from .seed import DISTRICT_SIZE, LAST_YEAR, grow_province, seed_province

    started = time.perf_counter()
    # DEBUG off, as in production: no query log, no autorefreshing static files.
    bench_settings = override_settings(
        ROOT_URLCONF="tools.bench.urls", DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]
    )
    sizes = options.communes
    # The import and report measures run once, on the province (150 communes, or the
    # size nearest below it that is larger than one district).
    larger = [size for size in sizes if size > DISTRICT_SIZE]
    province_size = max([size for size in larger if size <= PROVINCE_SIZE], default=larger[0])
    seeding = 0.0
    header, scale, rows = [], {}, []
    with throwaway_database(), bench_settings, warnings.catch_warnings():
        # WhiteNoise warns that collectstatic has not run; pages do not need it here.
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        seed = None
        for size in sizes:
            start = time.perf_counter()
            if seed is None:
                seed = seed_province(communes=size, years=options.years)
            else:
                grow_province(seed, communes=size, years=options.years)
            seeding += time.perf_counter() - start
            header.append(
                f"{size:,} communes in {seed.districts} districts: {seed.scores:,} scores, "
                f"{seed.history:,} history rows, {seed.villages:,} villages."
            )
            scale[size] = time_scale_pages(seed, options)
            if size == province_size:
                rows += [row for measure in MEASURES for row in measure(seed, options)]
        # Last: it spreads the largest province's communes over the country.
        rows += measure_national(seed, options)
        version = ".".join(map(str, connection.get_database_version()))
        header = [
            f"Bench: one province, {seed.indicators} indicators of {seed.criteria_set.code}, "
            f"{options.years} years ({LAST_YEAR - options.years + 1}–{LAST_YEAR}); imports and reports "
            f"at {province_size:,} communes.",
            *header,
            f"Python {platform.python_version()}, Django {django.get_version()}, "
            f"{connection.vendor} {version} (throwaway database), DEBUG off; median of "
            f"{options.repeat} runs ({options.pdf_repeat} for PDFs) after {WARM_UP} warm-ups.",
        ]
        rows = [*scale_rows(scale), *rows]
    for text in [*header, "", *render_table(rows), ""]:
        print(text, file=out)
    print(
        f"Seeded in {seeding:.1f} s; whole run {time.perf_counter() - started:.1f} s.",
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
