"""The bench's measures: each returns rows of the table, and a row with a goal says by
how much it missed.

To add a measure, write a function `(seed, options) -> list[Row]` and list it in
MEASURES; to judge a row, give it a `Goal`. The goals are named below, so the table
and this file say the same thing.
"""

from __future__ import annotations

import gc
import io
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import urlencode

from communes.access import access_for
from communes.models import Commune, District, Membership, Province
from criteria.resources import YEAR, export_scores, import_scores, render_scores_file
from reports.content import build_report
from reports.models import ReportKind
from reports.pdf import report_html
from tools.import_bench import GOAL_PEAK_AT_ROWS, GOAL_PEAK_MB, GOAL_ROWS_PER_SECOND, measure_scores_import

from .seed import LAST_YEAR, Seed

WARM_UP = 2


class BenchError(Exception):
    """The bench could not measure what it set out to (a page failed, the data is wrong)."""


@dataclass(frozen=True)
class Goal:
    """A bound on a row's value, in the row's unit: an upper bound, or a lower one with
    `at_least`."""

    limit: float
    unit: str
    note: str = ""
    at_least: bool = False

    def __str__(self):
        bound = "≥" if self.at_least else "≤"
        return " ".join(filter(None, [f"{bound} {self.limit:g}{self.unit}", self.note]))


# The goals. A run that misses any of them exits non-zero.
# Issue 13 (a floor is a logged-in empty page): the province dashboard (150 communes)
# drawn, and from the cache; one commune's pages at the largest size against the smallest.
PROVINCE_SIZE = 150
DASHBOARD_COLD_GOAL = Goal(40, "× floor", f"(at {PROVINCE_SIZE})")
DASHBOARD_WARM_GOAL = Goal(3, "× floor", f"(at {PROVINCE_SIZE})")
SAME_COST_GOAL = Goal(1.3, "×")
# The country (the largest size, its communes spread over PROVINCES provinces), one line
# per province, as a national user sees it once drawn: the view is a cached dashboard
# like the province's. Drawing it is timed too, without a goal (the note says why).
PROVINCES = 34
NATIONAL_GOAL = Goal(40, "× floor", f"({PROVINCES} provinces, from the cache)")
# A report PDF may cost this much more than WeasyPrint alone on the same HTML: data
# assembly and templates must not be the bottleneck. The issue's bound is the province's
# report; a district's, a tenth of the work, keeps the house's earlier bound.
PDF_GOAL = Goal(1.3, "× WeasyPrint")
PROVINCE_PDF_GOAL = Goal(1.1, "× WeasyPrint")
# A page's queries never grow with the communes it shows.
NO_EXTRA_QUERIES = Goal(0, " extra queries")
# The scores import's goals (issue 13), named in tools/import_bench.py: rows a second on
# every file, and peak memory on a file of GOAL_PEAK_AT_ROWS rows.
IMPORT_SPEED_GOAL = Goal(GOAL_ROWS_PER_SECOND, " rows/s", at_least=True)
IMPORT_MEMORY_GOAL = Goal(GOAL_PEAK_MB, " MB", f"(at {GOAL_PEAK_AT_ROWS:,} rows)")


@dataclass
class Row:
    """One line of the table. `value` (in `unit`) is what the goal, if any, judges."""

    measure: str
    ms: float | None = None
    queries: str = ""
    value: float | None = None
    unit: str = ""
    precision: int = 1
    goal: Goal | None = None

    @property
    def excess(self) -> float | None:
        """How far the value is on the wrong side of the goal (0 or less: met); None
        without a goal."""
        if self.goal is None:
            return None
        over = self.goal.limit - self.value if self.goal.at_least else self.value - self.goal.limit
        return round(over, self.precision)

    @property
    def missed(self) -> bool:
        return self.excess is not None and self.excess > 0

    def cells(self) -> tuple[str, ...]:
        def number(value):
            return f"{value:.{self.precision}f}{self.unit}"

        result = ""
        if self.goal is not None:
            result = f"MISSED by {number(self.excess)}" if self.missed else "met"
        return (
            self.measure,
            "" if self.ms is None else f"{self.ms:.1f}",
            self.queries,
            "" if self.value is None else number(self.value),
            "" if self.goal is None else str(self.goal),
            result,
        )


COLUMNS = ("measure", "median ms", "queries", "ratio", "goal", "result")
NUMERIC_COLUMNS = {"median ms", "queries"}


