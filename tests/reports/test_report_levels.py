"""Reports at the levels a province or the country is read at: a province's report with
one annex per group of communes, a group's report alone, and a report over several
provinces summarised by province."""

import datetime
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from communes.models import Commune, CommuneGroup, District, Membership, Province
from criteria.models import Recognition, Registration, Score
from reports.models import ReportSnapshot
from reports.views import COMMUNE_LINKS_PER_PAGE
from tests.base import AssessmentTestCase
from tests.reports.documents import pdf_pages, pdf_text, sheet_rows, table_rows, workbook

Role = Membership.Role
NOT_MET = Score.Status.NOT_MET
# Dân Lý misses criteria 2, 11, 13 and 17: 15/19.
UNMET_4 = dict.fromkeys(("2.1", "2.2", "11", "13.2", "17.5"), NOT_MET)


class LevelsTestCase(AssessmentTestCase):
    """Thanh Hóa: three former districts and a commune under the province directly.

    - Triệu Sơn: Dân Lý 15/19 (registered for 2024, at risk), Dân Lực 19/19, Thọ Dân not assessed;
    - Nông Cống: Tế Lợi 18/19, Minh Nghĩa 19/19 (recognised);
    - Như Thanh: Hải Long 12/19, Xuân Du 19/19;
    - Nhóm 2 (no district): Xã Mới 19/19.

    Nghệ An: Diễn Châu with Diễn Kim 19/19 and Diễn Hải 0/19.
    """

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        province, district = cls.province, cls.district
        nong_cong = District.objects.create(code="393", name="Nông Cống", province=province)
        nhu_thanh = District.objects.create(code="394", name="Như Thanh", province=province)
        cls.nghe_an = Province.objects.create(code="40", name="Nghệ An")
        dien_chau = District.objects.create(code="434", name="Diễn Châu", province=cls.nghe_an)

        cls.tho_dan = Commune.objects.create(
            code="15931", name="Thọ Dân", province=province, district=district
        )
        cls.te_loi = Commune.objects.create(
            code="15940", name="Tế Lợi", province=province, district=nong_cong
        )
        cls.minh_nghia = Commune.objects.create(
            code="15941", name="Minh Nghĩa", province=province, district=nong_cong
        )
        cls.hai_long = Commune.objects.create(
            code="15950", name="Hải Long", province=province, district=nhu_thanh
        )
        cls.xuan_du = Commune.objects.create(
            code="15951", name="Xuân Du", province=province, district=nhu_thanh
        )
        cls.xa_moi = Commune.objects.create(
            code="16000", name="Xã Mới", province=province, commune_group=CommuneGroup.GROUP_2
        )
        cls.dien_kim = Commune.objects.create(
            code="17000", name="Diễn Kim", province=cls.nghe_an, district=dien_chau
        )
        cls.dien_hai = Commune.objects.create(
            code="17001", name="Diễn Hải", province=cls.nghe_an, district=dien_chau
        )
        first_seven = {code: NOT_MET for code, i in cls.indicators.items() if i.criterion.number <= 7}
        cls.score_all(cls.commune_a, 2024, exceptions=UNMET_4)
        cls.score_all(cls.te_loi, 2024, exceptions={"11": NOT_MET})
        cls.score_all(cls.hai_long, 2024, exceptions=first_seven)
        cls.score_all(cls.dien_hai, 2024, status=NOT_MET)
        for met in (cls.commune_b, cls.minh_nghia, cls.xuan_du, cls.xa_moi, cls.dien_kim):
            cls.score_all(met, 2024)
        Registration.objects.create(
            commune=cls.commune_a,
            criteria_set=cls.ntm,
            target_year=2024,
            registered_on=datetime.date(2023, 12, 1),
        )
        Recognition.objects.create(
            commune=cls.minh_nghia,
            criteria_set=cls.ntm,
            decision_number="99/QĐ-UBND",
            decided_on=datetime.date(2024, 3, 1),
            signer="Chủ tịch UBND tỉnh",
        )
        cls.province_coordinator = cls.make_user("tinh", Role.COORDINATOR, province=province)
        cls.province_leader = cls.make_user("lanhdao_tinh", Role.LEADER, province=province)
        cls.national_leader = cls.make_user("lanhdao_hai_tinh", Role.LEADER, province=province)
        Membership.objects.create(user=cls.national_leader, role=Role.LEADER, province=cls.nghe_an)

    def fetch(self, name="reports:district_pdf", **params):
        return self.client.get(reverse(name), {"set": self.ntm.code, "year": 2024, **params})

    def get(self, user, name="reports:district_pdf", **params):
        self.client.force_login(user)
        return self.fetch(name, **params)

    @classmethod
    def render(cls, user, name="reports:district_pdf", **params) -> bytes:
        client = Client()
        client.force_login(user)
        response = client.get(reverse(name), {"set": cls.ntm.code, "year": 2024, **params})
        assert response.status_code == 200, response.status_code
        return response.content


