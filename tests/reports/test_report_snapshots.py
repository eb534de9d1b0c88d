import datetime
import hashlib
import shutil
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from criteria.models import Score
from reports.models import ReportKind, ReportSnapshot
from tests.base import AssessmentTestCase
from tests.reports.documents import pdf_text

UNMET = dict.fromkeys(("2.1", "2.2", "11", "13.2", "17.5"), Score.Status.NOT_MET)


class SnapshotTests(AssessmentTestCase):
    @classmethod
    def setUpClass(cls):
        # Snapshot files go to a throwaway media folder, not the developer's var/media.
        media = tempfile.mkdtemp(prefix="ntm-report-snapshots-")
        cls.addClassCleanup(shutil.rmtree, media, ignore_errors=True)
        cls.enterClassContext(override_settings(MEDIA_ROOT=media))
        super().setUpClass()

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.score_all(cls.commune_a, 2024, exceptions=UNMET)
        cls.score_all(cls.commune_b, 2024)

    def save(self, user, name="reports:district_snapshot", args=(), meeting_date="05/12/2024", **params):
        self.client.force_login(user)
        url = reverse(name, args=args)
        query = {"set": self.ntm.code, "year": 2024, **params}
        return self.client.post(
            f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}",
            {"meeting_date": meeting_date, "meeting": "Họp Ban Chỉ đạo tháng 12"},
        )

    def download(self, user, snapshot):
        self.client.force_login(user)
        return self.client.get(snapshot.get_absolute_url())

    def test_the_same_form_sent_twice_saves_one_snapshot(self):
        self.client.force_login(self.coordinator)
        url = f"{reverse('reports:district_snapshot')}?set={self.ntm.code}&year=2024"
        self.assertContains(self.client.get(reverse("reports:district")), 'name="submission"')
        data = {"meeting_date": "05/12/2024", "submission": str(uuid.uuid4())}
        first, second = self.client.post(url, data), self.client.post(url, data)
        snapshot = ReportSnapshot.objects.get()
        self.assertEqual(first["Location"], second["Location"])
        self.assertTrue(first["Location"].endswith(f"#snapshot-{snapshot.pk}"))

    def test_a_new_form_saves_a_new_snapshot(self):
        self.client.force_login(self.coordinator)
        url = f"{reverse('reports:district_snapshot')}?set={self.ntm.code}&year=2024"
        for _ in range(2):
            self.client.post(url, {"meeting_date": "05/12/2024", "submission": str(uuid.uuid4())})
        self.assertEqual(ReportSnapshot.objects.count(), 2)

    def test_a_coordinator_saves_a_numbered_snapshot(self):
        response = self.save(self.coordinator, as_of="2024-11-30")
        snapshot = ReportSnapshot.objects.get()
        self.assertRedirects(response, f"{reverse('reports:snapshot_list')}#snapshot-{snapshot.pk}")
        self.assertEqual(snapshot.number, f"01/{timezone.localdate().year}")
        self.assertEqual(snapshot.kind, ReportKind.DISTRICT)
        self.assertEqual(snapshot.parameters, {"set": self.ntm.code, "year": 2024, "as_of": "2024-11-30"})
        self.assertEqual(
            (snapshot.meeting_date, snapshot.data_date),
            (datetime.date(2024, 12, 5), datetime.date(2024, 11, 30)),
        )
        self.assertEqual(snapshot.created_by, self.coordinator)
        self.assertCountEqual(snapshot.communes.all(), [self.commune_a, self.commune_b])

    def test_numbers_run_on_within_the_year(self):
        self.save(self.coordinator)
        self.save(self.leader, "reports:dossiers_snapshot")
        numbers = sorted(ReportSnapshot.objects.values_list("sequence", flat=True))
        self.assertEqual(numbers, [1, 2])

    def test_it_keeps_the_file_and_its_hash_under_reports_in_the_media_folder(self):
        self.save(self.coordinator)
        snapshot = ReportSnapshot.objects.get()
        self.assertTrue(snapshot.file.name.startswith(f"reports/{snapshot.year}/"))
        content = Path(settings.MEDIA_ROOT, snapshot.file.name).read_bytes()
        self.assertEqual(hashlib.sha256(content).hexdigest(), snapshot.sha256)
        self.assertEqual(len(content), snapshot.size)

    def test_it_downloads_byte_identical_after_the_data_changes(self):
        self.save(self.coordinator)
        snapshot = ReportSnapshot.objects.get()
        score = Score.objects.get(commune=self.commune_a, indicator=self.indicators["11"], year=2024)
        score.status = Score.Status.MET
        score.save()
        content = b"".join(self.download(self.leader, snapshot).streaming_content)
        self.assertEqual(hashlib.sha256(content).hexdigest(), snapshot.sha256)
        self.assertIn("Dân Lý 15/19", pdf_text(content))
        fresh = self.client.get(reverse("reports:district_pdf"), {"set": self.ntm.code, "year": 2024})
        self.assertIn("Dân Lý 16/19", pdf_text(fresh.content))

    def test_the_pdf_prints_the_snapshot_number_and_meeting_date(self):
        self.save(self.coordinator)
        snapshot = ReportSnapshot.objects.get()
        text = pdf_text(b"".join(self.download(self.coordinator, snapshot).streaming_content))
        self.assertIn(f"Bản lưu số {snapshot.number} cho cuộc họp ngày 05/12/2024", text)

    def test_the_download_is_named_by_number(self):
        self.save(self.coordinator)
        snapshot = ReportSnapshot.objects.get()
        response = self.download(self.coordinator, snapshot)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn(
            f"bao-cao-01-{snapshot.year}-tien-do-xay-dung-nong-thon-moi.pdf", response["Content-Disposition"]
        )

    def test_a_leader_may_save(self):
        self.save(self.leader)
        self.assertEqual(ReportSnapshot.objects.get().created_by, self.leader)

    def test_a_commune_official_cannot_save(self):
        response = self.save(self.official_a, "reports:commune_snapshot", args=[self.commune_a.code])
        self.assertEqual(response.status_code, 403)
        self.assertFalse(ReportSnapshot.objects.exists())

    def test_a_department_officer_cannot_save(self):
        self.assertEqual(self.save(self.department_officer).status_code, 403)

    def test_a_user_without_a_role_cannot_save(self):
        self.assertEqual(self.save(self.nobody).status_code, 403)

    def test_another_communes_official_gets_404(self):
        response = self.save(self.official_b, "reports:commune_snapshot", args=[self.commune_a.code])
        self.assertEqual(response.status_code, 404)

    def test_it_requires_login(self):
        url = reverse("reports:district_snapshot")
        self.assertRedirects(self.client.post(url), f"{reverse('login')}?next={url}")

    def test_it_rejects_get(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.get(reverse("reports:district_snapshot")).status_code, 405)

    def test_a_bad_meeting_date_is_refused_next_to_the_field(self):
        response = self.save(self.coordinator, meeting_date="32/13/2024")
        self.assertContains(response, "Nhập một ngày hợp lệ.", status_code=400)
        self.assertFalse(ReportSnapshot.objects.exists())

    def test_the_preview_offers_saving_only_to_those_who_may(self):
        url = reverse("reports:district")
        self.client.force_login(self.leader)
        self.assertContains(self.client.get(url), "Lưu bản báo cáo cho cuộc họp")
        self.client.force_login(self.official_a)
        self.assertNotContains(self.client.get(url), "Lưu bản báo cáo cho cuộc họp")

    def test_snapshots_are_listed_by_meeting_date(self):
        self.save(self.coordinator, meeting_date="05/12/2024")
        self.save(self.coordinator, "reports:dossiers_snapshot", meeting_date="20/12/2024")
        self.client.force_login(self.leader)
        html = self.client.get(reverse("reports:snapshot_list")).content.decode()
        self.assertLess(html.index("Cuộc họp ngày 20/12/2024"), html.index("Cuộc họp ngày 05/12/2024"))
        self.assertIn("Họp Ban Chỉ đạo tháng 12", html)

    def test_a_commune_official_gets_only_their_communes_snapshots(self):
        self.save(self.coordinator)
        self.save(self.coordinator, "reports:commune_snapshot", args=[self.commune_a.code])
        district = ReportSnapshot.objects.get(kind=ReportKind.DISTRICT)
        commune = ReportSnapshot.objects.get(kind=ReportKind.COMMUNE)
        self.assertEqual(self.download(self.official_a, district).status_code, 404)
        self.assertEqual(self.download(self.official_a, commune).status_code, 200)
        self.assertEqual(self.download(self.official_b, commune).status_code, 404)
        listed = self.client.get(reverse("reports:snapshot_list")).context["snapshots"]
        self.assertEqual(list(listed), [])
        self.client.force_login(self.official_a)
        self.assertEqual(
            list(self.client.get(reverse("reports:snapshot_list")).context["snapshots"]), [commune]
        )

    def test_a_user_without_communes_sees_no_snapshot(self):
        self.save(self.coordinator)
        self.assertEqual(self.download(self.nobody, ReportSnapshot.objects.get()).status_code, 404)

    def test_the_file_is_not_served_from_the_media_url(self):
        self.save(self.coordinator)
        self.client.force_login(self.coordinator)
        url = f"{settings.MEDIA_URL}{ReportSnapshot.objects.get().file.name}"
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_list_query_count_is_the_same_for_1_and_4_snapshots(self):
        # session, user, memberships, count, snapshots with who saved them
        self.save(self.coordinator)
        self.client.force_login(self.leader)
        with self.assertNumQueries(5):
            self.client.get(reverse("reports:snapshot_list"))
        for _ in range(3):
            self.save(self.coordinator, "reports:dossiers_snapshot")
        self.client.force_login(self.leader)
        with self.assertNumQueries(5):
            self.assertEqual(len(self.client.get(reverse("reports:snapshot_list")).context["snapshots"]), 4)
