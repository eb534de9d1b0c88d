import datetime

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from communes.models import Commune, Department
from criteria.models import Recognition, Registration, Score
from dossiers.models import Appraisal, Dossier
from dossiers.services import create_dossier
from tests.base import AssessmentTestCase

UNMET = dict.fromkeys(("2.1", "2.2", "11", "13.2", "17.5"), Score.Status.NOT_MET)


class DashboardTests(AssessmentTestCase):
    url = reverse("reports:dashboard")

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

    def get(self, user, **params):
        self.client.force_login(user)
        return self.fetch(**params)

    def fetch(self, **params):
        return self.client.get(self.url, {"set": self.ntm.code, "year": 2024, **params})

    def row(self, response, commune):
        return next(r for r in response.context["grid"].rows if r.commune == commune)

    def test_a_row_shows_criteria_and_indicators_met(self):
        response = self.get(self.leader)
        self.assertContains(response, "15/19")
        self.assertContains(response, "52/57")
        row = self.row(response, self.commune_a)
        self.assertEqual((row.standing.criteria_met, row.standing.indicators_met), (15, 52))

    def test_each_cell_links_to_the_scorecard_at_its_criterion(self):
        response = self.get(self.leader)
        link = f"/communes/{self.commune_a.code}/?set={self.ntm.code}&amp;year=2024#criterion-2"
        self.assertContains(response, link)

    def test_cells_say_their_status_in_words_not_only_colour(self):
        response = self.get(self.leader)
        self.assertContains(response, 'title="Tiêu chí 2: Chưa đạt"')
        self.assertContains(response, '<span class="visually-hidden">Chưa đạt</span>', html=False)

    def test_district_totals(self):
        summary = self.get(self.coordinator).context["summary"]
        self.assertEqual(summary.average_criteria, 17.0)
        self.assertEqual(dict(summary.bands), {"19": 1, "15–18": 1, "10–14": 0, "dưới 10": 0})

    def test_a_commune_registered_for_this_year_and_short_is_at_risk(self):
        response = self.get(self.coordinator)
        self.assertTrue(self.row(response, self.commune_a).at_risk)
        self.assertFalse(self.row(response, self.commune_b).at_risk)
        self.assertContains(response, "nguy cơ")

    def test_recognised_communes_are_counted(self):
        Recognition.objects.create(
            commune=self.commune_b,
            criteria_set=self.ntm,
            decision_number="12/QĐ-UBND",
            decided_on=datetime.date(2024, 12, 20),
        )
        response = self.get(self.coordinator)
        self.assertEqual(response.context["summary"].recognised_count, 1)
        self.assertContains(response, "12/QĐ-UBND")

    def test_basically_met_is_shown_but_not_counted(self):
        Score.objects.filter(commune=self.commune_b, indicator=self.indicators["17.5"]).update(
            status=Score.Status.BASICALLY_MET
        )
        response = self.get(self.leader)
        row = self.row(response, self.commune_b)
        self.assertEqual((row.standing.criteria_met, row.standing.indicators_met), (18, 56))
        self.assertContains(response, "cell-basically_met")

    def test_as_of_shows_the_standing_of_that_day(self):
        past = timezone.make_aware(datetime.datetime(2024, 4, 1, 9, 0))
        Score.history.filter(commune=self.commune_b).update(history_date=past)
        score = Score.objects.get(commune=self.commune_b, indicator=self.indicators["3.1"], year=2024)
        score.status = Score.Status.NOT_MET
        score.save()
        response = self.get(self.leader, as_of="2024-04-30")
        self.assertEqual(self.row(response, self.commune_b).standing.criteria_met, 19)
        self.assertContains(response, "số liệu tính đến ngày 30/04/2024")
        self.assertEqual(self.row(self.get(self.leader), self.commune_b).standing.criteria_met, 18)

    def test_a_year_without_scores_shows_nothing_assessed(self):
        response = self.get(self.leader, year=2023)
        self.assertEqual(self.row(response, self.commune_a).standing.criteria_met, 0)
        self.assertEqual(response.context["summary"].commune_count, 0)

    def test_defaults_to_the_set_and_latest_year_with_scores(self):
        self.client.force_login(self.leader)
        response = self.client.get(self.url)
        self.assertEqual((response.context["criteria_set"], response.context["year"]), (self.ntm, 2024))

    def test_a_future_as_of_is_refused_next_to_the_filter(self):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        response = self.get(self.leader, as_of=tomorrow.isoformat())
        self.assertContains(response, "Ngày xem số liệu không thể sau hôm nay.")
        self.assertIsNone(response.context["as_of"])

    def test_commune_official_sees_only_own_row(self):
        response = self.get(self.official_b)
        self.assertEqual([r.commune for r in response.context["grid"].rows], [self.commune_b])

    def test_outsider_sees_no_commune(self):
        response = self.get(self.nobody)
        self.assertEqual(response.context["grid"].rows, [])
        self.assertContains(response, "chưa được phân quyền")

    def test_it_requires_login(self):
        self.assertRedirects(self.client.get(self.url), f"{reverse('login')}?next=/")

    def test_dossier_progress_is_shown_per_commune(self):
        dossier = create_dossier(
            commune=self.commune_a, criteria_set=self.ntm, year=2024, user=self.coordinator
        )
        Dossier.objects.filter(pk=dossier.pk).update(status=Dossier.Status.SENT)
        for n in range(3):
            department = Department.objects.create(
                name=f"Sở {n}", short_name=f"S{n}", level=Department.Level.PROVINCE, province=self.province
            )
            Appraisal.objects.create(
                dossier=dossier,
                department=department,
                sent_on=datetime.date(2024, 10, 1),
                inspected_on=datetime.date(2024, 10, 9) if n else None,
                recorded_by=self.coordinator,
            )
        response = self.get(self.leader)
        self.assertContains(response, "đã gửi 3/3 ngành, 2 ngành đã về kiểm tra")

    def test_query_count_is_the_same_for_3_and_60_communes(self):
        # session, user, memberships, the sets (the filter's choices and default: one
        # list); the grid:
        # its communes' ids and the data version (its cache key), then on a miss the
        # communes, their districts and provinces (read once each, shared by their
        # communes), criteria, indicators, targets, the set's region rules and
        # amendments, scores, registrations, recognitions,
        # dossiers, their appraisals, departments per province; the coordinator's queue:
        # its version (its cache key), then on a miss dossiers by state, appraisals
        # overdue, the latest meeting copy; unread notices; the tasks' version (their
        # cache key), then on a miss the task counts (no own task: no list to read)
        create_dossier(commune=self.commune_a, criteria_set=self.ntm, year=2024, user=self.coordinator)
        self.add_communes(1)
        self.client.force_login(self.coordinator)
        with self.assertNumQueries(27):
            response = self.fetch()
        self.assertEqual(len(response.context["grid"].rows), 3)
        # Warm: the grid, the queue and the tasks come from the cache; the versions and
        # the unread notices are read.
        with self.assertNumQueries(9):
            self.fetch()
        self.add_communes(57, start=1)
        # New communes: the grid and the queue are drawn again; the tasks did not change.
        with self.assertNumQueries(26):
            response = self.fetch()
        self.assertEqual(len(response.context["grid"].rows), 60)
        with self.assertNumQueries(9):
            response = self.fetch()
        self.assertEqual(len(response.context["grid"].rows), 60)

    def add_communes(self, count, start=0):
        for n in range(start, start + count):
            commune = Commune.objects.create(
                code=f"7{n:04d}", name=f"Xã {n}", province=self.province, district=self.district
            )
            self.score_all(commune, 2024)
            create_dossier(commune=commune, criteria_set=self.ntm, year=2024, user=self.coordinator)


