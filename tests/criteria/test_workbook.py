"""The criteria workbook (DESIGN §5, "Criteria workbook"): a province's annex in one file.

The QD318 workbook here is written cell by cell in the §5 format, as an office would fill
it in Excel, not by `export_criteria`: so the import is tested against the contract, and
the export against the import (round trip).
"""

import datetime
import io
import tempfile
import tracemalloc
from pathlib import Path

import openpyxl
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse

from communes.models import Commune, Region
from criteria.loader import load_criteria_set, read_criteria_file
from criteria.models import CriteriaSet, Criterion, Indicator, IndicatorTarget, Score
from criteria.resources import COLUMNS, import_scores
from criteria.standing import commune_standings
from criteria.workbook import export_criteria, import_criteria
from dossiers.models import DossierItem
from tests.base import PersonasTestCase
from tests.reports.documents import pdf_text, sheet_rows, workbook

SET_CODE = "QD318-2022-XA-NTM"
FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "criteria" / "qd318-2022-xa-ntm.yaml"
ANNEX = "318/QĐ-TTg, Phụ lục I (bản của tỉnh)"

HEADERS = {
    "Bộ tiêu chí": [
        "Mã bộ", "Tên bộ", "Tên tiếng Anh", "Cấp", "Hạng", "Từ năm", "Đến năm", "Văn bản",
        "Ngày ban hành", "Cơ quan ban hành", "Bộ gốc", "Áp dụng cho", "Chiều mức đạt", "Nguồn",
    ],
    "Tiêu chí": ["Số", "Tên tiêu chí", "Tên tiếng Anh", "Nhóm", "Nguồn", "Đã đối chiếu"],
    "Chỉ tiêu": [
        "Số tiêu chí", "Mã chỉ tiêu", "Nội dung", "Nội dung tiếng Anh", "Loại", "Đơn vị",
        "Có điều kiện", "Minh chứng", "Nguồn", "Đã đối chiếu",
    ],
    "Mức đạt": ["Mã chỉ tiêu", "Vùng", "Nhóm xã", "Từ năm", "Đến năm", "Giá trị", "Nguồn"],
    "Áp dụng mức vùng": ["Phân loại xã", "Áp dụng mức của vùng", "Từ ngày", "Văn bản"],
    "Sửa đổi": ["Văn bản", "Ngày hiệu lực", "Mã chỉ tiêu", "Nội dung mới", "Loại mới", "Đơn vị mới", "Nguồn"],
}  # fmt: skip
KIND_WORDS = {"yes_no": "Đạt/Không", "numeric_min": "Tối thiểu", "numeric_max": "Tối đa", "text": "Văn bản"}
# The targets this province's annex gives (test numbers, not official ones): every
# numeric indicator has one for every region.
MIN_TARGET, MAX_TARGET = 50, 10


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(HEADERS[name])
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def qd318_sheets() -> dict[str, list[list]]:
    """QD318 as a province fills it in: every text checked against its annex, every
    numeric indicator with a target per region, the 2024 amendments and region rules."""
    data = read_criteria_file(FIXTURE)
    sheets = {name: [] for name in HEADERS}
    sheets["Bộ tiêu chí"].append(
        [SET_CODE, data["name"], data["name_en"], "Xã", "NTM", 2021, 2025, data["legal_basis"],
         "08/03/2022", "Thủ tướng Chính phủ", "", "Xã", "Vùng", ANNEX]
    )  # fmt: skip
    for criterion in data["criteria"]:
        sheets["Tiêu chí"].append(
            [
                criterion["number"],
                criterion["name"],
                criterion.get("name_en", ""),
                criterion["group"],
                ANNEX,
                "Có",
            ]
        )
        for indicator in criterion["indicators"]:
            kind = indicator["kind"]
            sheets["Chỉ tiêu"].append(
                [criterion["number"], indicator["code"], indicator["text"], "", KIND_WORDS[kind],
                 indicator.get("unit", ""), "Có" if indicator.get("conditional") else "",
                 "; ".join(indicator.get("required_evidence", [])), ANNEX, "Có"]
            )  # fmt: skip
            if kind in ("numeric_min", "numeric_max"):
                value = MIN_TARGET if kind == "numeric_min" else MAX_TARGET
                for region in Region.values:
                    sheets["Mức đạt"].append([indicator["code"], region, "", "", "", value, ANNEX])
    for rule in data["region_rules"]:
        day = rule["from_date"].strftime("%d/%m/%Y")
        sheets["Áp dụng mức vùng"].append([rule["commune_class"], rule["region"], day, rule["decision"]])
    for amendment in data["amendments"]:
        sheets["Sửa đổi"].append(
            [amendment["decision"], amendment["effective_on"].strftime("%d/%m/%Y"), amendment["indicator"],
             amendment["text"], KIND_WORDS.get(amendment.get("kind", ""), ""), "", amendment["source"]]
        )  # fmt: skip
    return sheets