class ProvinceReportTests(LevelsTestCase):
    """The province coordinator's report: the province's totals, a row per group, and an
    annex per group with that group's communes."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.pdf = cls.render(cls.province_coordinator)
        cls.text = pdf_text(cls.pdf)

    def test_it_speaks_for_the_province(self):
        for line in (
            "UBND TỈNH THANH HÓA",
            "Thanh Hóa, ngày",
            "BÁO CÁO Tiến độ xây dựng xã nông thôn mới năm 2024",
        ):
            with self.subTest(line):
                self.assertIn(line, self.text)
        self.assertNotIn("UBND HUYỆN", self.text)

    def test_it_sums_up_the_province(self):
        # 7 communes assessed (Thọ Dân not yet), 121/7 = 17,3 criteria on average; 4 with 19,
        # 2 in 15–18, 1 in 10–14, none below; 1 recognised, 1 registered for 2024, at risk.
        self.assertIn("(1 xã chưa có số liệu)", self.text)
        self.assertIn("17,3 4 2 1 0 1 1 1", pdf_text(self.pdf, layout=True))
        self.assertIn("bình quân 17,3 tiêu chí/xã", self.text)

    def test_it_has_a_row_per_group_with_its_numbers(self):
        # TT, group, communes, assessed, average, 4 bands, met the whole set, registered,
        # at risk, recognised.
        table = pdf_text(self.pdf, layout=True)
        for row in (
            "1 Nhóm 2 1 1 19,0 1 0 0 0 1 0 0 0",
            "2 Như Thanh 2 2 15,5 1 0 1 0 1 0 0 0",
            "3 Nông Cống 2 2 18,5 1 1 0 0 1 0 0 1",
            "4 Triệu Sơn 3 2 17,0 1 1 0 0 1 1 1 0",
            "Tổng cộng 8 7 17,3 4 2 1 0 4 1 1 1",
        ):
            with self.subTest(row):
                self.assertIn(row, table)

    def test_each_group_has_an_annex_on_pages_of_its_own(self):
        annexes = {
            "Phụ lục 1: Nhóm 2": ["Xã Mới 19/19"],
            "Phụ lục 2: Huyện Như Thanh cũ": ["Hải Long 12/19", "Xuân Du 19/19"],
            "Phụ lục 3: Huyện Nông Cống cũ": ["Minh Nghĩa 19/19", "Tế Lợi 18/19"],
            "Phụ lục 4: Huyện Triệu Sơn cũ": ["Dân Lực 19/19", "Dân Lý 15/19", "Thọ Dân — — chưa có số liệu"],
        }
        pages = [pdf_text(self.pdf, page=n, layout=True) for n in range(1, len(pdf_pages(self.pdf)) + 1)]
        for title, communes in annexes.items():
            with self.subTest(title):
                (page,) = [page for page in pages if title in page]
                # The annex starts its page, under the page number.
                self.assertRegex(page, rf"^\d+ {title} Tiến độ xây dựng xã")
                for commune in communes:
                    self.assertIn(commune, page)
                others = {c for t, cs in annexes.items() if t != title for c in cs}
                for commune in others:
                    self.assertNotIn(commune, page)

    def test_the_leader_gets_the_same_report(self):
        text = pdf_text(self.render(self.province_leader))
        self.assertIn("Phụ lục 4: Huyện Triệu Sơn cũ", text)
        self.assertIn("Tổng cộng 8 7 17,3", text)

    def test_the_workbook_has_a_summary_and_a_sheet_per_annex(self):
        book = workbook(self.render(self.province_coordinator, "reports:district_xlsx"))
        self.assertEqual(
            book.sheetnames,
            [
                "Tổng hợp",
                "Theo nhóm xã",
                "Theo tiêu chí",
                "PL1 Nhóm 2",
                "PL2 Như Thanh",
                "PL3 Nông Cống",
                "PL4 Triệu Sơn",
            ],
        )
        totals = dict(table_rows(book["Tổng hợp"])[1])
        self.assertEqual(totals["Bình quân tiêu chí/xã"], 17.3)
        self.assertEqual(totals["Số xã đã được công nhận"], 1)
        header, groups = table_rows(book["Theo nhóm xã"])
        self.assertEqual(header[:5], ("TT", "Nhóm xã", "Số xã", "Số xã đã đánh giá", "Bình quân tiêu chí/xã"))
        self.assertEqual(groups[3], (4, "Triệu Sơn", 3, 2, 17.0, 1, 1, 0, 0, 1, 1, 1, 0))
        self.assertEqual(groups[4], (None, "Tổng cộng", 8, 7, 17.3, 4, 2, 1, 0, 4, 1, 1, 1))
        annex = book["PL4 Triệu Sơn"]
        self.assertEqual(sheet_rows(annex)[1][0], "Phụ lục 4: Huyện Triệu Sơn cũ")
        self.assertEqual(
            [(row[2], row[3]) for row in table_rows(annex)[1] if isinstance(row[0], int)],
            [("Dân Lực", 19), ("Dân Lý", 15), ("Thọ Dân", None)],
        )
        criterion_2 = next(row for row in sheet_rows(book["Theo tiêu chí"]) if row[0] == 2)
        self.assertEqual(criterion_2[2:6], (5, 7, 5 / 7, "Dân Lý, Hải Long"))

    def test_a_district_sized_scope_has_no_annex(self):
        text = pdf_text(self.render(self.coordinator))
        self.assertIn("UBND HUYỆN TRIỆU SƠN", text)
        self.assertIn("II. Kết quả của từng xã", text)
        self.assertNotIn("Phụ lục 1:", text)
        self.assertEqual(
            workbook(self.render(self.coordinator, "reports:district_xlsx")).sheetnames,
            ["Các xã", "Tổng hợp", "Theo tiêu chí"],
        )


class NationalReportTests(LevelsTestCase):
    """A leader of two provinces: the totals, a row per province, the criteria; no commune."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.pdf = cls.render(cls.national_leader)
        cls.text = pdf_text(cls.pdf)
        cls.layout = pdf_text(cls.pdf, layout=True)

    def test_it_has_a_row_per_province_and_the_total(self):
        self.assertIn("Tiến độ xây dựng xã nông thôn mới năm 2024, tổng hợp theo tỉnh", self.text)
        self.assertIn("II. Kết quả của từng tỉnh", self.text)
        # Nghệ An: 19 and 0 criteria; the whole: 140/9 = 15,6.
        for row in (
            "1 Nghệ An 2 2 9,5 1 0 0 1 1 0 0 0",
            "2 Thanh Hóa 8 7 17,3 4 2 1 0 4 1 1 1",
            "Tổng cộng 10 9 15,6 5 2 1 1 5 1 1 1",
        ):
            with self.subTest(row):
                self.assertIn(row, self.layout)

    def test_it_counts_the_communes_missing_each_criterion(self):
        # Criterion 2: Dân Lý, Hải Long and Diễn Hải miss it.
        self.assertIn("2 Giao thông 6/9 67% 3", self.text)
        self.assertIn("Số xã chưa đạt", self.text)

    def test_it_names_no_commune(self):
        for commune in ("Dân Lý", "Dân Lực", "Thọ Dân", "Tế Lợi", "Xã Mới", "Diễn Kim", "Diễn Hải"):
            with self.subTest(commune):
                self.assertNotIn(commune, self.text)
        self.assertNotIn("Kết quả của từng xã", self.text)
        self.assertNotIn("Biểu đồ số tiêu chí đạt của từng xã", self.text)

    def test_the_workbook_has_a_row_per_province(self):
        book = workbook(self.render(self.national_leader, "reports:district_xlsx"))
        self.assertEqual(book.sheetnames, ["Tổng hợp", "Theo tỉnh", "Theo tiêu chí"])
        header, provinces = table_rows(book["Theo tỉnh"])
        self.assertEqual(header[1], "Tỉnh, thành phố")
        self.assertEqual(
            provinces,
            [
                (1, "Nghệ An", 2, 2, 9.5, 1, 0, 0, 1, 1, 0, 0, 0),
                (2, "Thanh Hóa", 8, 7, 17.3, 4, 2, 1, 0, 4, 1, 1, 1),
                (None, "Tổng cộng", 10, 9, 15.6, 5, 2, 1, 1, 5, 1, 1, 1),
            ],
        )
        header, criteria = table_rows(book["Theo tiêu chí"])
        self.assertEqual(header[5], "Số xã chưa đạt")
        self.assertEqual(criteria[1][:6], (2, "Giao thông", 6, 9, 6 / 9, 3))
        cells = {cell for sheet in book for row in sheet_rows(sheet) for cell in row}
        self.assertNotIn("Dân Lý", cells)

    def test_the_preview_links_each_province_to_its_report(self):
        response = self.get(self.national_leader, "reports:district")
        query = f"set={self.ntm.code}&amp;year=2024"
        self.assertContains(
            response, f'<a href="{reverse("reports:district")}?{query}&amp;province=38">Thanh Hóa</a>'
        )
        self.assertContains(
            response, f'<a href="{reverse("reports:district")}?{query}&amp;province=40">Nghệ An</a>'
        )

    def test_a_superuser_gets_the_national_report(self):
        response = self.get(self.admin, "reports:district")
        self.assertEqual([line.name for line in response.context["report"].levels], ["Nghệ An", "Thanh Hóa"])

    def test_query_count_does_not_grow_with_communes(self):
        # session, user, the sets (the filter's check and the preview's options: one
        # list), memberships, communes, criteria, indicators, targets, the set's region
        # rules and amendments, scores, registrations, recognitions; the PDF reads the
        # signature block of no unit (none: several provinces).
        self.client.force_login(self.national_leader)
        counts = {}
        for name in ("reports:district", "reports:district_pdf", "reports:district_xlsx"):
            with self.assertNumQueries(13) as context:
                self.fetch(name)
            counts[name] = len(context.captured_queries)
        for n in range(30):
            commune = Commune.objects.create(code=f"9{n:04d}", name=f"Xã {n}", province=self.nghe_an)
            self.score_all(commune, 2024)
        for name, count in counts.items():
            with self.subTest(name), self.assertNumQueries(count):
                self.assertEqual(self.fetch(name).status_code, 200)


