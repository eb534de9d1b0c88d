"""No export hands Excel a formula: a note, a name or a title written as "=HYPERLINK(…)"
through an import or an upload comes back in every file as text Excel shows and does not
run (a leading apostrophe, the OWASP way), while numbers stay numbers."""

import csv
import io
import tempfile
import zipfile
from pathlib import Path

import openpyxl
from django.core.management import call_command
from django.urls import reverse

from communes.resources import COLUMNS as UNIT_COLUMNS
from communes.resources import import_units
from criteria.models import Score
from criteria.resources import COLUMNS, import_scores
from tests.dossiers.base import DossierTestCase, tiny_pdf
from tools.xlsx import write_xlsx

FORMULA = '=HYPERLINK("http://x","y")'
INERT = "'" + FORMULA
STARTS = ("=", "+", "-", "@", "\t", "\r")


def xlsx_cells(content: bytes):
    """Every non-empty cell of every sheet, with openpyxl's type for it."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [
        (c.value, c.data_type)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for c in row
        if c.value is not None
    ]


def csv_cells(content: bytes):
    return [value for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for value in row if value]


class FormulaExportTests(DossierTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # A commune renamed by the units file, a note and a text value by the scores file,
        # and a negative number, which must stay a number.
        unit = ["38", "Thanh Hóa", "392", "Triệu Sơn", cls.commune_a.code, FORMULA, "Xã", "BTB", "", "", ""]
        report = import_units(write_xlsx([UNIT_COLUMNS, unit]))
        assert report.ok and report.warnings, report.errors
        cls.commune_a.refresh_from_db()
        rows = [
            [cls.commune_a.code, FORMULA, "", cls.ntm.code, "1.1", 2024, FORMULA, "Đạt", FORMULA],
            [cls.commune_a.code, FORMULA, "", cls.ntm.code, "3.1", 2024, "-2", "Chưa đạt", ""],
        ]
        report = import_scores(write_xlsx([COLUMNS, *rows]), user=cls.coordinator)
        assert report.ok, report.errors
        cls.dossier = cls.open_dossier(cls.commune_a)
        cls.upload(cls.item(cls.dossier, 1), tiny_pdf("quy hoach"), name="=cmd.pdf", title=FORMULA)

    def assertInertXlsx(self, content):
        cells = xlsx_cells(content)
        self.assertIn(INERT, [value for value, _type in cells])
        self.assertEqual([value for value, data_type in cells if data_type == "f"], [])
        # "-2", the value of 3.1, is a number written as text, not a formula.
        self.assertEqual(
            [v for v, _type in cells if isinstance(v, str) and v.startswith(STARTS) and v != "-2"], []
        )

    def assertInertCsv(self, content):
        cells = csv_cells(content)
        self.assertIn(INERT, cells)
        self.assertEqual([value for value in cells if value.startswith(STARTS) and value != "-2"], [])

    def get(self, name, *args, user=None, **params):
        self.client.force_login(user or self.coordinator)
        response = self.client.get(reverse(name, args=args), params)
        self.assertEqual(response.status_code, 200)
        return response.content

    def test_the_scores_exports(self):
        params = {"set": self.ntm.code, "year": 2024}
        self.assertInertXlsx(self.get("criteria:scores_export", "xlsx", **params))
        content = self.get("criteria:scores_export", "csv", **params)
        self.assertInertCsv(content)
        self.assertIn("-2", csv_cells(content))

    def test_the_commune_template(self):
        self.assertInertXlsx(self.get("criteria:scores_template", self.commune_a.code, self.ntm.code, 2024))

    def test_the_export_commands(self):
        with tempfile.TemporaryDirectory() as directory:
            for name in ("ket-qua.xlsx", "ket-qua.csv", "dia-ban.xlsx", "dia-ban.csv"):
                with self.subTest(name):
                    path = Path(directory) / name
                    if name.startswith("ket-qua"):
                        args = ["export_scores", "--set", self.ntm.code, "--year", "2024", "-o", str(path)]
                    else:
                        args = ["export_units", "-o", str(path)]
                    call_command(*args, stdout=io.StringIO())
                    check = self.assertInertXlsx if name.endswith("xlsx") else self.assertInertCsv
                    check(path.read_bytes())

    def test_the_admin_exports(self):
        self.client.force_login(self.admin)
        for name in (
            "admin:criteria_score_export",
            "admin:communes_commune_export",
            "admin:communes_province_export",
        ):
            for file_format, check in (("0", self.assertInertXlsx), ("1", self.assertInertCsv)):
                with self.subTest(name, format=file_format):
                    response = self.client.post(reverse(name), {"resource": "0", "format": file_format})
                    check(response.content)

    def test_the_report_workbooks(self):
        params = {"set": self.ntm.code, "year": 2024}
        for name, args in (
            ("reports:district_xlsx", ()),
            ("reports:dossiers_xlsx", ()),
            ("reports:commune_xlsx", (self.commune_a.code,)),
        ):
            with self.subTest(name):
                self.assertInertXlsx(self.get(name, *args, user=self.leader, **params))

    def test_the_dossier_package_manifest(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("dossiers:package", args=[self.dossier.pk]))
        manifest = zipfile.ZipFile(io.BytesIO(response.getvalue())).read("manifest.csv")
        rows = list(csv.DictReader(io.StringIO(manifest.decode("utf-8-sig"))))
        self.assertEqual((rows[0]["title"], rows[0]["original_name"]), (INERT, "'=cmd.pdf"))
        self.assertInertCsv(manifest)

    def test_a_neutralised_export_imports_back_unchanged(self):
        params = {"set": self.ntm.code, "year": 2024}
        for file_format in ("xlsx", "csv"):
            with self.subTest(file_format):
                content = self.get("criteria:scores_export", file_format, **params)
                report = import_scores(content, user=self.coordinator, format=file_format)
                self.assertTrue(report.ok, report.errors)
                # Every score comes back as it was, the formula-looking note included.
                self.assertEqual(report.counts["unchanged"], Score.objects.count())
                self.assertEqual((report.counts["new"], report.counts["updated"]), (0, 0))