def set_row(code="TEST-XA", *, name="Bộ thử", issuer="Trung ương", dimension="Vùng", basis="1/QĐ"):
    """The one row of the `Bộ tiêu chí` sheet: a xã NTM set of 2021-2025 dated 01/01/2022."""
    return [code, name, "", "Xã", "NTM", 2021, 2025, basis, "01/01/2022", issuer, "", "Xã", dimension, "thử"]


def provincial_sheets(target=90, name="Bộ tiêu chí xã NTM của tỉnh"):
    """Thanh Hóa's own small set: one criterion, one indicator, one target for its region."""
    return {
        "Bộ tiêu chí": [set_row("TH-XA-NTM", name=name, issuer="UBND tỉnh Thanh Hóa", basis="1/QĐ-UBND")],
        "Tiêu chí": [[1, "Giao thông", "Transport", "Hạ tầng", "thử", "Có"]],
        "Chỉ tiêu": [[1, "1.1", "Tỷ lệ đường xã được cứng hóa", "", "Tối thiểu", "%", "", "", "thử", "Có"]],
        "Mức đạt": [["1.1", "Bắc Trung Bộ", "", "", "", target, "thử"]],
    }


def errors_of(report) -> list[str]:
    return [str(error) for error in report.errors]


class WorkbookTestCase(PersonasTestCase):
    def import_book(self, sheets, **options):
        return import_criteria(io.BytesIO(xlsx_bytes(sheets)), **options)

    def assertRefused(self, sheets, *fragments):
        """The file is refused with each fragment in one of its messages, and nothing is written."""
        before = (CriteriaSet.objects.count(), Indicator.objects.count(), IndicatorTarget.objects.count())
        report = self.import_book(sheets)
        messages = errors_of(report)
        self.assertFalse(report.ok)
        for fragment in fragments:
            self.assertTrue(any(fragment in m for m in messages), (fragment, messages))
        after = (CriteriaSet.objects.count(), Indicator.objects.count(), IndicatorTarget.objects.count())
        self.assertEqual(after, before)
        return messages