class NarrowedReportTests(LevelsTestCase):
    """`?province=` and `?group=` narrow a report within the scope, never beyond it."""

    def test_a_group_alone(self):
        pdf = self.render(self.province_coordinator, group="huyen-393")
        text = pdf_text(pdf)
        # The province issues it: districts are gone since 01/7/2025.
        self.assertIn("UBND TỈNH THANH HÓA", text)
        self.assertIn("Tiến độ xây dựng xã nông thôn mới năm 2024 của các xã thuộc huyện Nông Cống cũ", text)
        self.assertIn("Minh Nghĩa 19/19", text)
        self.assertIn("Tế Lợi 18/19", text)
        for other in ("Dân Lý", "Hải Long", "Xã Mới"):
            self.assertNotIn(other, text)
        self.assertNotIn("Phụ lục 1:", text)

    def test_a_group_alone_in_the_workbook_and_its_file_name(self):
        response = self.get(self.province_coordinator, "reports:district_xlsx", group="huyen-393")
        self.assertIn("-huyen-393.xlsx", response["Content-Disposition"])
        rows = table_rows(workbook(response.content)["Các xã"])[1]
        self.assertEqual([row[2] for row in rows if isinstance(row[0], int)], ["Minh Nghĩa", "Tế Lợi"])

    def test_a_province_of_several(self):
        response = self.get(self.national_leader, "reports:district", province="38")
        report = response.context["report"]
        self.assertEqual(
            [line.name for line in report.levels], ["Nhóm 2", "Như Thanh", "Nông Cống", "Triệu Sơn"]
        )
        self.assertEqual(report.letterhead.place, "Thanh Hóa")
        # The province's groups link to their own reports, keeping the province.
        self.assertContains(response, "year=2024&amp;province=38&amp;group=huyen-392")
        text = pdf_text(self.render(self.national_leader, province="38"))
        self.assertIn("Phụ lục 4: Huyện Triệu Sơn cũ", text)
        self.assertNotIn("Nghệ An", text)

    def test_a_group_of_a_province_of_several(self):
        report = self.get(self.national_leader, "reports:district", province="38", group="nhom-2").context[
            "report"
        ]
        self.assertEqual(report.communes, [self.xa_moi])
        self.assertEqual(report.parameters["group"], "nhom-2")
        # Asked without its province, a former district is still found, and its province
        # issues the report.
        text = pdf_text(self.render(self.national_leader, group="huyen-393"))
        self.assertIn("UBND TỈNH THANH HÓA", text)
        self.assertIn("của các xã thuộc huyện Nông Cống cũ", text)

    def test_an_unknown_key_says_so_and_shows_the_whole_report(self):
        for params, message, levels in (
            ({"group": "huyen-999"}, "Không có nhóm xã này trong phạm vi theo dõi", 4),
            ({"province": "99"}, "Không có tỉnh này trong phạm vi theo dõi", 4),
        ):
            with self.subTest(params):
                response = self.get(self.province_coordinator, "reports:district", **params)
                self.assertContains(response, message)
                self.assertEqual(len(response.context["report"].levels), levels)
                self.assertNotIn("group", response.context["report"].parameters)
                self.assertIn("Phụ lục 4:", pdf_text(self.render(self.province_coordinator, **params)))

    def test_a_group_never_widens_the_scope(self):
        # Dân Lý's official asks for Nông Cống's group, or for the other province.
        for params in ({"group": "huyen-393"}, {"province": "40"}):
            with self.subTest(params):
                text = pdf_text(self.render(self.official_a, **params), layout=True)
                self.assertIn("Dân Lý 15/19", text)
                for other in ("Tế Lợi", "Minh Nghĩa", "Diễn Kim", "Dân Lực"):
                    self.assertNotIn(other, text)
        # The district coordinator asks for a group of the province outside its district.
        response = self.get(self.coordinator, "reports:district", group="huyen-393")
        self.assertContains(response, "Không có nhóm xã này trong phạm vi theo dõi")
        self.assertEqual(
            {c.name for c in response.context["report"].communes}, {"Dân Lý", "Dân Lực", "Thọ Dân"}
        )

    def test_access(self):
        url = reverse("reports:district_pdf")
        response = self.client.get(url, {"group": "huyen-393"})
        self.assertRedirects(response, f"{reverse('login')}?next={url}%3Fgroup%3Dhuyen-393")
        for name in ("reports:district_pdf", "reports:district_xlsx"):
            with self.subTest(name):
                self.assertEqual(self.get(self.nobody, name, group="huyen-393").status_code, 404)
        self.assertContains(
            self.get(self.nobody, "reports:district", group="huyen-393"), "chưa được phân quyền"
        )

    def test_the_read_only_leader_reads_a_group_and_files_it_for_a_meeting(self):
        self.client.force_login(self.province_leader)
        url = reverse("reports:district_snapshot")
        query = f"?set={self.ntm.code}&year=2024&group=huyen-393"
        response = self.client.post(url + query, {"meeting_date": "2024-05-02", "title": "Họp tỉnh"})
        self.assertEqual(response.status_code, 302)
        snapshot = ReportSnapshot.objects.get()
        self.assertEqual(snapshot.parameters["group"], "huyen-393")
        self.assertEqual(set(snapshot.communes.all()), {self.te_loi, self.minh_nghia})
        # A commune official may not file one.
        self.client.force_login(self.official_a)
        self.assertEqual(self.client.post(url + query, {"meeting_date": "2024-05-02"}).status_code, 403)


