import datetime

from django.urls import reverse
from django.utils import timezone

from criteria.models import IndicatorTarget, Registration, Score
from dossiers.services import create_dossier
from tests.base import AssessmentTestCase

# Queries of the coordinator's dashboard with the grid, the queue and the tasks drawn;
# with the grid and the queue drawn again after a change (the tasks, unchanged, from the
# cache); and with all three from the cache (named in tests/reports/test_dashboard.py,
# test_query_count_is_the_same_for_3_and_60_communes; here no commune has a dossier, so
# neither its appraisals nor departments are asked for).
COLD, REDRAWN, WARM = 25, 24, 9


class DashboardCacheTests(AssessmentTestCase):
    """The grid is kept between requests, and any change to what it shows draws it again."""

    url = reverse("reports:dashboard")

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.score_all(cls.commune_a, 2024, exceptions={"11": Score.Status.NOT_MET})
        cls.score_all(cls.commune_b, 2024)
        Registration.objects.create(
            commune=cls.commune_a,
            criteria_set=cls.ntm,
            target_year=2024,
            registered_on=datetime.date(2023, 12, 1),
        )

    def setUp(self):
        self.client.force_login(self.coordinator)

    def fetch(self, **params):
        return self.client.get(self.url, {"set": self.ntm.code, "year": 2024, **params})

    def warm(self):
        """A first view draws the grid, a second one reads it from the cache."""
        with self.assertNumQueries(COLD):
            self.fetch()
        with self.assertNumQueries(WARM):
            return self.fetch()

    def criteria_met(self, response, commune):
        (row,) = (r for r in response.context["grid"].rows if r.commune == commune)
        return row.standing.criteria_met

    def test_a_warm_grid_shows_what_the_cold_one_did(self):
        response = self.warm()
        self.assertEqual(self.criteria_met(response, self.commune_a), 18)
        self.assertContains(response, "18/19")

    def test_a_changed_score_shows_at_once(self):
        self.warm()
        score = Score.objects.get(commune=self.commune_a, indicator=self.indicators["11"], year=2024)
        score.status = Score.Status.MET
        score.save()
        with self.assertNumQueries(REDRAWN):
            response = self.fetch()
        self.assertEqual(self.criteria_met(response, self.commune_a), 19)
        self.assertContains(response, "19/19", count=2)

    def test_a_new_registration_shows_at_once(self):
        self.assertContains(self.warm(), '<div class="figure">1/1</div>', html=True)
        Registration.objects.create(
            commune=self.commune_b,
            criteria_set=self.ntm,
            target_year=2024,
            registered_on=datetime.date(2024, 1, 5),
        )
        # Commune B, registered for 2024 too, meets the set: 1 of 2 at risk.
        self.assertContains(self.fetch(), '<div class="figure">1/2</div>', html=True)

    def test_a_new_dossier_shows_at_once(self):
        self.assertIsNone(
            next(r for r in self.warm().context["grid"].rows if r.commune == self.commune_b).dossier
        )
        dossier = create_dossier(
            commune=self.commune_b, criteria_set=self.ntm, year=2024, user=self.coordinator
        )
        response = self.fetch()
        self.assertContains(response, f'<a href="{dossier.get_absolute_url()}">', html=False)

    def test_a_changed_target_draws_the_grid_again(self):
        self.warm()
        IndicatorTarget.objects.create(indicator=self.indicators["11"], from_year=2024, value="≥ 95%")
        with self.assertNumQueries(REDRAWN):
            self.fetch()

    def test_an_earlier_day_gives_that_days_numbers(self):
        self.warm()
        # The scores were entered today: the day before, nothing had been assessed.
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        response = self.fetch(as_of=yesterday.isoformat())
        self.assertEqual(self.criteria_met(response, self.commune_a), 0)
        self.assertFalse(
            next(r for r in response.context["grid"].rows if r.commune == self.commune_a).standing.assessed
        )