class QD318WorkbookTests(WorkbookTestCase):
    """A province's QD318 workbook with full targets, then a realistic scores file."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        report = import_criteria(io.BytesIO(xlsx_bytes(qd318_sheets())))
        assert report.ok, errors_of(report)
        cls.report = report
        cls.ntm = CriteriaSet.objects.get(code=SET_CODE)

    def test_it_imports_cleanly_with_every_text_checked_and_every_target(self):
        self.assertEqual(self.ntm.criteria.count(), 19)
        indicators = Indicator.objects.filter(criterion__criteria_set=self.ntm)
        self.assertEqual(indicators.count(), 57)
        self.assertFalse(indicators.filter(unverified=True).exists())
        numeric = indicators.filter(kind__in=("numeric_min", "numeric_max"))
        self.assertEqual(IndicatorTarget.objects.filter(indicator__in=numeric).count(), numeric.count() * 7)
        self.assertEqual(self.ntm.amendments.count(), 4)
        self.assertEqual(self.ntm.region_rules.count(), 7)
        self.assertIn("Bộ tiêu chí QD318-2022-XA-NTM: tạo mới.", self.report.summary_lines())

    def test_the_set_page_shows_each_amendment_with_its_decision_and_date(self):
        self.client.force_login(self.leader)
        response = self.client.get(reverse("criteria:set_detail", args=[SET_CODE]))
        amendments = response.context["amendments"]
        self.assertEqual([a.indicator.code for a in amendments], ["13.1", "15.4", "17.1", "18.5"])
        html = response.content.decode()
        section = html[html.index('<section id="amendments">') :]
        section = section[: section.index("</section>")]
        self.assertEqual(section.count("<td>211/QĐ-TTg ngày 01/3/2024</td>"), 4)
        self.assertEqual(section.count("<td>01/03/2024</td>"), 4)

    def test_importing_it_again_changes_nothing(self):
        report = self.import_book(qd318_sheets())
        self.assertTrue(report.ok, errors_of(report))
        self.assertIn("Bộ tiêu chí QD318-2022-XA-NTM: không có gì thay đổi.", report.summary_lines())

    def scores_file(self, year, unmet_value=None):
        """Values for every numeric indicator with `Kết quả` empty (2.1 below its target),
        "Đạt" for the yes/no ones (15.4 is yes/no from 01/3/2024)."""
        rows = []
        yes_no_2024 = {"15.4"} if year >= 2024 else set()
        for indicator in Indicator.objects.filter(criterion__criteria_set=self.ntm).order_by("pk"):
            if indicator.is_numeric and indicator.code not in yes_no_2024:
                value = "40" if indicator.code == "2.1" else "60" if indicator.kind == "numeric_min" else "5"
                result = ""
            else:
                value, result = "", "Đạt"
            rows.append(
                [
                    self.commune_a.code,
                    self.commune_a.name,
                    "",
                    SET_CODE,
                    indicator.code,
                    str(year),
                    value,
                    result,
                    "",
                ]
            )
        book = openpyxl.Workbook()
        book.active.append(list(COLUMNS))
        for row in rows:
            book.active.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        buffer.seek(0)
        return buffer

    def test_a_scores_file_with_empty_results_computes_every_status_and_the_pages_agree(self):
        report = import_scores(self.scores_file(2024), user=self.coordinator)
        self.assertTrue(report.ok, errors_of(report))
        scores = Score.objects.filter(commune=self.commune_a, year=2024)
        self.assertEqual(scores.count(), 57)
        self.assertFalse(scores.filter(status=Score.Status.NOT_ASSESSED).exists())
        self.assertEqual(scores.get(indicator__code="2.1").status, Score.Status.NOT_MET)
        self.assertEqual(scores.get(indicator__code="17.5").status, Score.Status.MET)
        standing = commune_standings([self.commune_a], criteria_set=self.ntm, year=2024)[self.commune_a.pk]
        self.assertEqual((standing.criteria_met, standing.indicators_met), (18, 56))

        self.client.force_login(self.official_a)
        query = {"set": SET_CODE, "year": 2024}
        page = self.client.get(reverse("reports:scorecard", args=[self.commune_a.code]), query)
        self.assertContains(page, '<div class="figure">18/19</div>', html=False)
        self.assertContains(page, '<div class="figure">56/57</div>', html=False)
        pdf = self.client.get(reverse("reports:commune_pdf", args=[self.commune_a.code]), query)
        text = pdf_text(pdf.content)
        self.assertIn("18/19 56/57", text)
        self.assertIn("Mã chỉ tiêu chưa đạt: 2.1.", text)
        # The §5 target sheet has no "Đã đối chiếu" column, so its targets count as not
        # checked: one note under the title says so, and no row carries a mark.
        note = "Một số nội dung, mức đạt chuẩn của bộ tiêu chí chưa được đối chiếu với văn bản gốc"
        self.assertEqual(text.count(note), 1)
        self.assertLess(text.index(note), text.index("I. Kết quả chung"))
        self.assertNotIn("(*)", text)

    def test_the_2024_amendment_judges_and_prints_2024_scores_and_not_2023_ones(self):
        for year in (2023, 2024):
            self.assertTrue(import_scores(self.scores_file(year), user=self.coordinator).ok)
        old_text = Indicator.objects.get(criterion__criteria_set=self.ntm, code="15.4").text
        new_text = "Xã triển khai thực hiện sổ khám chữa bệnh điện tử"
        self.client.force_login(self.official_a)
        url = reverse("reports:commune_pdf", args=[self.commune_a.code])
        text_2024 = pdf_text(self.client.get(url, {"set": SET_CODE, "year": 2024}).content)
        text_2023 = pdf_text(self.client.get(url, {"set": SET_CODE, "year": 2023}).content)
        self.assertIn(new_text, text_2024)
        self.assertNotIn(old_text[:40], text_2024)
        self.assertIn(old_text[:40], text_2023)
        self.assertNotIn(new_text, text_2023)
        # 15.4 is a yes/no indicator in 2024 (no target is printed), numeric in 2023.
        edition_2024, edition_2023 = self.ntm.edition(2024), self.ntm.edition(2023)
        indicator = Indicator.objects.get(criterion__criteria_set=self.ntm, code="15.4")
        self.assertEqual(edition_2024.indicator(indicator).kind, Indicator.Kind.YES_NO)
        self.assertEqual(edition_2023.indicator(indicator).kind, indicator.kind)
        # Seen on a day before the amendment was issued, 2023 keeps the old wording too.
        before = datetime.date(2024, 2, 15)
        self.assertEqual(self.ntm.edition(2023, before).indicator(indicator).text, old_text)
        self.assertEqual(self.ntm.edition(2024, before).indicator(indicator).text, old_text)
        text_before = pdf_text(
            self.client.get(url, {"set": SET_CODE, "year": 2023, "as_of": "2024-02-15"}).content
        )
        self.assertIn(old_text[:40], text_before)


class AmendedTargetTests(WorkbookTestCase):
    """A target that changes from 2024 with an amendment: a 2023 value keeps its old target."""

    def sheets(self):
        return {
            "Bộ tiêu chí": [set_row(dimension="Không")],
            "Tiêu chí": [[1, "Thu nhập", "Income", "Kinh tế", "thử", "Có"]],
            "Chỉ tiêu": [
                [1, "1.1", "Thu nhập bình quân đầu người", "", "Tối thiểu", "triệu đồng", "", "", "thử", "Có"]
            ],
            "Mức đạt": [
                ["1.1", "", "", 2022, 2023, 50, "thử"],
                ["1.1", "", "", 2024, 2025, 70, "211/QĐ-TTg"],
            ],
            "Sửa đổi": [
                ["211/QĐ-TTg", "01/03/2024", "1.1", "Thu nhập bình quân đầu người/năm", "", "", "211"]
            ],
        }

    def test_a_2024_score_is_judged_by_the_new_target_and_a_2023_one_by_the_old(self):
        report = self.import_book(self.sheets())
        self.assertTrue(report.ok, errors_of(report))
        criteria_set = CriteriaSet.objects.get(code="TEST-XA")
        indicator = Indicator.objects.get(criterion__criteria_set=criteria_set)
        for year in (2023, 2024):
            Score.objects.create(
                indicator=indicator,
                commune=self.commune_a,
                year=year,
                value_number=60,
                status=Score.Status.MET,
            )
        met = {
            year: commune_standings([self.commune_a], criteria_set=criteria_set, year=year)[
                self.commune_a.pk
            ].indicators_met
            for year in (2023, 2024)
        }
        self.assertEqual(met, {2023: 1, 2024: 0})
        self.assertEqual(criteria_set.edition(2023).indicator(indicator).text, "Thu nhập bình quân đầu người")
        self.assertEqual(
            criteria_set.edition(2024).indicator(indicator).text, "Thu nhập bình quân đầu người/năm"
        )


class ReimportTests(WorkbookTestCase):
    """A changed workbook updates the set in place and keeps what has data."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        assert import_criteria(io.BytesIO(xlsx_bytes(qd318_sheets()))).ok
        cls.ntm = CriteriaSet.objects.get(code=SET_CODE)

    def test_a_dropped_criterion_with_data_is_kept_and_reported_and_a_text_changes(self):
        from dossiers.services import create_dossier

        indicator = Indicator.objects.get(criterion__criteria_set=self.ntm, code="19.1")
        Score.objects.create(indicator=indicator, commune=self.commune_a, year=2024, status=Score.Status.MET)
        dossier = create_dossier(
            commune=self.commune_a, criteria_set=self.ntm, year=2024, user=self.coordinator
        )
        sheets = qd318_sheets()
        sheets["Tiêu chí"] = [row for row in sheets["Tiêu chí"] if row[0] != 19]
        sheets["Chỉ tiêu"] = [row for row in sheets["Chỉ tiêu"] if row[0] != 19]
        sheets["Mức đạt"] = [row for row in sheets["Mức đạt"] if not str(row[0]).startswith("19.")]
        sheets["Chỉ tiêu"][0][2] = "Có quy hoạch chung xây dựng xã (đã sửa)"
        report = self.import_book(sheets)
        self.assertTrue(report.ok, errors_of(report))
        lines = " ".join(report.summary_lines())
        self.assertIn("Giữ lại vì đã có dữ liệu", lines)
        self.assertIn("Tiêu chí 19", lines)
        criterion = Criterion.objects.get(criteria_set=self.ntm, number=19)
        self.assertTrue(criterion.retired)
        self.assertTrue(Score.objects.filter(indicator=indicator).exists())
        self.assertTrue(DossierItem.objects.filter(dossier=dossier, criterion=criterion).exists())
        self.assertEqual(
            Indicator.objects.get(criterion__criteria_set=self.ntm, code="1.1").text,
            "Có quy hoạch chung xây dựng xã (đã sửa)",
        )
        # The kept criterion no longer counts in the standing.
        standing = commune_standings([self.commune_a], criteria_set=self.ntm, year=2024)[self.commune_a.pk]
        self.assertEqual(standing.criteria_total, 18)


