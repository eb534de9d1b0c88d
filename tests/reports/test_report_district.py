import datetime

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from communes.models import Commune
from criteria.models import Criterion, Registration, Score
from tests.base import AssessmentTestCase
from tests.reports.documents import (
    first_page_png,
    is_landscape,
    pdf_fonts,
    pdf_pages,
    pdf_text,
    sheet_rows,
    table_rows,
    workbook,
)

UNMET = dict.fromkeys(("2.1", "2.2", "11", "13.2", "17.5"), Score.Status.NOT_MET)
APRIL = timezone.make_aware(datetime.datetime(2024, 4, 1, 9, 0))


class DistrictReportTests(AssessmentTestCase):
    """Dân Lý: 15/19 criteria, 52/57 indicators, registered for 2024; Dân Lực: all met."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.score_all(cls.commune_a, 2024, exceptions=UNMET)
        cls.score_all(cls.commune_b, 2024)
        Score.history.update(history_date=APRIL)
        Registration.objects.create(
            commune=cls.commune_a,
            criteria_set=cls.ntm,
            target_year=2024,
            registered_on=datetime.date(2023, 12, 1),
        )
        cls.assign_owner(Criterion.objects.get(criteria_set=cls.ntm, number=2), cls.department)
        # One rendering, read by the tests that only look at it.
        client = Client()
        client.force_login(cls.leader)
        cls.pdf = client.get(
            reverse("reports:district_pdf"), {"set": cls.ntm.code, "year": 2024, "as_of": "2024-04-30"}
        ).content
        cls.text = pdf_text(cls.pdf)

    def fetch(self, name="reports:district_pdf", **params):
        return self.client.get(reverse(name), {"set": self.ntm.code, "year": 2024, **params})

    def get(self, user, name="reports:district_pdf", **params):
        self.client.force_login(user)
        return self.fetch(name, **params)

    def test_it_prints_each_communes_criteria_and_indicators(self):
        self.assertIn("Dân Lý 15/19 52/57", self.text)
        self.assertIn("Dân Lực 19/19 57/57", self.text)

    def test_it_lists_the_unmet_criteria_by_number(self):
        self.assertIn("Dân Lý 15/19 52/57 2, 11, 13, 17", self.text)

    def test_it_prints_the_as_of_date_on_every_page(self):
        pages = len(pdf_pages(self.pdf))
        for number in range(1, pages + 1):
            with self.subTest(page=number):
                self.assertIn("Số liệu tính đến ngày 30/04/2024", pdf_text(self.pdf, page=number))

    def test_it_has_the_administrative_header(self):
        for line in (
            "UBND HUYỆN TRIỆU SƠN",
            "BAN CHỈ ĐẠO CÁC CHƯƠNG TRÌNH MTQG",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Triệu Sơn, ngày",
            "BÁO CÁO Tiến độ xây dựng xã nông thôn mới năm 2024",
        ):
            with self.subTest(line):
                self.assertIn(line, self.text)

    def test_it_summarises_the_district(self):
        # 2 communes assessed, 17,0 criteria on average, one with 19, one in 15–18, none
        # recognised, one registered for 2024 and at risk.
        self.assertIn("2 17,0 1 1 0 0 0 1 1", self.text)
        self.assertIn(
            "Các xã đăng ký về đích năm 2024: Dân Lý (15/19); trong đó có nguy cơ không đạt: Dân Lý",
            self.text,
        )

    def test_it_counts_the_communes_meeting_each_criterion(self):
        self.assertIn("2 Giao thông 1/2 50% Dân Lý Phòng Kinh tế và Hạ tầng", self.text)
        self.assertIn("1 Quy hoạch 2/2 100%", self.text)

    def test_the_chart_labels_are_text_in_the_pdf(self):
        self.assertIn("bình quân 17,0 tiêu chí/xã", self.text)

    def test_the_chart_svg_carries_its_font(self):
        response = self.get(self.leader, "reports:district")
        self.assertContains(response, "font-family=\"Tinos, 'Liberation Serif', 'DejaVu Serif', serif\"")

    def test_it_is_a4_landscape_with_page_numbers(self):
        pages = pdf_pages(self.pdf)
        self.assertTrue(all(is_landscape(page) for page in pages))
        self.assertEqual(round(pages[0].mediabox.width), 842)
        # Nghị định 30/2020: centred at the top, from page 2.
        self.assertGreater(len(pages), 1)
        self.assertTrue(pdf_text(self.pdf, page=len(pages)).startswith(f"{len(pages)} "))

    def test_it_embeds_a_times_compatible_font(self):
        self.assertIn("Tinos", " ".join(pdf_fonts(self.pdf)))

    def test_the_table_header_repeats_on_every_page(self):
        for n in range(40):
            Commune.objects.create(
                code=f"8{n:04d}", name=f"Xã Số {n}", province=self.province, district=self.district
            )
        pdf = self.get(self.leader).content
        table_pages = [
            number
            for number in range(1, len(pdf_pages(pdf)) + 1)
            if "Xã Số" in pdf_text(pdf, page=number) and "Số xã đạt" not in pdf_text(pdf, page=number)
        ]
        self.assertGreater(len(table_pages), 1)
        for number in table_pages:
            self.assertIn("Tiêu chí chưa đạt (số thứ tự)", pdf_text(pdf, page=number))

    def test_it_renders_the_first_page_for_a_person_to_look_at(self):
        self.assertGreater(first_page_png(self.pdf, "district").stat().st_size, 10_000)

    def test_it_names_the_file_by_set_year_and_date(self):
        response = self.get(self.leader, as_of="2024-04-30")
        self.assertEqual(
            response["Content-Disposition"],
            'attachment; filename="district-qd318-2022-xa-ntm-2024-20240430.pdf"',
        )

    def test_excel_has_the_same_numbers(self):
        book = workbook(self.get(self.leader, "reports:district_xlsx", as_of="2024-04-30").content)
        rows = sheet_rows(book["Các xã"])
        self.assertEqual(rows[0][0], "BÁO CÁO TIẾN ĐỘ XÂY DỰNG XÃ NÔNG THÔN MỚI NĂM 2024")
        self.assertEqual(rows[2][0], "Số liệu tính đến ngày 30/04/2024")
        self.assertEqual(table_rows(book["Các xã"])[0][3:5], ("Tiêu chí đạt (/19)", "Chỉ tiêu đạt (/57)"))
        dan_ly = next(row for row in rows if row[2] == "Dân Lý")
        self.assertEqual(dan_ly[3:7], (15, 52, "2, 11, 13, 17", 2024))
        totals = dict(table_rows(book["Tổng hợp"])[1])
        self.assertEqual(totals["Bình quân tiêu chí/xã"], 17.0)
        self.assertEqual(totals["Trong đó có nguy cơ không đạt"], 1)
        criterion_2 = next(row for row in sheet_rows(book["Theo tiêu chí"]) if row[0] == 2)
        self.assertEqual(criterion_2[2:6], (1, 2, 0.5, "Dân Lý"))

    def test_the_preview_offers_both_downloads(self):
        response = self.get(self.coordinator, "reports:district")
        query = f"set={self.ntm.code}&amp;year=2024"
        self.assertContains(response, f'href="{reverse("reports:district_pdf")}?{query}"')
        self.assertContains(response, f'href="{reverse("reports:district_xlsx")}?{query}"')
        self.assertContains(response, "Tải PDF")
        self.assertContains(response, "Tải Excel")

    def test_its_numbers_match_the_dashboard(self):
        self.client.force_login(self.leader)
        dashboard = self.client.get(reverse("reports:dashboard"), {"set": self.ntm.code, "year": 2024})
        report = self.fetch("reports:district").context["report"]
        self.assertEqual(report.summary.average_criteria, dashboard.context["summary"].average_criteria)
        self.assertEqual(
            [(r.commune, r.standing.criteria_met, r.standing.indicators_met) for r in report.rows],
            [
                (r.commune, r.standing.criteria_met, r.standing.indicators_met)
                for r in dashboard.context["grid"].rows
            ],
        )

    def test_it_requires_login(self):
        url = reverse("reports:district_pdf")
        self.assertRedirects(self.client.get(url), f"{reverse('login')}?next={url}")

    def test_a_commune_official_gets_only_their_commune(self):
        text = pdf_text(self.get(self.official_b).content)
        self.assertIn("Dân Lực", text)
        self.assertNotIn("Dân Lý", text)

    def test_a_user_without_communes_gets_no_pdf(self):
        self.assertEqual(self.get(self.nobody).status_code, 404)
        self.assertEqual(self.get(self.nobody, "reports:district_xlsx").status_code, 404)
        self.assertContains(self.get(self.nobody, "reports:district"), "chưa được phân quyền")

    def test_query_count_is_the_same_for_3_and_40_communes(self):
        # session, user, the sets (the filter's check and the preview's options: one
        # list), memberships, communes, criteria, indicators, targets, the set's region
        # rules and amendments, scores, registrations, recognitions; the owners of the
        # criteria in the district; the PDF and the preview read the signature block.
        self.client.force_login(self.coordinator)
        Commune.objects.create(code="70000", name="Xã 0", province=self.province, district=self.district)
        with self.assertNumQueries(15):
            self.assertEqual(len(self.fetch("reports:district").context["report"].rows), 3)
        with self.assertNumQueries(15):
            self.fetch()
        with self.assertNumQueries(14):
            self.fetch("reports:district_xlsx")
        for n in range(1, 38):
            commune = Commune.objects.create(
                code=f"7{n:04d}", name=f"Xã {n}", province=self.province, district=self.district
            )
            self.score_all(commune, 2024, exceptions={"5": Score.Status.NOT_MET} if n % 2 else None)
        with self.assertNumQueries(15):
            self.assertEqual(len(self.fetch("reports:district").context["report"].rows), 40)
        with self.assertNumQueries(15):
            self.assertEqual(self.fetch().status_code, 200)
        with self.assertNumQueries(14):
            self.assertEqual(self.fetch("reports:district_xlsx").status_code, 200)


class UnitsApartTests(AssessmentTestCase):
    """A thị trấn in the district has its own programme: the xã NTM grid, counts and
    reports leave it out and list it apart."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.score_all(cls.commune_a, 2024, exceptions=UNMET)
        cls.score_all(cls.commune_b, 2024)
        cls.town = Commune.objects.create(
            code="15955",
            name="Nưa",
            kind=Commune.Kind.TOWNSHIP,
            province=cls.province,
            district=cls.district,
            region=cls.commune_a.region,
        )
        # Scores a mistaken earlier entry left: they must not be counted.
        cls.score_all(cls.town, 2024)

    def setUp(self):
        self.client.force_login(self.leader)
        self.query = {"set": self.ntm.code, "year": 2024}

    def test_the_dashboard_counts_only_the_xa_and_lists_the_town_apart(self):
        response = self.client.get(reverse("reports:dashboard"), self.query)
        self.assertEqual({row.commune.name for row in response.context["grid"].rows}, {"Dân Lý", "Dân Lực"})
        self.assertEqual(response.context["outside"], [self.town])
        self.assertContains(response, "Thị trấn Nưa.")

    def test_the_district_report_prints_two_communes_and_the_town_apart(self):
        text = pdf_text(self.client.get(reverse("reports:district_pdf"), self.query).content)
        self.assertIn("Dân Lý 15/19 52/57", text)
        self.assertNotIn("Nưa 19/19", text)
        self.assertIn("không tính vào số liệu trên: Thị trấn Nưa.", text)
        excel = self.client.get(reverse("reports:district_xlsx"), self.query).content
        rows = [row for sheet in workbook(excel) for row in sheet_rows(sheet)]
        cells = " ".join(str(cell) for row in rows for cell in row)
        self.assertIn("không tính vào số liệu: Thị trấn Nưa.", cells)
        self.assertFalse(any(row and row[0] == "Nưa" for row in rows))

    def test_the_town_gets_no_xa_ntm_report(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("reports:commune_pdf", args=[self.town.code]), self.query)
        self.assertEqual(response.status_code, 404)
        preview = self.client.get(reverse("reports:commune", args=[self.town.code]), self.query)
        self.assertContains(preview, "thị trấn Nưa không thuộc phạm vi")

    def test_a_scores_file_row_for_the_town_is_refused(self):
        from criteria.resources import COLUMNS, import_scores
        from tests.criteria.test_import_scores import xlsx

        row = dict.fromkeys(COLUMNS, "")
        row.update({"Mã xã": self.town.code, "Xã": "Nưa", "Bộ tiêu chí": self.ntm.code, "Mã chỉ tiêu": "1.1",
                    "Năm": "2024", "Kết quả": "Đạt"})  # fmt: skip
        report = import_scores(xlsx([list(row.values())]), user=self.coordinator)
        self.assertEqual(
            [str(error) for error in report.errors],
            ["Dòng 2: Bộ tiêu chí QD318-2022-XA-NTM áp dụng cho xã, không áp dụng cho thị trấn Nưa."],
        )