class HomePageQueryTests(AssessmentTestCase):
    """Each role's home page ("Việc cần làm" and the overview) costs the same at 3 and at
    60 communes."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.score_all(cls.commune_a, 2024)
        cls.score_all(cls.commune_b, 2024)
        cls.assign_owner(cls.ntm.criteria.get(number=2), cls.department)
        create_dossier(commune=cls.commune_a, criteria_set=cls.ntm, year=2024, user=cls.official_a)

    def add_communes(self, count, start=0):
        for n in range(start, start + count):
            commune = Commune.objects.create(
                code=f"7{n:04d}", name=f"Xã {n}", province=self.province, district=self.district
            )
            self.score_all(commune, 2024)
            create_dossier(commune=commune, criteria_set=self.ntm, year=2024, user=self.coordinator)

    def assert_same_cost(self, user, queries):
        """Drawn from a cold cache, at 3 and at 60 communes."""
        self.client.force_login(user)
        self.add_communes(1)
        cache.clear()
        with self.assertNumQueries(queries):
            self.client.get("/", {"set": self.ntm.code, "year": 2024})
        self.add_communes(57, start=1)
        cache.clear()
        with self.assertNumQueries(queries):
            response = self.client.get("/", {"set": self.ntm.code, "year": 2024})
        return response

    def test_the_commune_officials_home(self):
        # session, user, the sets (one list), memberships, the grid's key (communes'
        # ids, data version), communes, their districts and provinces, criteria, indicators,
        # targets, the set's region rules and amendments, scores, registrations,
        # recognitions, dossiers, appraisals, departments per province; queue: its version,
        # the dossier, its items, current documents, appraisals, criteria, indicators,
        # departments per province; unread notices; the tasks' version and counts
        response = self.assert_same_cost(self.official_a, 31)
        self.assertEqual([r.commune for r in response.context["grid"].rows], [self.commune_a])
        self.assertContains(response, "Thành phần hồ sơ còn thiếu minh chứng")

    def test_the_departments_home(self):
        # the overview's 20 (as above, up to the departments per province); queue: its
        # version, the department's duties (departments,
        # owners, indicators), the count of results to verify and the first five; the duties
        # again and the dossier items to review; unread notices; the set named in the first
        # result's link; the tasks' version and counts
        response = self.assert_same_cost(self.department_officer, 33)
        self.assertContains(response, "Kết quả chờ phòng thẩm tra")

    def test_the_leaders_home(self):
        # the overview's 20; queue: its version, the latest meeting copy; unread notices;
        # the tasks' version and counts
        response = self.assert_same_cost(self.leader, 25)
        self.assertEqual(len(response.context["grid"].rows), 60)
