"""Every page with several forms gives each field its own HTML id, so a label always
points at its own box (verification rows, appraisal rows, withdraw forms, steps)."""

from collections import Counter
from html.parser import HTMLParser

from django.urls import reverse

from criteria.models import Score
from dossiers.services import submit_dossier
from tests.dossiers.base import YEAR, DossierTestCase


class Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = Counter()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id":
                self.ids[value] += 1


def duplicate_ids(html: str) -> list[str]:
    parser = Ids()
    parser.feed(html)
    return [value for value, count in parser.ids.items() if count > 1]


class UniqueIdTests(DossierTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dossier = cls.open_dossier()
        cls.fill(cls.dossier)
        submit_dossier(dossier=cls.dossier, user=cls.official_a)
        Score.objects.update(verification=Score.Verification.PENDING)

    def pages(self):
        d, item = self.dossier.pk, self.item(self.dossier, 2)
        a, s = self.commune_a.code, self.ntm.code
        return [
            (self.coordinator, reverse("reports:dashboard")),
            (self.coordinator, reverse("dossiers:dossier_detail", args=[d])),
            (self.coordinator, self.item_url(item)),
            (self.coordinator, reverse("dossiers:appraisals", args=[d])),
            (self.coordinator, reverse("criteria:owners", args=[s, "district", self.district.code])),
            (self.department_officer, reverse("criteria:score_entry", args=[a, s, YEAR, 2])),
            (self.coordinator, reverse("criteria:score_entry", args=[a, s, YEAR, 2])),
            (self.official_a, self.item_url(self.item(self.dossier, 3))),
        ]

    def test_no_page_repeats_an_id(self):
        for user, url in self.pages():
            with self.subTest(user=user.username, url=url):
                self.client.force_login(user)
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(duplicate_ids(response.content.decode()), [])

    def test_the_walk_sees_several_forms(self):
        # Guard: the item page has a withdraw form per document and the criterion page a
        # verification form per indicator, so the test above has something to catch.
        self.client.force_login(self.department_officer)
        html = self.client.get(
            reverse("criteria:score_entry", args=[self.commune_a.code, self.ntm.code, YEAR, 2])
        ).content.decode()
        self.assertGreater(html.count('class="verify-form'), 1)