class ReportIndexLevelsTests(LevelsTestCase):
    """The reports index offers the levels of the user's scope: a report per province, or
    per group of the province, beside the province's own."""

    url = reverse("reports:index")

    def index(self, user, **params):
        self.client.force_login(user)
        return self.client.get(self.url, {"set": self.ntm.code, "year": 2024, **params})

    def test_a_province_is_offered_its_report_and_one_per_group(self):
        response = self.index(self.province_coordinator)
        query = f"set={self.ntm.code}&amp;year=2024"
        self.assertContains(response, f'href="{reverse("reports:district")}?{query}"')
        self.assertEqual(
            response.context["groups"],
            [
                ("nhom-2", "Nhóm 2"),
                ("huyen-394", "Như Thanh"),
                ("huyen-393", "Nông Cống"),
                ("huyen-392", "Triệu Sơn"),
            ],
        )
        self.assertContains(
            response, f'<a href="{reverse("reports:district")}?{query}&amp;group=huyen-393">Nông Cống</a>'
        )
        self.assertContains(response, f'href="{reverse("reports:district_pdf")}?{query}&amp;group=nhom-2"')
        self.assertEqual(response.context["provinces"], [])

    def test_several_provinces_are_offered_one_report_each(self):
        response = self.index(self.national_leader)
        self.assertEqual(response.context["provinces"], [("40", "Nghệ An"), ("38", "Thanh Hóa")])
        self.assertEqual(response.context["groups"], [])
        query = f"set={self.ntm.code}&amp;year=2024"
        self.assertContains(
            response, f'<a href="{reverse("reports:district")}?{query}&amp;province=40">Nghệ An</a>'
        )

    def test_a_district_and_a_commune_get_no_level_links(self):
        for user in (self.coordinator, self.official_a):
            with self.subTest(user.username):
                response = self.index(user)
                self.assertEqual((response.context["provinces"], response.context["groups"]), ([], []))
                self.assertNotContains(response, "group=")

    def test_the_commune_links_are_searchable(self):
        response = self.index(self.national_leader, q="dien")
        self.assertEqual([c.name for c in response.context["communes"]], ["Diễn Hải", "Diễn Kim"])
        response = self.index(self.official_a, q="te loi")
        self.assertEqual(list(response.context["communes"]), [])
        self.assertContains(response, "Không tìm thấy xã nào.")

    def test_its_cost_does_not_grow_with_the_communes_or_the_groups(self):
        # session, user, the sets (the one asked for and the choices: one list),
        # memberships, count and page of communes; the units of the scope, then the names
        # of their provinces and of their former districts; the provinces whose signature
        # block the coordinator keeps, snapshots
        self.client.force_login(self.province_coordinator)
        query = {"set": self.ntm.code, "year": 2024}
        with self.assertNumQueries(11):
            self.client.get(self.url, query)
        for number in range(10):
            district = District.objects.create(
                code=f"9{number}", name=f"Huyện {number}", province=self.province
            )
            Commune.objects.bulk_create(
                Commune(
                    code=f"9{number}{n:03d}",
                    name=f"Xã {number}-{n:02d}",
                    province=self.province,
                    district=district,
                )
                for n in range(15)
            )
        with self.assertNumQueries(11):
            response = self.client.get(self.url, {**query, "page": 2})
        self.assertEqual(len(response.context["groups"]), 14)
        self.assertContains(
            response,
            f'href="{reverse("reports:district_pdf")}?set={self.ntm.code}&amp;year=2024&amp;group=huyen-97"',
        )
        self.assertEqual(len(response.context["communes"]), 158 - COMMUNE_LINKS_PER_PAGE)
        self.assertContains(response, f"?set={self.ntm.code}&amp;year=2024&amp;page=1")


