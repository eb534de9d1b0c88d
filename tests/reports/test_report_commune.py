from django.test import Client
from django.urls import reverse

from communes.models import Village
from criteria.models import CriteriaSet, Criterion, Indicator, Score
from tests.base import AssessmentTestCase
from tests.reports.documents import (
    first_page_png,
    is_landscape,
    pdf_pages,
    pdf_text,
    sheet_rows,
    table_rows,
    workbook,
)

UNMET = dict.fromkeys(("2.1", "2.2", "11", "13.2", "17.5"), Score.Status.NOT_MET)


class CommuneReportTests(AssessmentTestCase):
    """Dân Lý: 15/19 criteria, 52/57 indicators; Thôn Nhất scored against a village set."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.score_all(cls.commune_a, 2024, exceptions=UNMET)
        Score.objects.filter(commune=cls.commune_a, indicator=cls.indicators["3.1"]).update(
            value_number=85.5, verification=Score.Verification.VERIFIED
        )
        cls.assign_owner(Criterion.objects.get(criteria_set=cls.ntm, number=2), cls.department)
        cls.village_set = CriteriaSet.objects.create(
            code="TH-THON-NTM", name="Bộ tiêu chí thôn nông thôn mới", level=CriteriaSet.Level.VILLAGE
        )
        for number, name in ((1, "Giao thông thôn"), (2, "Nhà văn hóa thôn")):
            criterion = Criterion.objects.create(criteria_set=cls.village_set, number=number, name=name)
            Indicator.objects.create(criterion=criterion, code=f"T{number}", text=name)
        for indicator, status in zip(
            Indicator.objects.filter(criterion__criteria_set=cls.village_set).order_by("code"),
            (Score.Status.MET, Score.Status.NOT_MET),
            strict=True,
        ):
            Score.objects.create(
                indicator=indicator, commune=cls.commune_a, village=cls.village_a, year=2024, status=status
            )
        client = Client()
        client.force_login(cls.official_a)
        cls.pdf = client.get(
            reverse("reports:commune_pdf", args=[cls.commune_a.code]), {"set": cls.ntm.code, "year": 2024}
        ).content
        cls.text = pdf_text(cls.pdf)
        cls.rows = pdf_text(cls.pdf, layout=True)

    def fetch(self, name="reports:commune_pdf", commune=None, **params):
        url = reverse(name, args=[(commune or self.commune_a).code])
        return self.client.get(url, {"set": self.ntm.code, "year": 2024, **params})

    def get(self, user, name="reports:commune_pdf", commune=None, **params):
        self.client.force_login(user)
        return self.fetch(name, commune, **params)

    def test_it_prints_the_counts(self):
        self.assertIn("Tiêu chí đạt Chỉ tiêu đạt Năm đăng ký về đích Tình trạng 15/19 52/57", self.text)

    def test_it_groups_the_unmet_indicators_by_criterion_with_their_department(self):
        self.assertIn("Tiêu chí 2. Giao thông 2.1", self.text)
        # No target is shipped for 2.1 (none was found in a source): a dash says so.
        self.assertIn("quanh năm Chưa đạt / — Phòng Kinh tế và Hạ tầng", self.text)
        self.assertIn("Mã chỉ tiêu chưa đạt: 2.1, 2.2, 11, 13.2, 17.5.", self.text)

    def test_it_shows_every_indicator_with_value_target_status_and_verification(self):
        self.assertIn("3.1 Tỷ lệ diện tích đất sản xuất nông nghiệp 85,5 % ≥80% Đạt Đã thẩm tra,", self.rows)
        self.assertIn("1.1 Có quy hoạch chung xây dựng xã", self.rows)

    def test_unchecked_texts_get_one_note_under_the_title_and_no_mark_on_any_row(self):
        note = "Một số nội dung, mức đạt chuẩn của bộ tiêu chí chưa được đối chiếu với văn bản gốc"
        self.assertEqual(self.text.count(note), 1)
        self.assertLess(self.text.index(note), self.text.index("I. Kết quả chung"))
        self.assertNotIn("(*)", self.text)

    def test_it_shows_the_villages_of_a_village_set(self):
        self.assertIn("IV. Kết quả của các thôn Bộ tiêu chí thôn nông thôn mới", self.text)
        self.assertIn("1 Thôn Nhất 1/2 1/2 2", self.rows)

    def test_it_is_a4_portrait_with_the_header(self):
        pages = pdf_pages(self.pdf)
        self.assertFalse(any(is_landscape(page) for page in pages))
        self.assertEqual(round(pages[0].mediabox.height), 842)
        self.assertIn("UBND HUYỆN TRIỆU SƠN", self.text)
        self.assertIn("Kết quả thực hiện Bộ tiêu chí nông thôn mới của xã Dân Lý năm 2024", self.text)
        # Nghị định 30/2020: page numbers centred at the top, from page 2.
        self.assertTrue(pdf_text(self.pdf, page=1).startswith("UBND"))
        self.assertTrue(pdf_text(self.pdf, page=2).startswith("2 "))

    def test_it_renders_the_first_page_for_a_person_to_look_at(self):
        self.assertGreater(first_page_png(self.pdf, "commune").stat().st_size, 10_000)

    def test_excel_has_every_indicator_and_the_unmet_list(self):
        book = workbook(self.get(self.leader, "reports:commune_xlsx").content)
        results = sheet_rows(book["Kết quả"])
        self.assertEqual(results[2][0], f"Số liệu tính đến ngày {results[2][0][-10:]}")
        indicator_rows = {row[1]: row for row in results if row[1] in self.indicators}
        self.assertEqual(len(indicator_rows), 57)
        self.assertEqual(indicator_rows["3.1"][3:8], (85.5, "%", "≥80%", "Đạt", "Đã thẩm tra, xác nhận"))
        unmet = [row[1] for row in table_rows(book["Chỉ tiêu chưa đạt"])[1] if row[1]]
        self.assertEqual(unmet, ["2.1", "2.2", "11", "13.2", "17.5"])
        self.assertEqual(sheet_rows(book["Thôn TH-THON-NTM"])[-1], (1, "Thôn Nhất", 1, 1, "2"))

    def test_the_preview_shows_the_report(self):
        response = self.get(self.official_a, "reports:commune")
        self.assertContains(response, "Kết quả thực hiện Bộ tiêu chí nông thôn mới của xã Dân Lý năm 2024")
        self.assertContains(response, f'href="{reverse("reports:commune_pdf", args=[self.commune_a.code])}?')

    def test_it_requires_login(self):
        url = reverse("reports:commune_pdf", args=[self.commune_a.code])
        self.assertRedirects(self.client.get(url), f"{reverse('login')}?next={url}")

    def test_another_communes_official_gets_404(self):
        for name in ("reports:commune", "reports:commune_pdf", "reports:commune_xlsx"):
            with self.subTest(name):
                self.assertEqual(self.get(self.official_b, name).status_code, 404)

    def test_a_user_without_communes_gets_404(self):
        self.assertEqual(self.get(self.nobody).status_code, 404)

    def test_an_unknown_commune_is_404(self):
        self.client.force_login(self.leader)
        response = self.client.get(reverse("reports:commune_pdf", args=["99999"]))
        self.assertEqual(response.status_code, 404)

    def test_the_leader_department_and_coordinator_read_the_same_report(self):
        for user in (self.leader, self.department_officer, self.coordinator):
            with self.subTest(user.username):
                self.assertEqual(pdf_text(self.get(user).content), self.text)

    def test_query_count_does_not_grow_with_villages(self):
        # session, user, commune, memberships, the set (filter), criteria, indicators, targets,
        # the set's region rules and amendments, scores, registrations, recognitions,
        # villages, village sets in use, and the village set's criteria, indicators,
        # targets, region rules, amendments and scores; the owners in its district; the
        # preview also reads the signature block
        self.client.force_login(self.coordinator)
        with self.assertNumQueries(22):
            self.fetch("reports:commune_xlsx")
        for n in range(2, 12):
            village = Village.objects.create(commune=self.commune_a, code=f"T{n:02d}", name=f"Thôn {n}")
            for indicator in Indicator.objects.filter(criterion__criteria_set=self.village_set):
                Score.objects.create(
                    indicator=indicator, commune=self.commune_a, village=village, year=2024, status="met"
                )
        with self.assertNumQueries(22):
            self.fetch("reports:commune_xlsx")
        with self.assertNumQueries(23):
            self.assertEqual(self.fetch().status_code, 200)
