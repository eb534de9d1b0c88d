"""A warm home page (its grid, work queue, tasks and body from the cache) still shows each
change at once: the versions in the keys move with every write the page reads."""

from django.core.cache import cache

from communes.models import Membership
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
        (entry,) = (e for e in response.context["queue"].entries if e.label == MISSING)
        return entry.count

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