class RenderCommandLevelsTests(LevelsTestCase):
    def test_the_command_renders_a_province_or_a_group(self):
        with tempfile.TemporaryDirectory() as directory:
            output = Path(directory) / "bao-cao.pdf"
            call_command(
                "render_report", "district", "--set", self.ntm.code, "--year", "2024",
                "--province", "38", "-o", str(output), stdout=StringIO(),
            )  # fmt: skip
            text = pdf_text(output.read_bytes())
            self.assertIn("Phụ lục 4: Huyện Triệu Sơn cũ", text)
            self.assertNotIn("Nghệ An", text)
            output = Path(directory) / "nhom.xlsx"
            call_command(
                "render_report", "district", "--set", self.ntm.code, "--year", "2024",
                "--group", "huyen-393", "-o", str(output), stdout=StringIO(),
            )  # fmt: skip
            rows = table_rows(workbook(output.read_bytes())["Các xã"])[1]
            self.assertEqual([row[2] for row in rows if isinstance(row[0], int)], ["Minh Nghĩa", "Tế Lợi"])

    def test_an_unknown_group_writes_nothing(self):
        with tempfile.TemporaryDirectory() as directory:
            output = Path(directory) / "bao-cao.pdf"
            with self.assertRaisesMessage(CommandError, "Không có nhóm xã này"):
                call_command(
                    "render_report", "district", "--set", self.ntm.code, "--year", "2024",
                    "--group", "huyen-999", "-o", str(output),
                )  # fmt: skip
            self.assertFalse(output.exists())