class MalformedWorkbookTests(WorkbookTestCase):
    """Each bad row is named with its sheet, row and reason; nothing is written."""

    def small(self):
        return {
            "Bộ tiêu chí": [set_row()],
            "Tiêu chí": [[1, "Giao thông", "", "Hạ tầng", "thử", ""]],
            "Chỉ tiêu": [
                [1, "1.1", "Tỷ lệ đường xã được cứng hóa", "", "Tối thiểu", "%", "", "", "thử", ""],
                [1, "1.2", "Có bến xe", "", "Đạt/Không", "", "", "", "thử", ""],
            ],
            "Mức đạt": [["1.1", "BTB", "", "", "", 80, "thử"]],
        }

    def test_the_small_workbook_itself_imports(self):
        self.assertTrue(self.import_book(self.small()).ok)

    def test_a_missing_sheet(self):
        sheets = self.small()
        del sheets["Chỉ tiêu"]
        self.assertRefused(sheets, "Chỉ tiêu")

    def test_a_duplicate_indicator_code(self):
        sheets = self.small()
        sheets["Chỉ tiêu"].append([1, "1.1", "Lặp lại", "", "Đạt/Không", "", "", "", "thử", ""])
        self.assertRefused(sheets, "Trang “Chỉ tiêu”, dòng 4", "1.1")

    def test_a_target_for_an_unknown_region(self):
        sheets = self.small()
        sheets["Mức đạt"].append(["1.1", "Vùng Trăng", "", "", "", 70, "thử"])
        self.assertRefused(sheets, "Trang “Mức đạt”, dòng 3", "Vùng Trăng")

    def test_a_non_numeric_target(self):
        sheets = self.small()
        sheets["Mức đạt"][0][5] = "khoảng tám mươi"
        self.assertRefused(sheets, "Trang “Mức đạt”, dòng 2")

    def test_an_amendment_before_the_sets_own_date(self):
        sheets = self.small()
        sheets["Sửa đổi"] = [["9/QĐ", "01/01/2020", "1.1", "Nội dung mới", "", "", "thử"]]
        self.assertRefused(sheets, "Trang “Sửa đổi”, dòng 2", "01/01/2022")

    def test_one_message_per_bad_row(self):
        sheets = self.small()
        sheets["Mức đạt"] += [
            ["1.1", "Vùng Trăng", "", "", "", 70, "x"],
            ["1.1", "DBSH", "", "", "", "nhiều", "x"],
        ]
        messages = self.assertRefused(sheets, "dòng 3", "dòng 4")
        self.assertEqual(len([m for m in messages if "Mức đạt" in m]), 2)

    def test_100000_rows_are_refused_by_the_row_limit(self):
        sheets = self.small()
        sheets["Mức đạt"] = [
            ["1.1", "BTB", "", 2000 + n % 100, 2000 + n % 100, 80, ""] for n in range(100_000)
        ]
        content = xlsx_bytes(sheets)
        tracemalloc.start()
        try:
            report = import_criteria(io.BytesIO(content))
            _size, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.assertEqual(
            errors_of(report),
            [
                "Tệp có hơn 5.000 dòng dữ liệu, quá giới hạn một lần nhập. Một bộ tiêu chí không có "
                "nhiều dòng như vậy: hãy kiểm tra lại tệp."
            ],
        )
        self.assertFalse(CriteriaSet.objects.exists())
        # Refused by the limit, not after reading 100,000 rows: far less than the file's rows in memory.
        self.assertLess(peak, 20 * 1024 * 1024, peak)


