import datetime
import re

from django.test import Client
from django.urls import reverse

from communes.models import Commune, Department
from criteria.models import Registration, Score
from dossiers.models import Appraisal, Dossier
from dossiers.services import create_dossier
from tests.base import AssessmentTestCase
from tests.reports.documents import first_page_png, is_landscape, pdf_pages, pdf_text, table_rows, workbook

UNMET = dict.fromkeys(("2.1", "2.2", "11", "13.2", "17.5"), Score.Status.NOT_MET)


class DossierReportTests(AssessmentTestCase):
    """Dân Lý aims for 2024: its dossier went to 3 provincial departments, 2 inspected.
    Dân Lực has no dossier."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.score_all(cls.commune_a, 2024, exceptions=UNMET)
        cls.score_all(cls.commune_b, 2024)
        Registration.objects.create(
            commune=cls.commune_a,
            criteria_set=cls.ntm,
            target_year=2024,
            registered_on=datetime.date(2023, 12, 1),
        )
        cls.dossier = create_dossier(
            commune=cls.commune_a, criteria_set=cls.ntm, year=2024, user=cls.coordinator
        )
        Dossier.objects.filter(pk=cls.dossier.pk).update(status=Dossier.Status.SENT)
        for n in range(3):
            department = Department.objects.create(
                name=f"Sở {n}", short_name=f"S{n}", level=Department.Level.PROVINCE, province=cls.province
            )
            Appraisal.objects.create(
                dossier=cls.dossier,
                department=department,
                sent_on=datetime.date(2024, 10, 1),
                inspected_on=datetime.date(2024, 10, 9) if n else None,
                recorded_by=cls.coordinator,
            )
        client = Client()
        client.force_login(cls.leader)
        cls.pdf = client.get(reverse("reports:dossiers_pdf"), {"set": cls.ntm.code, "year": 2024}).content
        cls.text = pdf_text(cls.pdf)
        cls.rows = pdf_text(cls.pdf, layout=True)

    def fetch(self, name="reports:dossiers_pdf", **params):
        return self.client.get(reverse(name), {"set": self.ntm.code, "year": 2024, **params})

    def get(self, user, name="reports:dossiers_pdf", **params):
        self.client.force_login(user)
        return self.fetch(name, **params)

    def test_one_row_per_commune_with_files_sent_and_inspected(self):
        self.assertIn("1 Dân Lý 2024 15/19 0/19 Còn thiếu 3/3 2 Đã gửi tỉnh thẩm định", self.rows)

    def test_a_commune_without_a_dossier_says_so(self):
        self.assertIn("1 Dân Lực — 19/19 — — — — Chưa lập hồ sơ", self.rows)

    def test_communes_aiming_for_this_year_come_first(self):
        self.assertLess(
            self.text.index("I. Các xã đăng ký về đích năm 2024 1 Dân Lý"),
            self.text.index("II. Các xã khác"),
        )

    def test_it_names_the_incomplete_criteria_files(self):
        self.assertIn("Đã gửi tỉnh thẩm định 1, 2, 3", self.rows)

    def test_it_is_landscape_with_the_header_and_current_date(self):
        pages = pdf_pages(self.pdf)
        self.assertTrue(all(is_landscape(page) for page in pages))
        self.assertIn(
            "BIỂU TỔNG HỢP Tiến độ hoàn thiện hồ sơ, thẩm định xét công nhận xã đạt chuẩn", self.text
        )
        self.assertTrue(pdf_text(self.pdf, page=1).startswith("UBND"))

    def test_it_shows_current_data_whatever_as_of_says(self):
        response = self.get(self.leader, as_of="2024-04-30")
        self.assertNotIn("30/04/2024", pdf_text(response.content))

    def test_it_renders_the_first_page_for_a_person_to_look_at(self):
        self.assertGreater(first_page_png(self.pdf, "dossiers").stat().st_size, 10_000)

    def test_excel_has_the_same_numbers(self):
        _header, rows = table_rows(workbook(self.get(self.leader, "reports:dossiers_xlsx").content)["Hồ sơ"])
        self.assertEqual(rows[0][0], "Các xã đăng ký về đích năm 2024")
        self.assertEqual(
            rows[1][2:12], ("Dân Lý", 2024, 15, 0, 19, "Còn thiếu", 3, 3, 2, "Đã gửi tỉnh thẩm định")
        )
        self.assertEqual(rows[2][0], "Các xã khác")
        self.assertEqual(
            rows[3][2:12], ("Dân Lực", None, 19, None, None, None, None, None, None, "Chưa lập hồ sơ")
        )

    def test_it_requires_login(self):
        url = reverse("reports:dossiers_pdf")
        self.assertRedirects(self.client.get(url), f"{reverse('login')}?next={url}")

    def test_a_commune_official_sees_only_their_commune(self):
        text = pdf_text(self.get(self.official_a).content)
        self.assertIn("Dân Lý", text)
        self.assertNotIn("Dân Lực", text)

    def test_a_user_without_communes_gets_no_pdf(self):
        self.assertEqual(self.get(self.nobody).status_code, 404)

    def test_query_count_is_the_same_for_3_and_40_communes(self):
        # session, user, the set (filter), memberships, communes, criteria, indicators,
        # targets, the set's region rules and
        # amendments, scores, registrations, recognitions, dossiers, their items, the items'
        # criteria, their indicators, current documents, appraisals, departments per
        # province, steps taken past a gate; the PDF also reads the signature block
        self.client.force_login(self.coordinator)
        commune = Commune.objects.create(
            code="70000", name="Xã 0", province=self.province, district=self.district
        )
        create_dossier(commune=commune, criteria_set=self.ntm, year=2024, user=self.coordinator)
        with self.assertNumQueries(22):
            self.fetch()
        with self.assertNumQueries(21):
            self.fetch("reports:dossiers_xlsx")
        for n in range(1, 38):
            commune = Commune.objects.create(
                code=f"7{n:04d}", name=f"Xã {n}", province=self.province, district=self.district
            )
            self.score_all(commune, 2024)
            create_dossier(commune=commune, criteria_set=self.ntm, year=2024, user=self.coordinator)
        with self.assertNumQueries(22):
            self.assertEqual(len(re.findall(r"\bXã \d+\b", pdf_text(self.fetch().content))), 38)
        with self.assertNumQueries(21):
            self.fetch("reports:dossiers_xlsx")
