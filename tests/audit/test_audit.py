import csv
import datetime
import io
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import reverse

from communes.models import Commune, District, Membership, Region
from communes.resources import import_units
from communes.services import merge_communes
from criteria.models import CriterionOwner, IndicatorTarget, Score
from criteria.services import ScoreEdit, record_scores
from dossiers.models import Document, DossierItem
from dossiers.services import accept_dossier, review_item, submit_dossier, withdraw_document
from ntm.lib.history import record_baseline
from tests.communes.test_import_units import CLASSES_HEADER, THANH_HOA, xlsx
from tests.dossiers.base import YEAR, DossierTestCase
from tests.reports.documents import sheet_rows, workbook

Role = Membership.Role
URL = reverse("audit:list")


class AuditTestCase(DossierTestCase):
    """Dân Lý's dossier submitted and one item reviewed; a score entered in Dân Lý and one in
    Hợp Tiến, a commune of another district with its own coordinator."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Both communes' met scores, which the dossier gates need, and the departments'
        # criteria are where these tests start from, not changes under audit: each test
        # counts the changes it makes.
        Score.history.all().delete()
        CriterionOwner.history.all().delete()
        other = District.objects.create(code="393", name="Nông Cống", province=cls.province)
        cls.commune_c = Commune.objects.create(
            code="16000", name="Hợp Tiến", province=cls.province, district=other, region=Region.BTB
        )
        cls.other_coordinator = cls.make_user("dieuphoi_nc", Role.COORDINATOR, district=other)
        Commune.history.all().delete()
        cls.dossier = cls.open_dossier(cls.commune_a)
        cls.fill(cls.dossier, user=cls.official_a)
        submit_dossier(dossier=cls.dossier, user=cls.official_a)
        cls.roads = cls.item(cls.dossier, 2)
        review_item(
            item=cls.roads, user=cls.department_officer, review=DossierItem.Review.COMPLETE, comment="Đủ"
        )
        cls.enter(cls.commune_a, "3.1", "85.5", cls.official_a, reason="Tự đánh giá")
        cls.enter(
            cls.commune_c,
            "3.1",
            "70",
            cls.other_coordinator,
            reason="Nhập thay xã",
            on_behalf="Xã chưa có cán bộ nhập",
        )
        # The evidence the dossier was filled with is where the tests start from too.
        Document.history.all().delete()

    @classmethod
    def enter(cls, commune, code, value, user, *, reason, on_behalf=""):
        score = Score.objects.filter(indicator=cls.indicators[code], commune=commune, year=YEAR).first()
        version = score.version if score else 0
        score = score or Score(indicator=cls.indicators[code], commune=commune, year=YEAR)
        target = cls.indicators[code].targets.first()
        score.assess(value_number=Decimal(value), value_text="", status="", reason="", target=target)
        record_scores(
            commune=commune,
            year=YEAR,
            edits=[ScoreEdit(score, version)],
            user=user,
            reason=reason,
            on_behalf_reason=on_behalf,
        )

    def page(self, user, **params):
        self.client.force_login(user)
        return self.client.get(URL, params)

    def entries(self, user=None, **params):
        return self.page(user or self.coordinator, **params).context["entries"]


class AuditAccessTests(AuditTestCase):
    def test_it_requires_login(self):
        self.assertRedirects(self.client.get(URL), f"{reverse('login')}?next={URL}")

    def test_only_coordinators_and_the_administrator_read_it(self):
        for user in (self.nobody, self.official_a, self.department_officer, self.leader):
            with self.subTest(user.username):
                self.assertEqual(self.page(user).status_code, 403)
                self.client.force_login(user)
                self.assertEqual(self.client.get(reverse("audit:export", args=["csv"])).status_code, 403)
        for user in (self.coordinator, self.admin):
            with self.subTest(user.username):
                self.assertEqual(self.page(user).status_code, 200)

    def test_a_coordinator_reads_their_communes_only(self):
        response = self.page(self.coordinator)
        self.assertContains(response, "Dân Lý")
        self.assertNotContains(response, "Hợp Tiến")
        response = self.page(self.other_coordinator)
        self.assertContains(response, "Hợp Tiến")
        self.assertNotContains(response, "Dân Lý")

    def test_a_commune_filter_outside_the_scope_is_ignored_not_obeyed(self):
        response = self.page(self.other_coordinator, commune=self.commune_a.code)
        self.assertNotContains(response, "Dân Lý")

    def test_the_administrator_reads_every_commune(self):
        response = self.page(self.admin)
        self.assertContains(response, "Dân Lý")
        self.assertContains(response, "Hợp Tiến")

    def test_the_navigation_leads_there_for_coordinators_only(self):
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get("/"), f'href="{URL}"')
        self.client.force_login(self.official_a)
        self.assertNotContains(self.client.get("/"), f'href="{URL}"')


class AuditContentTests(AuditTestCase):
    def test_a_review_says_who_changed_what_and_when(self):
        (entry,) = [e for e in self.entries(kind="item") if e.action == "Sửa"]
        self.assertEqual(
            (entry.user_name, entry.commune, entry.kind),
            ("phongkt", self.commune_a, "Thẩm tra thành phần hồ sơ"),
        )
        self.assertIn("2. Giao thông", entry.subject)
        changes = {c.field: (c.before, c.after) for c in entry.changes}
        self.assertEqual(changes["Thẩm tra"], ("Chưa xem xét", "Đạt yêu cầu"))
        self.assertEqual(changes["Ý kiến thẩm tra"], ("—", "Đủ"))

    def test_the_workflow_step_is_kept_with_its_actor(self):
        entry = self.entries(kind="dossier")[0]
        self.assertEqual(entry.user_name, "xa_a")
        self.assertEqual(
            [(c.before, c.after) for c in entry.changes],
            [("Xã đang chuẩn bị", "Xã đã nộp, chờ huyện thẩm tra")],
        )

    def test_a_step_taken_for_the_commune_or_over_a_gate_says_why(self):
        dossier = self.open_dossier(self.commune_b)
        self.fill(dossier)
        submit_dossier(dossier=dossier, user=self.coordinator, on_behalf_reason="Xã mất điện")
        # No item is reviewed yet: another coordinator passes the gate with a reason.
        accept_dossier(dossier=dossier, user=self.admin, override_reason="Họp Ban Chỉ đạo")
        accepted, submitted = self.entries(self.admin, kind="dossier", commune=self.commune_b.code)[:2]
        self.assertEqual(
            (submitted.user_name, submitted.reason),
            ("dieuphoi", "Xã đã nộp, chờ huyện thẩm tra — Thay mặt xã: Xã mất điện"),
        )
        self.assertEqual(accepted.user_name, "quantri")
        self.assertIn("Vượt điều kiện: Họp Ban Chỉ đạo (chưa đủ điều kiện:", accepted.reason)

    def test_a_long_reason_is_kept_whole(self):
        comment = "Bổ sung biên bản họp thôn có chữ ký của trưởng thôn, ảnh hiện trạng tuyến đường " * 3
        self.client.force_login(self.coordinator)
        url = reverse("dossiers:dossier_action", args=[self.dossier.pk, "return"])
        response = self.client.post(url, {"return-comment": comment})
        self.assertRedirects(response, self.dossier.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(self.entries(kind="dossier")[0].reason, comment.strip())
        behalf = "Xã chưa có cán bộ nhập liệu; huyện nhập theo biên bản tự đánh giá ngày 12/9 của xã " * 2
        self.enter(self.commune_a, "3.1", "88", self.coordinator, reason="Sửa", on_behalf=behalf)
        self.assertEqual(self.entries(kind="score")[0].reason, f"Thay mặt xã: {behalf.strip()}")

    def test_a_score_change_shows_the_value_before_and_after_with_the_reason(self):
        # The district corrects the commune's entry: it says it acts for the commune, and why.
        self.enter(self.commune_a, "3.1", "90", self.coordinator, reason="Sửa", on_behalf="Sửa theo biên bản")
        entry = self.entries(kind="score")[0]
        self.assertEqual((entry.user_name, entry.reason), ("dieuphoi", "Thay mặt xã: Sửa theo biên bản"))
        self.assertIn(("85,5", "90"), [(c.before, c.after) for c in entry.changes])

    def test_a_target_edit_is_kept(self):
        indicator = self.indicators["3.1"]
        target = indicator.targets.get(region="", commune_group="", from_year=None, to_year=None)
        self.client.force_login(self.admin)
        url = reverse("criteria:indicator_edit", args=[self.ntm.code, indicator.pk])
        form = self.client.get(url).context["formset"]
        data = {f"targets-{k}": v for k, v in form.management_form.initial.items()}
        for n, target_form in enumerate(form.forms):
            for name in ("id", "region", "commune_group", "from_year", "to_year", "value", "source"):
                value = target_form[name].value()
                data[f"targets-{n}-{name}"] = "" if value is None else value
        data.update({"targets-0-value": "≥85%", "indicator-required_evidence": "", "indicator-note": ""})
        self.client.post(url, data)
        self.assertEqual(IndicatorTarget.objects.get(pk=target.pk).value, "≥85%")
        entry = self.entries(self.admin, kind="target")[0]
        self.assertEqual(entry.user_name, "quantri")
        self.assertIn(("≥80%", "≥85%"), [(c.before, c.after) for c in entry.changes])

    def test_a_membership_given_is_kept(self):
        self.client.force_login(self.admin)
        user = get_user_model().objects.create_user("xa_moi")
        self.client.post(
            reverse("admin:communes_membership_add"),
            {"user": user.pk, "role": Role.COMMUNE, "commune": self.commune_a.pk},
        )
        entry = self.entries(kind="membership")[0]
        self.assertEqual((entry.user_name, entry.action), ("quantri", "Tạo mới"))
        self.assertIn("xa_moi — Cán bộ xã — Dân Lý", entry.subject)

    def test_it_filters_by_person(self):
        entries = self.entries(person="phongkt")
        self.assertTrue(entries)
        self.assertEqual({e.user_name for e in entries}, {"phongkt"})

    def test_it_filters_by_commune_and_kind(self):
        entries = self.entries(self.admin, commune=self.commune_c.code)
        self.assertEqual({e.commune for e in entries}, {self.commune_c})
        self.assertEqual({e.kind for e in self.entries(kind="score")}, {"Kết quả chỉ tiêu"})

    def test_an_unknown_person_is_said_and_nothing_else_is_hidden(self):
        response = self.page(self.coordinator, person="ai-do")
        self.assertContains(response, "Không có người dùng “ai-do”.")
        self.assertTrue(response.context["entries"])

    def test_it_pages_by_fifty(self):
        for n in range(60):
            self.enter(self.commune_a, "3.1", str(60 + n), self.official_a, reason="Tự đánh giá")
        response = self.page(self.coordinator, kind="score")
        self.assertEqual(len(response.context["entries"]), 50)
        self.assertContains(response, "?kind=score&amp;page=2")
        self.assertEqual(len(self.page(self.coordinator, kind="score", page=2).context["entries"]), 11)

    def assertQueriesAtTwoSizes(self, queries, extra, params):
        self.enter(self.commune_a, "3.1", "86", self.official_a, reason="Tự đánh giá")
        self.client.force_login(self.coordinator)
        for more in (0, extra):
            for n in range(more):
                self.enter(self.commune_a, "3.1", str(20 + n), self.official_a, reason="Tự đánh giá")
            with self.subTest(more=more), self.assertNumQueries(queries):
                response = self.client.get(URL, params)
        return response

    def test_query_count_does_not_grow_with_rows(self):
        # Session, user, memberships; the count and the page of rows; for each kind on the
        # page its records with the id of the row before each (scores, items, the dossier,
        # the official's membership) and those rows before (not for the membership, which
        # has none); the page's communes; the filter's list of communes. 30 rows, then 50.
        # The creation of the shared setup's target of 3.1 would fall off the larger page.
        IndicatorTarget.history.all().delete()
        response = self.assertQueriesAtTwoSizes(14, 20, {})
        self.assertEqual(len(response.context["entries"]), 50)

    def test_query_count_does_not_grow_with_pages(self):
        # As above, with one kind on the page; 2 scores, then a full page of 50 out of 62.
        response = self.assertQueriesAtTwoSizes(9, 60, {"kind": "score"})
        self.assertEqual(len(response.context["entries"]), 50)


class AuditExportTests(AuditTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.official_a.first_name = "@SUM(1+1)"
        cls.official_a.save(update_fields=["first_name"])
        cls.enter(cls.commune_a, "3.1", "50", cls.official_a, reason='=HYPERLINK("http://x")')

    def export(self, format, **params):
        self.client.force_login(self.coordinator)
        return self.client.get(reverse("audit:export", args=[format]), params)

    def test_the_csv_has_a_row_per_change_with_formulas_as_text(self):
        response = self.export("csv", kind="score")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(rows[0][:3], ["Thời điểm", "Người thực hiện", "Xã"])
        newest = rows[1]
        self.assertEqual(newest[1], "'@SUM(1+1)")
        self.assertEqual(newest[7], '\'=HYPERLINK("http://x")')
        self.assertEqual(len(rows), 1 + 2)  # Dân Lý's two score changes; not Hợp Tiến's

    def test_the_workbook_keeps_formulas_as_text(self):
        response = self.export("xlsx", kind="score")
        self.assertEqual(
            response["Content-Type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        rows = sheet_rows(workbook(response.content).worksheets[0])
        self.assertEqual(rows[1][7], '\'=HYPERLINK("http://x")')
        self.assertTrue(
            all(not str(cell).startswith(("=", "@", "+", "-")) for row in rows for cell in row if cell)
        )

    def test_an_unknown_format_is_not_found(self):
        self.assertEqual(self.export("json").status_code, 404)


class OwnerHistoryTests(AuditTestCase):
    def assign(self, user, department, code="392"):
        self.client.force_login(user)
        url = reverse("criteria:owners", args=[self.ntm.code, "district", code])
        criterion = self.ntm.criteria.get(number=18)
        self.assertEqual(self.client.post(url, {f"c{criterion.pk}": department.pk}).status_code, 302)

    def test_an_owner_given_shows_who_gave_it_and_to_whom(self):
        self.assign(self.coordinator, self.department)
        entry = self.entries(kind="owner")[0]
        self.assertEqual((entry.user_name, entry.action), ("dieuphoi", "Tạo mới"))
        self.assertEqual(entry.subject, f"{self.ntm.code}, tiêu chí 18 — Triệu Sơn")
        self.assertIn(("—", str(self.department)), [(c.before, c.after) for c in entry.changes])
        self.assertContains(self.page(self.coordinator, kind="owner"), "Phân công phụ trách tiêu chí")

    def test_another_districts_coordinator_does_not_read_it(self):
        self.assign(self.coordinator, self.department)
        self.assertEqual(self.entries(self.other_coordinator, kind="owner"), [])
        self.assertTrue(self.entries(self.admin, kind="owner"))


class CommuneHistoryTests(AuditTestCase):
    """A commune's region, classes and group decide which targets judge it: who changed
    them, and from what, is in the audit."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # The record migration communes 0006 gives every commune that exists before it.
        record_baseline("communes", "Commune")(apps, None)

    def give_class(self, words="ĐBKK"):
        row = [*THANH_HOA, "15934", "Dân Lý", "Xã", "BTB", "", "", "", words]
        report = import_units(xlsx([row], header=CLASSES_HEADER), user=self.coordinator)
        self.assertEqual(report.counts["commune"]["updated"], 1, report)

    def test_a_class_given_by_the_units_file_says_who_and_what_before_and_after(self):
        self.give_class("ĐBKK, ATK")
        entry = self.entries(kind="commune")[0]
        self.assertEqual((entry.user_name, entry.action, entry.commune), ("dieuphoi", "Sửa", self.commune_a))
        self.assertEqual(entry.subject, "Dân Lý (15934)")
        self.assertEqual(
            [(c.field, c.before, c.after) for c in entry.changes], [("Phân loại xã", "—", "ĐBKK, ATK")]
        )
        self.assertContains(self.page(self.coordinator, kind="commune"), "ĐBKK, ATK")

    def test_a_merger_ends_its_communes_in_the_audit(self):
        self.client.force_login(self.coordinator)
        merge_communes(
            into_code="15999", from_codes=["15934", "15937"], on=datetime.date(2025, 7, 1), name="Dân Mới"
        )
        ended = [e for e in self.entries(self.admin, kind="commune") if e.commune == self.commune_a]
        self.assertIn(
            ("Hiệu lực đến", "—", "30/06/2025"), [(c.field, c.before, c.after) for c in ended[0].changes]
        )

    def test_another_districts_coordinator_does_not_read_it(self):
        self.give_class()

        def communes(user):
            return [(e.commune.code, e.action) for e in self.entries(user, kind="commune")]

        # Each reads the first records of the communes they coordinate (newest first), and
        # only Dân Lý's district reads its change.
        self.assertEqual(communes(self.other_coordinator), [("16000", "Tạo mới")])
        self.assertEqual(
            communes(self.coordinator), [("15934", "Sửa"), ("15937", "Tạo mới"), ("15934", "Tạo mới")]
        )
        self.assertEqual(len(communes(self.admin)), 4)

    def test_the_commune_filter_finds_the_commune_itself(self):
        self.give_class()
        entries = self.entries(commune=self.commune_a.code, kind="commune")
        self.assertEqual(
            [(e.commune, e.action) for e in entries], [(self.commune_a, "Sửa"), (self.commune_a, "Tạo mới")]
        )
        self.assertEqual(entries[1].reason, "Có sẵn khi bắt đầu ghi lịch sử")


class DocumentHistoryTests(AuditTestCase):
    def test_who_added_and_who_withdrew_a_file_and_why(self):
        # The dossier is submitted: the district adds the file for the commune.
        document = self.upload(
            self.roads,
            name="bien-ban.pdf",
            title="Biên bản nghiệm thu",
            user=self.coordinator,
            on_behalf_reason="Xã gửi bản giấy",
        )
        withdraw_document(document=document, user=self.coordinator, reason="Nhầm tệp của xã khác")
        withdrawn, added = self.entries(kind="document")
        subject = f"Hồ sơ năm {YEAR}: 2. Giao thông — Biên bản nghiệm thu (bản 1)"
        self.assertEqual(
            (added.user_name, added.action, added.subject, added.commune),
            ("dieuphoi", "Tạo mới", subject, self.commune_a),
        )
        self.assertIn(("—", "bien-ban.pdf"), [(c.before, c.after) for c in added.changes])
        self.assertEqual((withdrawn.user_name, withdrawn.action), ("dieuphoi", "Sửa"))
        self.assertIn(("—", "Nhầm tệp của xã khác"), [(c.before, c.after) for c in withdrawn.changes])
        self.assertEqual(self.entries(self.other_coordinator, kind="document"), [])