class RoundTripTests(WorkbookTestCase):
    """Export a shipped set, fill its targets in Excel, import it back: statuses compute."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ntm = load_criteria_set(data=read_criteria_file(FIXTURE)).criteria_set

    def test_export_fill_import_computes_statuses(self):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "qd318.xlsx"
            call_command("export_criteria", "--set", SET_CODE, "-o", str(path))
            book = openpyxl.load_workbook(path)
            targets = book["Mức đạt"]
            header = [cell.value for cell in targets[1]]
            targets.append({header.index("Mã chỉ tiêu") + 1: "2.1", header.index("Giá trị") + 1: 70})
            book.save(path)
            call_command("import_criteria", str(path), stdout=io.StringIO())
        indicator = Indicator.objects.get(criterion__criteria_set=self.ntm, code="2.1")
        self.assertEqual([t.value for t in indicator.targets.all()], ["≥70%"])
        Score.objects.create(
            indicator=indicator,
            commune=self.commune_a,
            year=2024,
            value_number=75,
            status=Score.Status.NOT_ASSESSED,
        )
        standing = commune_standings([self.commune_a], criteria_set=self.ntm, year=2024)[self.commune_a.pk]
        self.assertEqual(standing.indicators_met, 1)

    def test_an_unchanged_export_imports_back_with_nothing_changed(self):
        report = import_criteria(io.BytesIO(export_criteria(self.ntm)))
        self.assertTrue(report.ok, errors_of(report))
        self.assertIn("Bộ tiêu chí QD318-2022-XA-NTM: không có gì thay đổi.", report.summary_lines())

    def test_the_export_holds_no_live_formula(self):
        Indicator.objects.filter(criterion__criteria_set=self.ntm, code="1.1").update(text='=HYPERLINK("x")')
        for sheet in workbook(export_criteria(self.ntm)):
            for row in sheet_rows(sheet):
                for cell in row:
                    self.assertFalse(str(cell).startswith(("=", "+", "-", "@")) and len(str(cell)) > 1, cell)


class UnitsApartTests(TestCase):
    def test_a_xa_set_does_not_apply_to_a_thi_tran(self):
        ntm = load_criteria_set(data=read_criteria_file(FIXTURE)).criteria_set
        town = Commune(name="Triệu Sơn", kind=Commune.Kind.TOWNSHIP)
        self.assertFalse(ntm.applies_to_unit(town))
        self.assertTrue(ntm.applies_to_unit(Commune(name="Dân Lý", kind=Commune.Kind.COMMUNE)))


class ImportPageTests(WorkbookTestCase):
    """The import page: preview with every bad row, confirm, all or nothing."""

    url = reverse("criteria:criteria_import")

    def upload(self, sheets, name="bo-tieu-chi.xlsx"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return self.client.post(self.url, {"file": SimpleUploadedFile(name, xlsx_bytes(sheets))})

    def test_the_library_and_the_set_page_link_to_it_for_those_who_may_import(self):
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get(reverse("criteria:set_list")), f'href="{self.url}"')
        self.client.force_login(self.leader)
        self.assertNotContains(self.client.get(reverse("criteria:set_list")), f'href="{self.url}"')

    def test_preview_then_confirm_creates_the_provinces_set(self):
        self.client.force_login(self.coordinator)
        preview = self.upload(provincial_sheets())
        self.assertContains(preview, "Xem trước: bo-tieu-chi.xlsx")
        self.assertContains(preview, "Bộ tiêu chí TH-XA-NTM: tạo mới.")
        self.assertFalse(CriteriaSet.objects.filter(code="TH-XA-NTM").exists())
        upload = preview.context["confirm_form"].initial["upload"]
        response = self.client.post(self.url, {"upload": upload})
        criteria_set = CriteriaSet.objects.get(code="TH-XA-NTM")
        self.assertRedirects(response, criteria_set.get_absolute_url())
        self.assertEqual(criteria_set.issuer, self.province)
        indicator = Indicator.objects.get(criterion__criteria_set=criteria_set)
        self.assertEqual([t.value for t in indicator.targets.all()], ["≥90%"])
        # The set page then links back to the import, for the file changed again.
        self.assertContains(self.client.get(criteria_set.get_absolute_url()), f'href="{self.url}"')
        # The same upload cannot be confirmed twice.
        again = self.client.post(self.url, {"upload": upload}, follow=True)
        self.assertContains(again, "Phiên xem trước đã hết hạn hoặc đã được nhập")

    def test_every_bad_row_is_listed_and_nothing_is_written(self):
        sheets = provincial_sheets()
        sheets["Mức đạt"] += [
            ["1.1", "Vùng Trăng", "", "", "", 70, "x"],
            ["1.1", "DBSH", "", "", "", "nhiều", "x"],
        ]
        self.client.force_login(self.coordinator)
        response = self.upload(sheets)
        self.assertContains(response, "Có 2 lỗi. Không dòng nào được ghi")
        self.assertContains(response, "Trang “Mức đạt”, dòng 3")
        self.assertContains(response, "Trang “Mức đạt”, dòng 4")
        self.assertNotIn("confirm_form", response.context)
        self.assertFalse(CriteriaSet.objects.filter(code="TH-XA-NTM").exists())

    def test_a_coordinator_may_not_change_a_national_set(self):
        sheets = provincial_sheets()
        sheets["Bộ tiêu chí"][0][9] = "Trung ương"
        self.client.force_login(self.coordinator)
        response = self.upload(sheets)
        self.assertContains(response, "Bạn chỉ được tạo bộ tiêu chí của tỉnh mình phụ trách")
        self.assertFalse(CriteriaSet.objects.exists())

    def test_the_administrator_imports_a_national_set(self):
        self.client.force_login(self.admin)
        sheets = provincial_sheets()
        sheets["Bộ tiêu chí"][0][9] = "Trung ương"
        preview = self.upload(sheets)
        self.client.post(self.url, {"upload": preview.context["confirm_form"].initial["upload"]})
        self.assertIsNone(CriteriaSet.objects.get(code="TH-XA-NTM").issuer)

    def test_others_are_refused(self):
        self.assertRedirects(self.client.get(self.url), f"{reverse('login')}?next={self.url}")
        for user in (self.leader, self.official_a, self.nobody):
            with self.subTest(user.username):
                self.client.force_login(user)
                self.assertEqual(self.client.get(self.url).status_code, 403)
                self.assertEqual(self.upload(provincial_sheets()).status_code, 403)
        self.assertFalse(CriteriaSet.objects.exists())

    def test_the_template_is_an_empty_workbook_that_imports_once_filled(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("criteria:criteria_template"))
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        for name, header in HEADERS.items():
            self.assertEqual([c.value for c in book[name][1]][: len(header)], header)
        # A province's village set, filled in the template.
        book["Bộ tiêu chí"].append(
            ["TH-THON-NTM", "Thôn nông thôn mới", "", "Thôn", "NTM", 2022, 2025, "2/QĐ-UBND", "01/06/2022",
             "Thanh Hóa", "", "Xã", "Không", "thử"]
        )  # fmt: skip
        book["Tiêu chí"].append([1, "Giao thông thôn", "", "", "thử", "Có"])
        book["Chỉ tiêu"].append(
            [1, "1.1", "Đường thôn được cứng hóa", "", "Đạt/Không", "", "", "", "thử", "Có"]
        )
        buffer = io.BytesIO()
        book.save(buffer)
        buffer.seek(0)
        report = import_criteria(buffer, user=self.coordinator)
        self.assertTrue(report.ok, errors_of(report))
        self.assertEqual(CriteriaSet.objects.get(code="TH-THON-NTM").level, CriteriaSet.Level.VILLAGE)


class CommandTests(WorkbookTestCase):
    def write(self, folder, sheets):
        path = Path(folder) / "bo-tieu-chi.xlsx"
        path.write_bytes(xlsx_bytes(sheets))
        return str(path)

    def test_dry_run_previews_and_writes_nothing(self):
        out = io.StringIO()
        with tempfile.TemporaryDirectory() as folder:
            call_command("import_criteria", self.write(folder, provincial_sheets()), "--dry-run", stdout=out)
        self.assertIn("Bộ tiêu chí TH-XA-NTM: tạo mới.", out.getvalue())
        self.assertFalse(CriteriaSet.objects.exists())

    def test_a_bad_file_prints_its_rows_and_exits_non_zero(self):
        err = io.StringIO()
        with tempfile.TemporaryDirectory() as folder, self.assertRaises(CommandError):
            call_command("import_criteria", self.write(folder, provincial_sheets(target="nhiều")), stderr=err)
        self.assertIn("Trang “Mức đạt”, dòng 2", err.getvalue())
        self.assertFalse(CriteriaSet.objects.exists())

    def test_a_user_who_may_not_change_the_set_is_refused(self):
        sheets = provincial_sheets()
        sheets["Bộ tiêu chí"][0][9] = "Trung ương"
        with tempfile.TemporaryDirectory() as folder, self.assertRaises(CommandError):
            call_command(
                "import_criteria", self.write(folder, sheets), "--user", "dieuphoi", stderr=io.StringIO()
            )
        self.assertFalse(CriteriaSet.objects.exists())