def render_table(rows: list[Row]) -> list[str]:
    cells = [COLUMNS, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]

    def line(values):
        parts = [
            value.rjust(width) if column in NUMERIC_COLUMNS else value.ljust(width)
            for column, value, width in zip(COLUMNS, values, widths, strict=True)
        ]
        return " | ".join(parts).rstrip()

    return [line(COLUMNS), "-+-".join("-" * width for width in widths), *map(line, cells[1:])]


# Timing ---------------------------------------------------------------------------


def _get(client: Client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise BenchError(f"GET {url} answered {response.status_code}, not 200.")
    return response


def time_calls(
    calls: dict[str, Callable[[], object]], *, repeat: int, collect: bool = False
) -> dict[str, tuple[float, int]]:
    """Each call's median milliseconds over `repeat` runs, and the queries of one run.

    With `collect`, the garbage of the previous call is collected before each run, so a
    call that allocates a lot (a PDF) does not pay for the one timed before it.
    """
    queries = {}
    for name, call in calls.items():
        for _ in range(WARM_UP):
            call()
        with CaptureQueriesContext(connection) as captured:
            call()
        queries[name] = len(captured)
    timings = {name: [] for name in calls}
    # Round robin: a load that comes and goes on the machine weighs on every call alike.
    for _ in range(repeat):
        for name, call in calls.items():
            if collect:
                gc.collect()
            start = time.perf_counter()
            call()
            timings[name].append(time.perf_counter() - start)
    return {name: (statistics.median(timings[name]) * 1000, queries[name]) for name in calls}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _check_scope(user, expected: int) -> None:
    if (seen := access_for(user).visible_communes().count()) != expected:
        raise BenchError(f"{user} sees {seen} communes, not {expected}.")


def query_growth(measure: str, small: int, large: int) -> Row:
    """The same page's queries on a small and a large scope, judged by NO_EXTRA_QUERIES."""
    return Row(measure, None, f"{small} → {large}", large - small, " extra queries", 0, NO_EXTRA_QUERIES)


# Measures -------------------------------------------------------------------------


class _QueryCounter:
    """Counts queries without logging them: on SQLite, CaptureQueriesContext asks the
    database to quote every logged query's parameters, which would slow an import."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure_import(seed: Seed, options) -> list[Row]:
    """A real import of 57 new scores for every commune, rolled back. The file is the
    export of the latest year, moved one year on."""
    dataset = export_scores(criteria_set=seed.criteria_set, year=LAST_YEAR, communes=seed.communes)
    column = dataset.headers.index(YEAR)
    del dataset[YEAR]
    dataset.insert_col(column, [LAST_YEAR + 1] * dataset.height, header=YEAR)
    content = render_scores_file(dataset, "xlsx")
    counter = _QueryCounter()
    with transaction.atomic():
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            report = import_scores(content, user=seed.province_user, format="xlsx")
            seconds = time.perf_counter() - start
        if not report.ok:
            raise BenchError("\n".join(["The scores file was refused:", *map(str, report.errors[:5])]))
        if report.counts.get("new") != dataset.height:
            raise BenchError(f"The import wrote {report.counts}, not {dataset.height} new scores.")
        transaction.set_rollback(True)
    label = f"import .xlsx, {dataset.height} rows ({len(seed.communes)} × {seed.indicators}), 1 run"
    rate = dataset.height / seconds
    return [Row(label, seconds * 1000, str(counter.count), rate, " rows/s", 0, IMPORT_SPEED_GOAL)]


def measure_large_import(seed: Seed, options) -> list[Row]:
    """A legal file of `--import-rows` new scores (import_bench's file: communes made for
    it), imported whole and rolled back: its speed, and its peak memory, judged at the
    size the memory goal names."""
    measure = measure_scores_import(rows=options.import_rows, format="xlsx")
    label = f"import .xlsx, {measure.rows:,} rows (new communes), 1 run"
    memory_goal = IMPORT_MEMORY_GOAL if measure.rows >= GOAL_PEAK_AT_ROWS else None
    peak = f"peak memory ({'resident' if measure.memory == 'rss' else 'Python'}), same import"
    return [
        Row(label, measure.seconds * 1000, "", measure.rows_per_second, " rows/s", 0, IMPORT_SPEED_GOAL),
        Row(peak, None, "", measure.peak_mb, " MB", 0, memory_goal),
    ]


def _weasyprint_alone(html: str) -> None:
    from weasyprint import HTML

    HTML(string=html).write_pdf()


def measure_reports(seed: Seed, options) -> list[Row]:
    """The district report's PDF through its view, against WeasyPrint alone on the same
    HTML: for one district, a large one, and the province (its report, with an annex
    per former district)."""
    url = f"{reverse('reports:district_pdf')}?{urlencode({'set': seed.criteria_set.code, 'year': LAST_YEAR})}"
    scopes = [
        ("district", seed.district_user, seed.district_communes, PDF_GOAL),
        ("large district", seed.large_district_user, seed.large_district_communes, PDF_GOAL),
        ("province", seed.province_user, len(seed.communes), PROVINCE_PDF_GOAL),
    ]
    calls = {}
    for label, user, size, _goal in scopes:
        # The HTML the view renders: same report, same scope, same day.
        report = build_report(
            ReportKind.DISTRICT,
            communes=access_for(user).visible_communes(),
            criteria_set=seed.criteria_set,
            year=LAST_YEAR,
        )
        if len(report.rows) != size:
            raise BenchError(f"{user} gets a report of {len(report.rows)} communes, not {size}.")
        calls[f"{label} floor"] = partial(_weasyprint_alone, report_html(report))
        calls[f"{label} pdf"] = partial(_get, _client(user), url)
    results = time_calls(calls, repeat=options.pdf_repeat, collect=True)
    rows = []
    for label, _user, size, goal in scopes:
        floor_ms, _queries = results[f"{label} floor"]
        pdf_ms, pdf_queries = results[f"{label} pdf"]
        rows += [
            Row(
                f"WeasyPrint alone, same HTML, {label} ({size} communes)",
                floor_ms,
                "",
                1.0,
                "× WeasyPrint",
                2,
            ),
            Row(
                f"district PDF, {label} ({size} communes)",
                pdf_ms,
                str(pdf_queries),
                pdf_ms / floor_ms,
                "× WeasyPrint",
                2,
                goal=goal,
            ),
        ]
    small_queries, large_queries = (results[f"{label} pdf"][1] for label, *_rest in scopes[:2])
    rows.append(query_growth("district PDF queries, district → large district", small_queries, large_queries))
    return rows


def _cold(client: Client, url: str):
    """The page with an empty cache: what its first visitor after a change waits."""
    cache.clear()
    return _get(client, url)


# The pages whose cost must not grow with the communes they do not show, and the
# dashboard drawn and from the cache; a row of the table for each, at every size.
SCALE_PAGES = ("scorecard", "dossier", "dossiers list", "reports index", "dashboard cold", "dashboard warm")


def time_scale_pages(seed: Seed, options) -> dict[str, tuple[float, int]]:
    """Each scale page as the province's coordinator, with the floor, at the seed's size."""
    client = _client(seed.province_user)
    _check_scope(seed.province_user, len(seed.communes))
    query = urlencode({"set": seed.criteria_set.code, "year": LAST_YEAR})
    dashboard = f"{reverse('reports:dashboard')}?{query}"
    urls = {
        "floor": reverse("bench_floor"),
        "bare request": reverse("bench_bare"),
        "scorecard": f"{reverse('reports:scorecard', args=[seed.communes[0].code])}?{query}",
        "dossier": seed.dossier.get_absolute_url(),
        "dossiers list": f"{reverse('dossiers:progress')}?{query}",
        "reports index": f"{reverse('reports:index')}?{query}",
    }
    calls = {name: partial(_get, client, url) for name, url in urls.items()}
    # In this order every round: the warm view always follows a cold one.
    calls["dashboard cold"] = partial(_cold, client, dashboard)
    calls["dashboard warm"] = partial(_get, client, dashboard)
    return time_calls(calls, repeat=options.repeat)


def scale_rows(results: dict[int, dict[str, tuple[float, int]]]) -> list[Row]:
    """The table of the scale pages at each size, then the goals judged across sizes."""
    sizes = sorted(results)
    province = max([size for size in sizes if size <= PROVINCE_SIZE], default=sizes[0])
    rows = []
    for size in sizes:
        floor_ms, floor_queries = results[size]["floor"]
        rows.append(Row(f"floor, {size:,} communes", floor_ms, str(floor_queries), 1.0, "× floor"))
        for page in ("bare request", *SCALE_PAGES):
            ms, queries = results[size][page]
            goal = None
            if size == province and page == "dashboard cold":
                goal = DASHBOARD_COLD_GOAL
            elif size == province and page == "dashboard warm":
                goal = DASHBOARD_WARM_GOAL
            rows.append(
                Row(f"{page}, {size:,} communes", ms, str(queries), ms / floor_ms, "× floor", goal=goal)
            )
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        for page in ("scorecard", "dossier", "reports index"):
            (small_ms, small_queries), (large_ms, large_queries) = results[small][page], results[large][page]
            rows += [
                Row(
                    f"{page} time, {small:,} → {large:,}",
                    None,
                    "",
                    large_ms / small_ms,
                    "×",
                    2,
                    SAME_COST_GOAL,
                ),
                query_growth(f"{page} queries, {small:,} → {large:,}", small_queries, large_queries),
            ]
        for page in ("dossiers list", "dashboard warm"):
            small_queries, large_queries = results[small][page][1], results[large][page][1]
            rows.append(query_growth(f"{page} queries, {small:,} → {large:,}", small_queries, large_queries))
    return rows


def measure_national(seed: Seed, options) -> list[Row]:
    """The seed's communes spread over PROVINCES provinces (each district moved whole),
    and a leader of all of them: the country's dashboard drawn, from the cache, and one
    province opened from it. It moves the communes, so it runs last."""
    provinces = [
        Province.objects.create(code=f"N{number:02}", name=f"Tỉnh {number:02}")
        for number in range(1, PROVINCES + 1)
    ]
    for index, district in enumerate(District.objects.filter(province=seed.province).order_by("code")):
        province = provinces[index % PROVINCES]
        District.objects.filter(pk=district.pk).update(province=province)
        Commune.objects.filter(district=district).update(province=province)
    leader = get_user_model().objects.create_user("bench_trung_uong")
    Membership.objects.bulk_create(
        Membership(user=leader, role=Membership.Role.LEADER, province=province) for province in provinces
    )
    client = _client(leader)
    _check_scope(leader, len(seed.communes))
    query = urlencode({"set": seed.criteria_set.code, "year": LAST_YEAR})
    dashboard = f"{reverse('reports:dashboard')}?{query}"
    page = _get(client, dashboard).content.decode()
    # One line per province holding communes, each a link that opens it; no commune grid.
    lines, shown = page.count("&amp;province="), min(PROVINCES, seed.districts)
    if lines != shown or "grid-commune" in page:
        raise BenchError(f"The country shows {lines} provinces, not {shown}, or a commune grid.")
    calls = {
        "floor": partial(_get, client, reverse("bench_floor")),
        "country cold": partial(_cold, client, dashboard),
        "country warm": partial(_get, client, dashboard),
        "province opened": partial(_get, client, f"{dashboard}&province={provinces[0].code}"),
    }
    results = time_calls(calls, repeat=max(3, options.repeat // 4))
    national_pdf = _national_pdf(client, seed, shown)
    floor_ms, floor_queries = results["floor"]
    size = f"{len(seed.communes):,} communes in {shown} provinces"
    rows = [Row(f"floor, national leader ({shown} provinces)", floor_ms, str(floor_queries), 1.0, "× floor")]
    for name, goal in (("country cold", None), ("country warm", NATIONAL_GOAL), ("province opened", None)):
        ms, queries = results[name]
        rows.append(Row(f"{name}, {size}", ms, str(queries), ms / floor_ms, "× floor", goal=goal))
    return [*rows, national_pdf]


def _national_pdf(client: Client, seed: Seed, provinces: int) -> Row:
    """The country's report, once: it must summarise by province, never list every commune."""
    from pypdf import PdfReader

    url = f"{reverse('reports:district_pdf')}?{urlencode({'set': seed.criteria_set.code, 'year': LAST_YEAR})}"
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        response = _get(client, url)
        seconds = time.perf_counter() - start
    content = b"".join(response.streaming_content) if response.streaming else response.content
    pdf = PdfReader(io.BytesIO(content))
    text = "".join(page.extract_text() for page in pdf.pages)
    named = sum(1 for commune in seed.communes if f"{commune.name} " in text or f"{commune.name}\n" in text)
    if named > len(seed.communes) / 10:
        raise BenchError(
            f"The national PDF names {named} of {len(seed.communes)} communes: it must summarise."
        )
    label = f"national PDF, {len(seed.communes):,} communes in {provinces} provinces, 1 run"
    return Row(label, seconds * 1000, str(len(captured)), len(pdf.pages), " pages", 0)


MEASURES = [measure_import, measure_large_import, measure_reports]
