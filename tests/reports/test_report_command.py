import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.urls import reverse

from criteria.models import Score
from tests.base import AssessmentTestCase
from tests.reports.documents import is_landscape, pdf_pages, pdf_text, sheet_rows, workbook

UNMET = dict.fromkeys(("2.1", "2.2", "11", "13.2", "17.5"), Score.Status.NOT_MET)


class RenderReportCommandTests(AssessmentTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.score_all(cls.commune_a, 2024, exceptions=UNMET)
        cls.score_all(cls.commune_b, 2024)

    def render(self, *args) -> bytes:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / args[-1]
            call_command("render_report", *args[:-1], "-o", str(path), stdout=StringIO())
            return path.read_bytes()

    def test_it_writes_the_pdf_the_page_downloads(self):
        content = self.render("district", "--set", self.ntm.code, "--year", "2024", "district.pdf")
        self.client.force_login(self.coordinator)
        page = self.client.get(reverse("reports:district_pdf"), {"set": self.ntm.code, "year": "2024"})
        self.assertEqual(pdf_text(content), pdf_text(page.content))
        self.assertTrue(is_landscape(pdf_pages(content)[0]))

    def test_it_writes_excel_by_the_extension(self):
        content = self.render("district", "--year", "2024", "--as-of", "30/04/2024", "district.xlsx")
        rows = sheet_rows(workbook(content)["Các xã"])
        self.assertEqual(rows[2][0], "Số liệu tính đến ngày 30/04/2024")

    def test_it_writes_a_communes_report(self):
        text = pdf_text(
            self.render("commune", "--commune", self.commune_a.code, "--year", "2024", "dan-ly.pdf")
        )
        self.assertIn("Kết quả thực hiện Bộ tiêu chí nông thôn mới của xã Dân Lý năm 2024", text)
        self.assertIn("Mã chỉ tiêu chưa đạt: 2.1, 2.2, 11, 13.2, 17.5.", text)

    def test_it_writes_the_dossier_report(self):
        rows = sheet_rows(workbook(self.render("dossiers", "--year", "2024", "dossiers.xlsx"))["Hồ sơ"])
        self.assertIn("Chưa lập hồ sơ", [row[11] for row in rows])

    def test_it_can_keep_to_one_district(self):
        text = pdf_text(self.render("district", "--district", self.district.code, "--year", "2024", "d.pdf"))
        self.assertIn("UBND HUYỆN TRIỆU SƠN", text)

    def test_it_refuses_what_it_cannot_do(self):
        cases = [
            (("district", "report.txt"), "Tên tệp phải kết thúc bằng .pdf hoặc .xlsx."),
            (("commune", "report.pdf"), "Báo cáo commune cần --commune MÃ_XÃ."),
            (("commune", "--commune", "99999", "report.pdf"), "Không có xã với mã 99999."),
            (("district", "--set", "KHONG-CO", "report.pdf"), "--set:"),
            (
                ("district", "--as-of", "2099-01-01", "report.pdf"),
                "--as-of: Ngày xem số liệu không thể sau hôm nay.",
            ),
            (("dossiers", "--as-of", "2024-04-30", "report.pdf"), "Biểu hồ sơ chỉ có số liệu hiện tại"),
            (("district", "--district", "999", "report.pdf"), "Không có huyện với mã 999."),
        ]
        for args, message in cases:
            with self.subTest(args=args), self.assertRaisesMessage(CommandError, message):
                self.render(*args)
