"""python manage.py bench [--communes 150] [--years 5] [--repeat 20]

How the pages scale, measured in one run and printed as one table. The command seeds
a province (districts of 15 communes, QD318-2022-XA-NTM scores for every commune and
year, with their history) in a throwaway database, never the developer's, then times
through Django's test client, logged in as coordinators:

- the floor: a minimal `login_required` view behind the same middleware;
- the dashboard of one district (15 communes) and of the whole province, so the same
  view is measured on 15 and on 150 communes in the same database;
- a commune's scorecard;
- a real import of a scores file with 57 new scores per commune, rolled back afterwards;
- the district report as PDF for one district (15 communes) and for 40 communes (a user
  whose memberships cover exactly 40), each against its floor: the identical HTML string
  rendered by WeasyPrint alone, `weasyprint.HTML(string=html).write_pdf()`; and the
  province's report (150 communes) once.

Each page is warmed up, then timed `--repeat` times (PDFs `--pdf-repeat` times); the
table shows the median.
"""

from __future__ import annotations

import copy
import datetime
import gc
import math
import platform
import random
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from simple_history.utils import bulk_create_with_history

from communes.access import access_for
from communes.demo import DISTRICT_DEPARTMENTS
from communes.models import Commune, Department, District, Membership, Province, Region, Village
from criteria.demo import _value_for, assign_demo_departments, status_word
from criteria.loader import load_criteria_set, read_criteria_file
from criteria.management.commands.load_criteria import fixtures_dir
from criteria.models import MIN_YEAR, CriteriaSet, Recognition, Registration, Score
from criteria.resources import YEAR, export_scores, import_scores, render_scores_file
from criteria.standing import criteria_tree
from ntm.lib.text import fold
from reports.content import build_report
from reports.models import ReportKind
from reports.pdf import report_html

SET_CODE = "QD318-2022-XA-NTM"
LAST_YEAR = 2024
DISTRICT_SIZE = 15
VILLAGE_NAMES = [f"Thôn {number}" for number in range(1, 9)]
WARM_UP = 2
# The dashboard may cost this many floors at 150 communes.
DASHBOARD_FLOOR_GOAL = 5
# A report PDF may cost this much more than WeasyPrint alone on the same HTML: data
# assembly and templates must not be the bottleneck.
PDF_FLOOR_GOAL = 1.3
# The large district of the report measures.
LARGE_DISTRICT = 40


@login_required
def floor(request):
    """What any logged-in page costs before it does anything: middleware, session, user."""
    return HttpResponse("ok")


# The product's URLs plus the floor, used only while the bench runs.
urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("", include("ntm.urls")),
]


# --- The throwaway database -------------------------------------------------------------


@contextmanager
def throwaway_database():
    """A fresh, migrated database for the duration: a temporary SQLite file, or on
    another engine a `bench_<name>` database made by Django's test-database machinery.

    The default alias gets a connection of its own meanwhile, so neither the
    developer's database nor a test run's open (possibly in-memory) one is touched.
    """
    original = connections[DEFAULT_DB_ALIAS]
    settings_dict = copy.deepcopy(original.settings_dict)
    with tempfile.TemporaryDirectory(prefix="ntm-bench-") as directory:
        if original.vendor == "sqlite":
            settings_dict["TEST"]["NAME"] = str(Path(directory) / "bench.sqlite3")
        else:
            settings_dict["TEST"]["NAME"] = f"bench_{settings_dict['NAME']}"
        connections[DEFAULT_DB_ALIAS] = type(original)(settings_dict, DEFAULT_DB_ALIAS)
        try:
            old_config = setup_databases(
                verbosity=0, interactive=False, aliases={DEFAULT_DB_ALIAS}, serialized_aliases=set()
            )
            try:
                yield
            finally:
                teardown_databases(old_config, verbosity=0)
        finally:
            connections[DEFAULT_DB_ALIAS].close()
            connections[DEFAULT_DB_ALIAS] = original
            # Content type ids were cached from the bench database.
            ContentType.objects.clear_cache()


