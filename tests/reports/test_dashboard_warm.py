"""A warm home page (its grid, work queue, tasks and body from the cache) still shows each
change at once: the versions in the keys move with every write the page reads."""

import re

from django.core.cache import cache

from communes.models import Membership
from criteria.models import CriteriaSet
from dossiers.models import Dossier
from dossiers.services import return_dossier, submit_dossier
from meetings.services import close_task, create_task
from notifications.models import Kind, Notification
from tests.dossiers.base import YEAR, DossierTestCase
from tests.meetings.base import MeetingTestCase

MISSING = "Thành phần hồ sơ còn thiếu minh chứng"


class WarmTasksTests(MeetingTestCase):
    def setUp(self):
        cache.clear()

    def warm_home(self, user):
        self.client.force_login(user)
        self.client.get("/")
        return self.client.get("/")

    def test_a_new_task_shows_on_a_warm_home(self):
        self.assertNotContains(self.warm_home(self.official_a), "Báo cáo kết quả rà soát hộ nghèo")
        create_task(
            unit=self.district,
            title="Báo cáo kết quả rà soát hộ nghèo",
            owner=self.commune_a,
            deadline=self.task_a.deadline,
            user=self.coordinator,
        )
        self.assertContains(self.client.get("/"), "Báo cáo kết quả rà soát hộ nghèo")

    def test_a_closed_task_leaves_a_warm_home(self):
        self.assertContains(self.warm_home(self.official_a), "Hoàn thiện hồ sơ chung")
        close_task(task=self.task_a, note="Đã nộp hồ sơ chung.", user=self.official_a)
        self.assertNotContains(self.client.get("/"), "Hoàn thiện hồ sơ chung")

    def test_a_new_role_reads_its_queue_at_once(self):
        response = self.warm_home(self.coordinator)
        self.assertNotContains(response, "Kết quả chờ phòng thẩm tra")
        Membership.objects.create(
            user=self.coordinator,
            role=Membership.Role.DEPARTMENT,
            district=self.district,
            department=self.department,
        )
        self.assertContains(self.client.get("/"), "Kết quả chờ phòng thẩm tra")


class WarmQueueTests(DossierTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dossier = cls.open_dossier(cls.commune_a)

    def setUp(self):
        cache.clear()
        self.client.force_login(self.official_a)

    def fetch(self):
        return self.client.get("/", {"set": self.ntm.code, "year": YEAR})

    def missing(self, response) -> int:
        """The count the page shows beside the entry (the queue's part of the page is
        kept in the cache too)."""
        (count,) = re.findall(rf'>(\d+)</a></span>\s*<a href="[^"]*">{MISSING}<', response.content.decode())
        return int(count)

    def test_evidence_uploaded_counts_at_once(self):
        self.fetch()
        before = self.missing(self.fetch())
        item = self.item(self.dossier, 2)
        self.upload(item, evidence_kind=item.required_evidence()[0])
        self.assertEqual(self.missing(self.fetch()), before - 1)

    def test_a_dossier_returned_shows_its_reason_at_once(self):
        self.fill(self.dossier)
        self.fetch()
        self.assertNotContains(self.fetch(), "Bổ sung biên bản họp dân")
        submit_dossier(dossier=self.dossier, user=self.official_a)
        return_dossier(dossier=self.dossier, user=self.coordinator, comment="Bổ sung biên bản họp dân")
        self.assertEqual(Dossier.objects.get(pk=self.dossier.pk).status, Dossier.Status.RETURNED)
        self.assertContains(self.fetch(), "Bổ sung biên bản họp dân")

    def test_unread_notices_are_counted_on_every_view(self):
        self.fetch()
        self.assertNotContains(self.fetch(), "Thông báo chưa đọc")
        Notification.objects.create(
            recipient=self.official_a, kind=Kind.values[0], message="Hồ sơ đã được nhận"
        )
        self.assertContains(self.fetch(), "Thông báo chưa đọc")
        Notification.objects.filter(recipient=self.official_a).update(read_at="2026-01-01T00:00:00Z")
        self.assertNotContains(self.fetch(), "Thông báo chưa đọc")


class WarmFiltersTests(DossierTestCase):
    """The filter form is kept in the cache with the page's body: as the query wrote it."""

    def setUp(self):
        cache.clear()
        self.client.force_login(self.coordinator)

    def test_a_bad_date_is_refused_on_a_warm_page_and_a_good_one_is_not(self):
        good = {"set": self.ntm.code, "year": YEAR}
        self.client.get("/", good)
        bad = self.client.get("/", {**good, "as_of": "31/02/2024"})
        self.assertContains(bad, 'value="31/02/2024"')
        self.assertContains(bad, "field-error")
        again = self.client.get("/", good)
        self.assertNotContains(again, "field-error")
        self.assertNotContains(again, "31/02/2024")

    def test_the_year_asked_is_the_year_shown_in_the_form(self):
        for year in (YEAR, YEAR - 1):
            self.client.get("/", {"set": self.ntm.code, "year": year})
            page = self.client.get("/", {"set": self.ntm.code, "year": year}).content.decode()
            self.assertRegex(page, rf'<input type="number" name="year" value="{year}"')

    def test_a_new_set_is_offered_at_once(self):
        self.client.get("/")
        self.assertNotContains(self.client.get("/"), "Bộ tiêu chí thử của tỉnh")
        CriteriaSet.objects.create(
            code="TH-THU-XA", name="Bộ tiêu chí thử của tỉnh", level=CriteriaSet.Level.COMMUNE
        )
        self.assertContains(self.client.get("/"), "Bộ tiêu chí thử của tỉnh")
