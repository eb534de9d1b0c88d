"""Commune mergers (sáp nhập xã): the command, the page, and what the pages show before and
after. A merger ends the old communes and moves their people and villages; their numbers
stay theirs and read the same, as of any date."""

import datetime
import io

from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from communes.access import access_for
from communes.models import Commune, District, Membership, Province, Region, Village
from communes.resources import COLUMNS, export_units, import_units, render_units_file
from criteria.models import Recognition, Score
from tests.base import AssessmentTestCase
from tests.communes.test_import_units import xlsx

ON = datetime.date(2025, 7, 1)
EVE = datetime.date(2025, 6, 30)
YEAR = 2024
# When the 2024 results were entered: before the merger.
ENTERED = timezone.make_aware(datetime.datetime(2025, 3, 1, 9, 0))


class MergerTestCase(AssessmentTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.commune_c = Commune.objects.create(
            code="15940", name="Dân Quyền", province=cls.province, district=cls.district, region=Region.BTB
        )
        Village.objects.create(commune=cls.commune_c, code="T01", name="Thôn Tây")
        cls.official_c = cls.make_user("xa_c", "commune", commune=cls.commune_c)
        # A meets every criterion, B misses two indicators of criterion 2, C misses 3.1.
        cls.enter(cls.commune_a, {})
        cls.enter(cls.commune_b, {"2.1": Score.Status.NOT_MET, "2.2": Score.Status.NOT_MET})
        cls.enter(cls.commune_c, {"3.1": Score.Status.NOT_MET})
        Recognition.objects.create(
            commune=cls.commune_a, criteria_set=cls.ntm, decision_number="12/QĐ-UBND",
            decided_on=datetime.date(2025, 4, 2),
        )  # fmt: skip

    @classmethod
    def enter(cls, commune, exceptions):
        scores = [
            Score(indicator=i, commune=commune, year=YEAR, status=exceptions.get(code, Score.Status.MET))
            for code, i in cls.indicators.items()
        ]
        bulk_create_with_history(scores, Score, default_date=ENTERED)

    def merge(self, *codes, into="99001", on="01/07/2025", name="Xã Dân Hòa"):
        call_command("merge_communes", "--into", into, "--from", *codes, "--on", on, "--name", name,
                     stdout=io.StringIO())  # fmt: skip
        return Commune.objects.get(code=into)

    def dashboard(self, as_of=None) -> dict:
        """{code: (criteria met, indicators met)} of every commune on the dashboard."""
        self.client.force_login(self.coordinator)
        query = {"set": self.ntm.code, "year": YEAR, **({"as_of": as_of.isoformat()} if as_of else {})}
        rows = self.client.get(reverse("reports:dashboard"), query).context["grid"].rows
        return {r.commune.code: (r.standing.criteria_met, r.standing.indicators_met) for r in rows}

    def scorecard(self, code, as_of=None, year=YEAR):
        self.client.force_login(self.coordinator)
        query = {"set": self.ntm.code, "year": year, **({"as_of": as_of.isoformat()} if as_of else {})}
        return self.client.get(reverse("reports:scorecard", args=[code]), query)


class MergerKeepsEveryNumberTests(MergerTestCase):
    BEFORE = {"15934": (19, 57), "15937": (18, 55), "15940": (18, 56)}

    def test_the_dashboard_shows_the_old_communes_until_the_eve_and_the_new_one_after(self):
        self.assertEqual(self.dashboard(), self.BEFORE)
        self.merge("15934", "15937", "15940")
        for as_of in (EVE, ENTERED.date(), datetime.date(2025, 5, 20)):
            with self.subTest(as_of=as_of):
                self.assertEqual(self.dashboard(as_of), self.BEFORE)
        self.assertEqual(self.dashboard(ON), {"99001": (0, 0)})
        self.assertEqual(self.dashboard(), {"99001": (0, 0)})

    def test_the_old_communes_scorecards_read_the_same_as_of_any_date(self):
        before = {code: self.scorecard(code).context["standing"].criteria_met for code in self.BEFORE}
        self.merge("15934", "15937", "15940")
        for as_of in (None, EVE, ON, datetime.date(2026, 1, 1)):
            for code, (criteria_met, _indicators_met) in self.BEFORE.items():
                with self.subTest(code=code, as_of=as_of):
                    standing = self.scorecard(code, as_of).context["standing"]
                    self.assertEqual(standing.criteria_met, criteria_met)
        self.assertEqual(before, {code: met for code, (met, _i) in self.BEFORE.items()})
        self.assertEqual(self.scorecard("15934").context["row"].verdict, "recognised")

    def test_the_new_communes_scorecard_shows_its_predecessors_up_to_the_merger(self):
        self.merge("15934", "15937", "15940")
        for as_of in (None, EVE):
            with self.subTest(as_of=as_of):
                response = self.scorecard("99001", as_of)
                rows = response.context["predecessor_rows"]
                numbers = {r.commune.code: (r.standing.criteria_met, r.standing.indicators_met) for r in rows}
                self.assertEqual(numbers, self.BEFORE)
                self.assertContains(response, "Các xã trước sáp nhập, năm 2024")
                self.assertContains(response, '<td class="num">18/19</td>', count=2)
                self.assertContains(response, "Đã công nhận: QĐ 12/QĐ-UBND")
        self.assertEqual(self.scorecard("99001", year=2026).context["predecessor_rows"], [])


class MergeCommandTests(MergerTestCase):
    def test_it_creates_the_new_commune_and_ends_the_old_ones(self):
        new = self.merge("15934", "15937", "15940")
        self.assertEqual((new.name, new.valid_from, new.valid_to), ("Xã Dân Hòa", ON, None))
        self.assertEqual((new.province, new.district, new.region), (self.province, self.district, "BTB"))
        self.assertEqual(set(new.predecessors.values_list("code", flat=True)), {"15934", "15937", "15940"})
        olds = Commune.objects.filter(code__in=["15934", "15937", "15940"])
        ends = set(olds.values_list("valid_to", flat=True))
        self.assertEqual(ends, {EVE})

    def test_officials_and_villages_move_and_scores_stay(self):
        new = self.merge("15934", "15937", "15940")
        officials = Membership.objects.filter(commune=new).values_list("user__username", flat=True)
        self.assertEqual(set(officials), {"xa_a", "xa_b", "xa_c"})
        # Three villages "T01": the first keeps its code, the others carry their old commune's.
        villages = set(new.villages.values_list("code", "name"))
        self.assertEqual(
            villages, {("T01", "Thôn Nhất"), ("15937.T01", "Thôn Đông"), ("15940.T01", "Thôn Tây")}
        )
        self.assertEqual(Score.objects.filter(commune=new).count(), 0)
        self.assertEqual(Score.objects.filter(commune=self.commune_a).count(), 57)
        self.assertEqual(self.commune_a.recognitions.count(), 1)

    def test_it_refuses_bad_input_and_changes_nothing(self):
        self.merge("15940", into="99002", name="Xã cũ đã nhập")
        cases = {
            ("15934", "00000"): "Không có xã mã “00000” trong hệ thống.",
            ("15934", "99003"): "Không thể sáp nhập xã mã “99003” vào chính nó.",
            ("15940",): "Xã Dân Quyền (mã 15940) đã hết hiệu lực từ sau ngày 30/06/2025 (đã sáp nhập)",
        }
        for codes, message in cases.items():
            with self.subTest(codes=codes), self.assertRaisesMessage(CommandError, message):
                self.merge(*codes, into="99003")
        Commune.objects.filter(code="15937").update(valid_from=datetime.date(2025, 7, 1))
        with self.assertRaisesMessage(CommandError, "không sau ngày xã Dân Lực (mã 15937) bắt đầu hiệu lực"):
            self.merge("15934", "15937", into="99003")
        with self.assertRaisesMessage(CommandError, "Ngày 31/02/2025 không hợp lệ"):
            self.merge("15934", into="99003", on="31/02/2025")
        self.assertFalse(Commune.objects.filter(code="99003").exists())
        self.assertEqual(Commune.objects.get(code="15934").valid_to, None)
        self.assertEqual(Membership.objects.get(user=self.official_a).commune, self.commune_a)

    def test_merging_again_the_same_way_changes_nothing(self):
        self.merge("15934", "15937")
        new = self.merge("15934", "15937")
        self.assertEqual(new.predecessors.count(), 2)
        self.assertEqual(Commune.objects.filter(code="99001").count(), 1)


class MergerPageTests(MergerTestCase):
    url = reverse("communes:commune_merge")

    def post(self, user, **data):
        self.client.force_login(user)
        form = {"predecessors": ["15934", "15937", "15940"], "into_code": "99001", "name": "Xã Dân Hòa",
                "on": "01/07/2025", **data}  # fmt: skip
        return self.client.post(self.url, form)

    def test_the_communes_list_links_to_it_for_coordinators(self):
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get(reverse("communes:commune_list")), self.url)
        self.client.force_login(self.leader)
        self.assertNotContains(self.client.get(reverse("communes:commune_list")), self.url)

    def test_a_coordinator_merges_three_communes(self):
        response = self.post(self.coordinator)
        new = Commune.objects.get(code="99001")
        self.assertRedirects(response, new.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(new.predecessors.count(), 3)

    def test_bad_input_is_shown_and_changes_nothing(self):
        response = self.post(self.coordinator, into_code="15934", name="")
        self.assertContains(response, "Không thể sáp nhập xã mã “15934” vào chính nó.")
        self.assertEqual(Commune.objects.filter(valid_to__isnull=False).count(), 0)

    def test_it_requires_login(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_only_coordinators_merge(self):
        for user in (self.leader, self.department_officer, self.official_a, self.nobody):
            with self.subTest(user.username):
                self.assertEqual(self.post(user).status_code, 403)
        self.assertFalse(Commune.objects.filter(code="99001").exists())

    def test_it_offers_only_the_communes_the_user_coordinates(self):
        self.client.force_login(self.coordinator)
        choices = self.client.get(self.url).context["form"].fields["predecessors"].queryset
        self.assertEqual(set(choices.values_list("code", flat=True)), {"15934", "15937", "15940"})


class UnitsFileMergerTests(MergerTestCase):
    """The units file's optional columns "Sáp nhập từ" and "Ngày sáp nhập" (README)."""

    HEADER = [*COLUMNS, "Sáp nhập từ", "Ngày sáp nhập"]

    def file(self, *rows):
        return xlsx([list(r) for r in rows], header=self.HEADER)

    def merger_row(self, code="99001", name="Dân Hòa", merged="15934, 15937,15940", on="01/07/2025"):
        return ["38", "Thanh Hóa", "", "", code, name, "Xã", "BTB", "", "", "", merged, on]

    def test_a_row_carrying_a_merger_does_what_the_command_does(self):
        report = import_units(self.file(self.merger_row()))
        self.assertTrue(report.ok, report.errors)
        new = Commune.objects.get(code="99001")
        self.assertEqual((new.valid_from, new.district), (ON, None))
        self.assertEqual(set(new.predecessors.values_list("code", flat=True)), {"15934", "15937", "15940"})
        self.assertEqual(set(Commune.objects.filter(valid_to=EVE).values_list("code", flat=True)),
                         {"15934", "15937", "15940"})  # fmt: skip
        self.assertEqual(Membership.objects.filter(commune=new).count(), 3)
        self.assertIn("Sáp nhập: 3 xã thành 1 xã.", report.summary_lines())
        self.assertEqual(self.dashboard(EVE), MergerKeepsEveryNumberTests.BEFORE)

    def test_old_files_without_the_columns_stay_valid(self):
        report = import_units(xlsx([self.merger_row()[:11]]))
        self.assertTrue(report.ok, report.errors)
        self.assertFalse(Commune.objects.filter(valid_to__isnull=False).exists())

    def test_importing_the_same_file_again_changes_nothing(self):
        import_units(self.file(self.merger_row()))
        report = import_units(self.file(self.merger_row()))
        self.assertTrue(report.ok, report.errors)
        self.assertEqual(report.outcomes["skip"], 1)

    def test_a_bad_merger_row_refuses_the_whole_file(self):
        good = ["38", "Thanh Hóa", "", "", "16001", "Xã Mới", "Xã", "BTB", "", "", "", "", ""]
        cases = [
            (self.merger_row(merged="15934, 00000"), "Dòng 3: Không có xã mã “00000” trong hệ thống."),
            (self.merger_row(merged="15934,99001"), "Dòng 3: Không thể sáp nhập xã mã “99001” vào chính nó."),
            (self.merger_row(on="31/6/2025"), "Dòng 3: Ngày sáp nhập “31/6/2025” không hợp lệ"),
            (self.merger_row(on=""), "Có Sáp nhập từ “15934, 15937,15940” nhưng thiếu Ngày sáp nhập."),
            (self.merger_row(on="01/07/2015"), "không sau ngày xã Dân Lý (mã 15934) bắt đầu hiệu lực"),
        ]
        Commune.objects.filter(code="15934").update(valid_from=datetime.date(2020, 1, 1))
        for bad, message in cases:
            with self.subTest(message):
                report = import_units(self.file(good, bad))
                self.assertIn(message, " ".join(map(str, report.errors)))
                self.assertFalse(Commune.objects.filter(code__in=["16001", "99001"]).exists())
                self.assertFalse(Commune.objects.filter(valid_to__isnull=False).exists())

    def test_a_commune_merged_elsewhere_is_refused(self):
        self.merge("15940", into="99002", name="Xã khác")
        report = import_units(self.file(self.merger_row()))
        self.assertEqual(
            [str(e) for e in report.errors],
            ["Dòng 2: Xã Dân Quyền (mã 15940) đã hết hiệu lực từ sau ngày 30/06/2025 (đã sáp nhập); "
             "không sáp nhập lại."],
        )  # fmt: skip
        self.assertFalse(Commune.objects.filter(code="99001").exists())


class UnitsFileMergerRoundTripTests(TestCase):
    """Units only (no scores, which keep a commune from being deleted): a file in, out, in."""

    HEADER = UnitsFileMergerTests.HEADER
    STATE = ["38", "Thanh Hóa", "392", "Triệu Sơn"]

    def setUp(self):
        rows = [
            [*self.STATE, "15934", "Dân Lý", "Xã", "BTB", "", "T01", "Thôn Nhất"],
            [*self.STATE, "15937", "Dân Lực", "Xã", "BTB", "", "T01", "Thôn Đông"],
            [*self.STATE, "15940", "Dân Quyền", "Xã", "BTB", "", "", ""],
        ]
        self.assertTrue(import_units(xlsx(rows)).ok)

    def merge(self, *codes):
        call_command("merge_communes", "--into", "99001", "--from", *codes, "--on", "01/07/2025",
                     "--name", "Xã Dân Hòa", stdout=io.StringIO())  # fmt: skip

    def units(self):
        """{code: (valid from, valid to, predecessors)} of every commune."""
        return {
            c.code: (c.valid_from, c.valid_to, sorted(p.code for p in c.predecessors.all()))
            for c in Commune.objects.prefetch_related("predecessors")
        }

    def wipe(self):
        for model in (Village, Commune, District, Province):
            model.objects.all().delete()

    def test_the_export_writes_the_merger_and_imports_back_as_it_was(self):
        self.merge("15934", "15937", "15940")
        exported = export_units()
        self.assertEqual(exported.headers, self.HEADER[:11] + ["Phân loại", *self.HEADER[11:]])
        by_code = {values[4]: values for values in exported}
        self.assertEqual(by_code["99001"][-2:], ("15934, 15937, 15940", "01/07/2025"))
        self.assertEqual(by_code["15934"][-2:], ("", ""))
        units = self.units()
        for file_format in ("xlsx", "csv"):
            with self.subTest(file_format):
                data = render_units_file(exported, format=file_format)
                self.wipe()
                report = import_units(data, format=file_format)
                self.assertTrue(report.ok, report.errors)
                self.assertIn("Sáp nhập: 3 xã thành 1 xã.", report.summary_lines())
                self.assertEqual(self.units(), units)
                self.assertEqual([list(r) for r in export_units()], [list(r) for r in exported])

    def test_a_file_creates_the_communes_it_merges(self):
        self.wipe()
        commune = self.STATE
        rows = [
            [*commune, "99001", "Dân Hòa", "Xã", "BTB", "", "", "", "16001, 16002, 16003", "01/07/2025"],
            [*commune, "16001", "Xã Một", "Xã", "BTB", "", "T01", "Thôn Một", "", ""],
            [*commune, "16002", "Xã Hai", "Xã", "BTB", "", "", "", "", ""],
            [*commune, "16003", "Xã Ba", "Xã", "BTB", "", "", "", "", ""],
        ]
        report = import_units(xlsx(rows, header=self.HEADER))
        self.assertTrue(report.ok, report.errors)
        self.assertEqual(
            self.units(),
            {
                "99001": (ON, None, ["16001", "16002", "16003"]),
                **{code: (None, EVE, []) for code in ("16001", "16002", "16003")},
            },
        )
        self.assertEqual(Village.objects.get(code="T01").commune.code, "99001")

    def test_a_bad_row_refuses_the_communes_and_the_merger_alike(self):
        self.wipe()
        commune = self.STATE
        rows = [
            [*commune, "99001", "Dân Hòa", "Xã", "BTB", "", "", "", "16001, 16002", "01/07/2025"],
            [*commune, "16001", "Xã Một", "Xã", "BTB", "", "", "", "", ""],
            ["40", "Nghệ An", "", "", "16002", "Xã Hai", "Xã", "BTB", "", "", "", "", ""],
            [*commune, "16003", "Xã Ba", "Làng", "BTB", "", "", "", "", ""],
        ]
        report = import_units(xlsx(rows, header=self.HEADER))
        self.assertEqual(
            [str(e) for e in report.errors],
            [
                "Dòng 2: Các xã sáp nhập phải cùng một tỉnh.",
                "Dòng 5: Loại “Làng” không hợp lệ: phải là Xã, Phường, Thị trấn hoặc Đặc khu.",
            ],
        )
        self.assertEqual(self.units(), {})


class MergedCommunesOfficialsTests(MergerTestCase):
    """The merged commune's officials read their former communes' pages, read-only."""

    def setUp(self):
        self.merge("15934", "15937")  # A and B into 99001; A's and B's officials move there
        self.other = self.make_user("xa_khac", "commune", commune=self.commune_c)

    def as_user(self, user, name, code, **kwargs):
        self.client.force_login(user)
        query = {"set": self.ntm.code, "year": YEAR}
        return self.client.get(reverse(name, args=[code, *kwargs.values()]), query)

    def test_the_official_reads_the_former_communes_scorecards(self):
        for code, criteria_met in (("15934", 19), ("15937", 18)):
            with self.subTest(code):
                response = self.as_user(self.official_a, "reports:scorecard", code)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.context["standing"].criteria_met, criteria_met)

    def test_the_official_enters_nothing_there(self):
        url = reverse("criteria:score_entry", args=["15934", self.ntm.code, YEAR, 3])
        self.client.force_login(self.official_a)
        page = self.client.get(url)
        self.assertEqual(page.status_code, 200)
        self.assertFalse(page.context["can_enter"])
        self.assertEqual(self.client.post(url, {}).status_code, 403)
        # Their own, new commune: they enter there.
        new = reverse("criteria:score_entry", args=["99001", self.ntm.code, YEAR, 3])
        self.assertTrue(self.client.get(new).context["can_enter"])

    def test_another_communes_official_gets_nothing_of_them(self):
        for code in ("15934", "15937", "99001"):
            with self.subTest(code):
                self.assertEqual(self.as_user(self.other, "reports:scorecard", code).status_code, 404)
        # And C's official reads nothing of A once C is merged elsewhere either.
        self.merge("15940", into="99002", name="Xã Khác")
        self.assertEqual(self.as_user(self.other, "reports:scorecard", "15940").status_code, 200)
        self.assertEqual(self.as_user(self.other, "reports:scorecard", "15934").status_code, 404)

    def test_the_leader_reads_them_and_changes_nothing(self):
        self.assertEqual(self.as_user(self.leader, "reports:scorecard", "15934").status_code, 200)
        url = reverse("criteria:score_entry", args=["15934", self.ntm.code, YEAR, 3])
        self.assertEqual(self.client.post(url, {}).status_code, 403)

    def test_the_lists_show_what_the_pages_open(self):
        later = self.merge("99001", into="99003", on="01/01/2030", name="Xã Sau")  # a second merger
        self.assertEqual(later.predecessors.get().code, "99001")
        communes = list(Commune.objects.all())
        for user, expected in (
            (self.official_a, {"15934", "15937", "99001", "99003"}),
            (self.other, {"15940"}),
            (self.leader, {c.code for c in communes}),
        ):
            with self.subTest(user.username):
                access = access_for(user)
                listed = set(access.visible_communes().values_list("code", flat=True))
                opened = {c.code for c in communes if access.can_see_commune(c)}
                self.assertEqual((listed, opened), (expected, expected))