# --- The province ---------------------------------------------------------------------


@dataclass
class Seed:
    """What seed_province() made, as the measures need it."""

    criteria_set: CriteriaSet
    communes: list[Commune]
    district_communes: int
    province_user: AbstractBaseUser
    district_user: AbstractBaseUser
    large_district_user: AbstractBaseUser
    indicators: int
    scores: int
    history: int
    villages: int


def _status(rng: random.Random, indicator, *, unmet_share: float, has_craft_village: bool) -> str:
    """Mostly met; some not met, a few "basically met"; "not applicable" where allowed."""
    if indicator.conditional and not has_craft_village:
        return Score.Status.NOT_APPLICABLE
    draw = rng.random()
    if draw >= unmet_share:
        return Score.Status.MET
    return Score.Status.BASICALLY_MET if draw < unmet_share / 4 else Score.Status.NOT_MET


@transaction.atomic
def seed_province(*, communes: int, years: int) -> Seed:
    """Districts of 15 communes under one province, each commune with every indicator
    of the set scored for `years` years up to 2024, plus registrations and recognitions."""
    rng = random.Random(318)
    criteria_set = load_criteria_set(
        data=read_criteria_file(fixtures_dir() / f"{SET_CODE.lower()}.yaml")
    ).criteria_set
    User = get_user_model()
    province = Province.objects.create(code="99", name="Tỉnh Thử Nghiệm")
    districts = [
        District.objects.create(code=f"9{number:02d}", name=f"Huyện Số {number}", province=province)
        for number in range(1, math.ceil(communes / DISTRICT_SIZE) + 1)
    ]
    places = [
        Commune.objects.create(
            code=f"{90000 + number:05d}",
            name=f"Xã Số {number}",
            province=province,
            district=districts[(number - 1) // DISTRICT_SIZE],
            region=Region.BTB,
        )
        for number in range(1, communes + 1)
    ]
    # bulk_create skips save(), which keeps search_name.
    villages = Village.objects.bulk_create(
        Village(commune=commune, code=f"T{number:02d}", name=name, search_name=fold(name))
        for commune in places
        for number, name in enumerate(VILLAGE_NAMES, 1)
    )
    first_district = districts[0]
    Department.objects.bulk_create(
        Department(name=name, short_name=short_name, level=Department.Level.DISTRICT, district=first_district)
        for short_name, name in DISTRICT_DEPARTMENTS
    )
    assign_demo_departments(first_district)
    province_user = User.objects.create_user("bench_tinh")
    Membership.objects.create(user=province_user, role=Membership.Role.COORDINATOR, province=province)
    district_user = User.objects.create_user("bench_huyen")
    Membership.objects.create(user=district_user, role=Membership.Role.COORDINATOR, district=first_district)
    # Districts here have 15 communes; a 40-commune scope is a user on 40 communes.
    large_district_user = User.objects.create_user("bench_40")
    Membership.objects.bulk_create(
        Membership(user=large_district_user, role=Membership.Role.COMMUNE, commune=commune)
        for commune in places[:LARGE_DISTRICT]
    )

    criteria = criteria_tree(criteria_set)
    lagging = {commune.pk: rng.random() for commune in places}  # 0: ahead, 1: far behind
    craft_village = {commune.pk: rng.random() < 0.7 for commune in places}
    first_year = LAST_YEAR - years + 1
    for year in range(first_year, LAST_YEAR + 1):
        entered_at = timezone.make_aware(datetime.datetime(year, 11, 15, 9, 0))
        # Up to 30% unmet in the first year for the laggards, shrinking every year.
        progress = (year - first_year) / (years + 1)
        scores = []
        for commune in places:
            unmet_share = (0.05 + 0.25 * lagging[commune.pk]) * (1 - progress)
            for criterion in criteria:
                for indicator in criterion.indicators.all():
                    status = _status(
                        rng, indicator, unmet_share=unmet_share, has_craft_village=craft_village[commune.pk]
                    )
                    target = indicator.target_for(commune, year)
                    met = status == Score.Status.MET
                    score = Score(
                        indicator=indicator,
                        commune=commune,
                        year=year,
                        entered_by=province_user,
                        entered_at=entered_at,
                        verification=Score.Verification.VERIFIED,
                        verified_by=province_user,
                        verified_at=entered_at + datetime.timedelta(days=20),
                    )
                    value = None
                    if status != Score.Status.NOT_APPLICABLE:
                        value = _value_for(indicator, target, met, (commune.code, year, indicator.code))
                    # The programme's rules: a status against the value needs a reason.
                    score.assess(
                        value_number=value,
                        value_text="" if indicator.is_numeric else status_word(status),
                        status=status,
                        reason="Đang hoàn thiện hồ sơ, chờ thẩm tra lại",
                        target=target,
                    )
                    scores.append(score)
        bulk_create_with_history(scores, Score, default_user=province_user, default_date=entered_at)

    registrations, recognitions = [], []
    for number, commune in enumerate(places):
        if rng.random() < 0.4:
            target_year = LAST_YEAR + (number % 2)
            registered_on = datetime.date(target_year - 1, 12, 10)
            registrations.append(
                Registration(
                    commune=commune,
                    criteria_set=criteria_set,
                    target_year=target_year,
                    registered_on=registered_on,
                    confirmed_on=registered_on + datetime.timedelta(days=5),
                    confirmed_by=province_user,
                )
            )
        elif lagging[commune.pk] < 0.2:
            recognitions.append(
                Recognition(
                    commune=commune,
                    criteria_set=criteria_set,
                    decision_number=f"{4800 + number}/QĐ-UBND",
                    decided_on=datetime.date(LAST_YEAR - 1, 12, 28),
                    signer="Chủ tịch UBND tỉnh",
                )
            )
    bulk_create_with_history(registrations, Registration, default_user=province_user)
    bulk_create_with_history(recognitions, Recognition, default_user=province_user)
    return Seed(
        criteria_set=criteria_set,
        communes=places,
        district_communes=min(DISTRICT_SIZE, communes),
        province_user=province_user,
        district_user=district_user,
        large_district_user=large_district_user,
        indicators=sum(len(criterion.indicators.all()) for criterion in criteria),
        scores=Score.objects.count(),
        history=Score.history.count(),
        villages=len(villages),
    )


# --- Measures -------------------------------------------------------------------------


def _get(client: Client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise CommandError(f"GET {url} answered {response.status_code}, not 200.")


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


def time_pages(pages: dict[str, tuple[Client, str]], *, repeat: int) -> dict[str, tuple[float, int]]:
    """Each page's median milliseconds over `repeat` runs, and the queries of one run."""
    return time_calls(
        {name: partial(_get, client, url) for name, (client, url) in pages.items()}, repeat=repeat
    )


class _QueryCounter:
    """Counts queries without logging them: on SQLite, CaptureQueriesContext asks the
    database to quote every logged query's parameters, which would slow an import."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def time_import(seed: Seed) -> tuple[int, float, int]:
    """Rows, seconds and queries of a real import of 57 new scores for every commune,
    rolled back. The file is the export of the latest year, moved one year on.
    """
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
            raise CommandError("\n".join(["The scores file was refused:", *map(str, report.errors[:5])]))
        if report.counts.get("new") != dataset.height:
            raise CommandError(f"The import wrote {report.counts}, not {dataset.height} new scores.")
        transaction.set_rollback(True)
    return dataset.height, seconds, counter.count


@dataclass
class Row:
    measure: str
    ms: str = ""
    queries: str = ""
    ratio: str = ""
    goal: str = ""
    result: str = ""


COLUMNS = ("measure", "median ms", "queries", "ratio", "goal", "result")
NUMERIC_COLUMNS = {"median ms", "queries"}


def verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"


def measure(seed: Seed, *, repeat: int) -> list[Row]:
    province_client, district_client = Client(), Client()
    province_client.force_login(seed.province_user)
    district_client.force_login(seed.district_user)
    province_size = len(seed.communes)
    for user, expected in ((seed.province_user, province_size), (seed.district_user, seed.district_communes)):
        if (seen := access_for(user).visible_communes().count()) != expected:
            raise CommandError(f"{user} sees {seen} communes, not {expected}.")
    query = urlencode({"set": seed.criteria_set.code, "year": LAST_YEAR})
    dashboard = f"{reverse('reports:dashboard')}?{query}"
    scorecard = f"{reverse('reports:scorecard', args=[seed.communes[0].code])}?{query}"
    results = time_pages(
        {
            "floor": (province_client, reverse("bench_floor")),
            "district": (district_client, dashboard),
            "province": (province_client, dashboard),
            "scorecard": (province_client, scorecard),
        },
        repeat=repeat,
    )
    floor_ms, floor_queries = results["floor"]
    small_ms, small_queries = results["district"]
    large_ms, large_queries = results["province"]
    card_ms, card_queries = results["scorecard"]
    rows_imported, import_seconds, import_queries = time_import(seed)

    growth = large_ms / small_ms
    linear = province_size / seed.district_communes
    return [
        Row("floor (login_required → “ok”)", f"{floor_ms:.1f}", str(floor_queries), "1.0× floor"),
        Row(
            f"dashboard, district ({seed.district_communes} communes)",
            f"{small_ms:.1f}",
            str(small_queries),
            f"{small_ms / floor_ms:.1f}× floor",
        ),
        Row(
            f"dashboard, province ({province_size} communes)",
            f"{large_ms:.1f}",
            str(large_queries),
            f"{large_ms / floor_ms:.1f}× floor",
            f"≤ {DASHBOARD_FLOOR_GOAL}× floor",
            verdict(large_ms <= DASHBOARD_FLOOR_GOAL * floor_ms),
        ),
        Row("scorecard, 1 commune", f"{card_ms:.1f}", str(card_queries), f"{card_ms / floor_ms:.1f}× floor"),
        Row(
            "dashboard growth, district → province",
            "",
            f"{small_queries} → {large_queries}",
            f"{growth:.1f}×",
            f"≤ {linear:g}× (linear)",
            verdict(growth <= linear),
        ),
        Row(
            f"import .xlsx, {rows_imported} rows ({province_size} × {seed.indicators}), 1 run",
            f"{import_seconds * 1000:.1f}",
            str(import_queries),
            f"{rows_imported / import_seconds:.0f} rows/s",
        ),
    ]


def _weasyprint_alone(html: str) -> None:
    from weasyprint import HTML

    HTML(string=html).write_pdf()


def measure_reports(seed: Seed, *, repeat: int) -> list[Row]:
    """The district report's PDF through its view, against WeasyPrint alone on the same HTML."""
    url = f"{reverse('reports:district_pdf')}?{urlencode({'set': seed.criteria_set.code, 'year': LAST_YEAR})}"
    scopes = [
        ("district", seed.district_user, seed.district_communes),
        ("large district", seed.large_district_user, min(LARGE_DISTRICT, len(seed.communes))),
    ]
    calls = {}
    for label, user, size in scopes:
        client = Client()
        client.force_login(user)
        # The HTML the view renders: same report, same scope, same day.
        report = build_report(
            ReportKind.DISTRICT,
            communes=access_for(user).visible_communes(),
            criteria_set=seed.criteria_set,
            year=LAST_YEAR,
        )
        if len(report.rows) != size:
            raise CommandError(f"{user} gets a report of {len(report.rows)} communes, not {size}.")
        calls[f"{label} floor"] = partial(_weasyprint_alone, report_html(report))
        calls[f"{label} pdf"] = partial(_get, client, url)
    results = time_calls(calls, repeat=repeat, collect=True)
    rows = []
    for label, _user, size in scopes:
        floor_ms, _queries = results[f"{label} floor"]
        pdf_ms, pdf_queries = results[f"{label} pdf"]
        rows += [
            Row(
                f"WeasyPrint alone, same HTML, {label} ({size} communes)",
                f"{floor_ms:.1f}",
                "",
                "1.00× WeasyPrint",
            ),
            Row(
                f"district PDF, {label} ({size} communes)",
                f"{pdf_ms:.1f}",
                str(pdf_queries),
                f"{pdf_ms / floor_ms:.2f}× WeasyPrint",
                f"≤ {PDF_FLOOR_GOAL}× WeasyPrint",
                verdict(pdf_ms <= PDF_FLOOR_GOAL * floor_ms),
            ),
        ]
    province_client = Client()
    province_client.force_login(seed.province_user)
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        response = province_client.get(url)
        seconds = time.perf_counter() - start
    if response.status_code != 200:
        raise CommandError(f"GET {url} answered {response.status_code}, not 200.")
    rows.append(
        Row(
            f"district PDF, province ({len(seed.communes)} communes), 1 run",
            f"{seconds * 1000:.1f}",
            str(len(captured)),
            f"{len(response.content) / 1024:.0f} KB",
        )
    )
    return rows


def render_table(rows: list[Row]) -> list[str]:
    cells = [COLUMNS, *((r.measure, r.ms, r.queries, r.ratio, r.goal, r.result) for r in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]

    def line(values):
        parts = [
            value.rjust(width) if column in NUMERIC_COLUMNS else value.ljust(width)
            for column, value, width in zip(COLUMNS, values, widths, strict=True)
        ]
        return " | ".join(parts).rstrip()

    return [line(COLUMNS), "-+-".join("-" * width for width in widths), *map(line, cells[1:])]


class Command(BaseCommand):
    help = (
        "Đo tốc độ trang tổng quan và trang kết quả xã trên dữ liệu cỡ một tỉnh, "
        "trong một cơ sở dữ liệu tạm (không đụng tới dữ liệu thật)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--communes", type=int, default=150, help="Số xã của tỉnh (mặc định 150).")
        parser.add_argument("--years", type=int, default=5, help="Số năm có kết quả, đến 2024 (mặc định 5).")
        parser.add_argument("--repeat", type=int, default=20, help="Số lần đo mỗi trang (mặc định 20).")
        parser.add_argument(
            "--pdf-repeat", type=int, default=10, help="Số lần đo mỗi báo cáo PDF (mặc định 10)."
        )

    def handle(self, *args, communes, years, repeat, pdf_repeat, **options):
        if min(communes, years, repeat, pdf_repeat) < 1:
            raise CommandError("--communes, --years, --repeat and --pdf-repeat must be at least 1.")
        if years > LAST_YEAR - MIN_YEAR + 1:
            raise CommandError(f"--years goes back at most to {MIN_YEAR}.")
        started = time.perf_counter()
        # DEBUG off, as in production: no query log, no autorefreshing static files.
        bench_settings = override_settings(
            ROOT_URLCONF=__name__, DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]
        )
        with throwaway_database(), bench_settings, warnings.catch_warnings():
            # WhiteNoise warns that collectstatic has not run; pages do not need it here.
            warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
            seed = seed_province(communes=communes, years=years)
            ready = time.perf_counter() - started
            version = ".".join(map(str, connection.get_database_version()))
            header = [
                f"Bench: {communes} communes in {math.ceil(communes / DISTRICT_SIZE)} districts, "
                f"{seed.indicators} indicators of {seed.criteria_set.code}, {years} years "
                f"({LAST_YEAR - years + 1}–{LAST_YEAR}): {seed.scores:,} scores, "
                f"{seed.history:,} history rows, {seed.villages:,} villages.",
                f"Python {platform.python_version()}, Django {django.get_version()}, "
                f"{connection.vendor} {version} (throwaway database), DEBUG off; "
                f"median of {repeat} runs ({pdf_repeat} for PDFs) after {WARM_UP} warm-ups.",
            ]
            rows = measure(seed, repeat=repeat) + measure_reports(seed, repeat=pdf_repeat)
        for text in [*header, "", *render_table(rows), ""]:
            self.stdout.write(text)
        self.stdout.write(
            f"Database migrated and seeded in {ready:.1f} s; whole run {time.perf_counter() - started:.1f} s."
        )
