import datetime
import re

from django.urls import reverse

from communes.models import Commune, Department
from dossiers.models import Appraisal, Dossier, DossierItem
from dossiers.services import record_appraisal
from dossiers.views import PROGRESS_PER_PAGE
from tests.dossiers.base import DossierTestCase, tiny_pdf

SENT = datetime.date(2024, 10, 1)
POVERTY_DECISION = "Quyết định phê duyệt kết quả rà soát hộ nghèo, hộ cận nghèo"
MARKET_REPORT = "Báo cáo hiện trạng chợ hoặc nơi mua bán, trao đổi hàng hóa"


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


class PagesTestCase(DossierTestCase):
    """Commune A: every file, accepted, sent to 2 of the 3 departments, 1 inspected.
    Commune B: a draft with the files of criteria 7 and 11 only."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dossier_a = cls.accepted_dossier(cls.commune_a)
        for department, inspected_on in ((cls.sgtvt, datetime.date(2024, 10, 9)), (cls.snn, None)):
            record_appraisal(
                dossier=cls.dossier_a,
                department=department,
                user=cls.coordinator,
                sent_on=SENT,
                inspected_on=inspected_on,
                result=Appraisal.Result.PENDING,
                comments="",
                criteria=cls.ntm.criteria.filter(number=2),
            )
        cls.dossier_b = cls.open_dossier(cls.commune_b)
        cls.upload(cls.item(cls.dossier_b, 7), evidence_kind=MARKET_REPORT, user=cls.official_b)
        cls.upload(cls.item(cls.dossier_b, 11), evidence_kind=POVERTY_DECISION, user=cls.official_b)

    @classmethod
    def add_commune_with_dossier(cls, n: int) -> Dossier:
        commune = Commune.objects.create(
            code=f"8{n:04d}", name=f"Xã {n}", province=cls.province, district=cls.district
        )
        dossier = cls.open_dossier(commune)
        behalf = {"user": cls.coordinator, "on_behalf_reason": "Xã chưa có tài khoản"}
        cls.upload(cls.item(dossier, 7), tiny_pdf(f"cho {n}"), evidence_kind=MARKET_REPORT, **behalf)
        cls.upload(cls.general_item(dossier), tiny_pdf(f"to trinh {n}"), **behalf)
        # Rows set directly: the appraisal rules are tested elsewhere, here only their number counts.
        Appraisal.objects.create(
            dossier=dossier, department=cls.sgtvt, sent_on=SENT, recorded_by=cls.coordinator
        )
        return dossier


class ProgressPageTests(PagesTestCase):
    url = reverse("dossiers:progress")

    def setUp(self):
        self.client.force_login(self.coordinator)

    def fetch(self, user=None):
        if user is not None:
            self.client.force_login(user)
        return self.client.get(self.url, {"set": self.ntm.code, "year": 2024})

    def row_text(self, response, commune_name):
        rows = re.findall(r"<tr>.*?</tr>", response.content.decode(), re.S)
        return next(text_of(row) for row in rows if f">{commune_name}<" in row)

    def test_it_lists_one_row_per_commune(self):
        rows = self.fetch().context["rows"]
        # In folded alphabetical order: "dan luc" before "dan ly".
        self.assertEqual([row.commune for row, _progress in rows], [self.commune_b, self.commune_a])

    def test_a_row_shows_files_departments_and_status(self):
        # commune, target year, criteria met, criteria files, general dossier,
        # sent to, inspected, status
        response = self.fetch()
        self.assertEqual(self.row_text(response, "Dân Lý"), "Dân Lý — 19/19 19/19 đủ 2/3 1 đã gửi tỉnh")
        self.assertEqual(self.row_text(response, "Dân Lực"), "Dân Lực — 19/19 2/19 còn thiếu 0/3 0 nháp")

    def test_rows_link_to_the_dossier(self):
        response = self.fetch()
        self.assertContains(response, f'<a href="{self.dossier_a.get_absolute_url()}">Dân Lý</a>', html=True)

    def test_a_commune_without_dossier_says_so(self):
        Commune.objects.create(code="15940", name="Dân Quyền", province=self.province, district=self.district)
        self.assertEqual(self.row_text(self.fetch(), "Dân Quyền"), "Dân Quyền — 0/19 — — — — Chưa lập hồ sơ")

    def test_commune_official_sees_only_own_row(self):
        rows = self.fetch(self.official_b).context["rows"]
        self.assertEqual([row.commune for row, _progress in rows], [self.commune_b])

    def test_a_user_without_membership_sees_no_commune(self):
        response = self.fetch(self.nobody)
        self.assertEqual(response.context["rows"], [])
        self.assertContains(response, "Không có xã nào trong phạm vi theo dõi.")

    def test_it_requires_login(self):
        self.client.logout()
        self.assertRedirects(self.client.get(self.url), f"{reverse('login')}?next={self.url}")

    def test_query_count_is_the_same_for_2_and_12_communes_with_dossiers(self):
        # session, user, memberships, the sets (filter: choices and default, one list), count and page of
        # visible communes, standing: criteria, indicators, targets, the set's region rules and
        # amendments, scores, registrations,
        # recognitions; dossiers, their items, current documents, appraisals (with
        # departments), the set's criteria and their indicators, departments per province
        with self.assertNumQueries(21):
            response = self.fetch()
        self.assertEqual(len(response.context["rows"]), 2)
        for n in range(10):
            self.add_commune_with_dossier(n)
        with self.assertNumQueries(21):
            response = self.fetch()
        self.assertEqual(len(response.context["rows"]), 12)
        self.assertEqual(self.row_text(response, "Xã 9"), "Xã 9 — 0/19 1/19 còn thiếu 1/3 0 nháp")

    def test_a_long_list_is_paged_and_the_next_page_keeps_the_filters(self):
        for n in range(PROGRESS_PER_PAGE):
            Commune.objects.create(
                code=f"9{n:04d}", name=f"Xã {n:02d}", province=self.province, district=self.district
            )
        response = self.fetch()
        self.assertEqual(len(response.context["rows"]), PROGRESS_PER_PAGE)
        self.assertContains(response, f"?set={self.ntm.code}&amp;year=2024&amp;page=2")
        response = self.client.get(self.url, {"set": self.ntm.code, "year": 2024, "page": 2})
        # 52 communes: Dân Lục and Dân Lý come first, Xã 48 and Xã 49 are left for page 2.
        self.assertEqual(
            [row.commune.name for row, _progress in response.context["rows"]], ["Xã 48", "Xã 49"]
        )

    def test_the_status_filter_lists_only_dossiers_in_that_state(self):
        response = self.client.get(self.url, {"set": self.ntm.code, "year": 2024, "status": "draft"})
        self.assertEqual([row.commune for row, _progress in response.context["rows"]], [self.commune_b])


class DossierPageTests(PagesTestCase):
    def setUp(self):
        self.client.force_login(self.official_b)

    def fetch(self, dossier, user=None):
        if user is not None:
            self.client.force_login(user)
        return self.client.get(dossier.get_absolute_url())

    def test_it_shows_completeness_in_words(self):
        response = self.fetch(self.dossier_b)
        self.assertContains(response, "Hồ sơ 2/19 tiêu chí; hồ sơ chung: còn thiếu.")

    def test_a_complete_dossier_says_so(self):
        response = self.fetch(self.dossier_a, self.official_a)
        self.assertContains(response, "Hồ sơ 19/19 tiêu chí; hồ sơ chung: đủ.")

    def test_each_item_lists_the_missing_evidence(self):
        response = self.fetch(self.dossier_b)
        self.assertContains(
            response, "<div>Quyết định phê duyệt quy hoạch chung xây dựng xã</div>", html=True
        )
        self.assertNotContains(response, f"<div>{POVERTY_DECISION}</div>", html=True)

    def test_the_item_page_says_what_is_missing(self):
        self.client.force_login(self.official_b)
        response = self.client.get(self.item_url(self.item(self.dossier_b, 1)))
        required = response.context["progress"].required
        self.assertEqual(len(required), 4)
        self.assertEqual(response.context["progress"].missing, required)
        self.assertContains(response, "còn thiếu", count=4)

    def test_query_count_is_the_same_for_2_and_20_documents(self):
        # session, user, memberships, dossier (with commune and set); progress: the dossier,
        # its items, current documents, appraisals, the set's criteria and their indicators,
        # departments per province; gates: the set's criteria, indicators, targets, region rules and
        # amendments and the commune's scores; the owners in its district; transitions (with actors)
        with self.assertNumQueries(19):
            response = self.fetch(self.dossier_b)
        self.assertEqual(sum(len(p.documents) for p in response.context["progress"].items), 2)
        for n in range(18):
            item = self.item(self.dossier_b, 1 + n % 19)
            self.upload(item, tiny_pdf(f"them {n}"), name=f"them-{n}.pdf", user=self.official_b)
        with self.assertNumQueries(19):
            response = self.fetch(self.dossier_b)
        self.assertEqual(sum(len(p.documents) for p in response.context["progress"].items), 20)


class AppraisalsPageTests(PagesTestCase):
    def add_department(self, n):
        department = Department.objects.create(
            name=f"Sở {n}", short_name=f"S{n}", level=Department.Level.PROVINCE, province=self.province
        )
        record_appraisal(
            dossier=self.dossier_a,
            department=department,
            user=self.coordinator,
            sent_on=SENT,
            inspected_on=None,
            result=Appraisal.Result.PENDING,
            comments="",
            criteria=self.ntm.criteria.filter(number__in=[n % 19 + 1]),
        )

    def test_query_count_is_the_same_for_3_and_17_departments(self):
        # session, user, memberships, dossier, appraisals, their criteria, their documents
        # seen, departments; progress: dossier, items, current documents, appraisals,
        # the items' criteria and their indicators, department totals; the set's criteria,
        # shared by every form; the criteria the province assigned to its departments
        url = reverse("dossiers:appraisals", args=[self.dossier_a.pk])
        self.client.force_login(self.coordinator)
        with self.assertNumQueries(17):
            self.client.get(url)
        for n in range(14):
            self.add_department(n)
        with self.assertNumQueries(17):
            response = self.client.get(url)
        self.assertContains(response, "Đã gửi 16/17 ngành")


class OpenDossierTests(PagesTestCase):
    def open(self, user, year=2025):
        self.client.force_login(user)
        url = reverse("dossiers:dossier_open", args=[self.commune_a.code])
        return self.client.post(url, {"criteria_set": self.ntm.code, "year": year})

    def test_commune_official_opens_a_dossier_with_every_item(self):
        response = self.open(self.official_a)
        dossier = Dossier.objects.get(commune=self.commune_a, year=2025)
        self.assertRedirects(response, dossier.get_absolute_url())
        self.assertEqual(dossier.items.filter(criterion__isnull=False).count(), 19)
        self.assertEqual(
            sorted(dossier.items.exclude(general_kind="").values_list("general_kind", flat=True)),
            sorted(DossierItem.GeneralKind.values),
        )

    def test_opening_again_goes_to_the_existing_dossier(self):
        response = self.open(self.official_a, year=2024)
        self.assertRedirects(response, self.dossier_a.get_absolute_url())
        self.assertEqual(Dossier.objects.filter(commune=self.commune_a).count(), 1)
