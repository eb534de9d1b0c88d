from urllib.parse import quote

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers.models import Appraisal, Document, Dossier, DossierItem, Transition
from tests.dossiers.base import DossierTestCase, tiny_pdf

PLAN = tiny_pdf("quyet dinh 125")


class AccessTestCase(DossierTestCase):
    """A draft dossier for each commune, each with one document."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dossier_a = cls.open_dossier(cls.commune_a)
        cls.item_a = cls.item(cls.dossier_a, 1)
        cls.document_a = cls.upload(cls.item_a, PLAN, name="Quyết định 125.pdf", user=cls.official_a)
        cls.dossier_b = cls.open_dossier(cls.commune_b)
        cls.item_b = cls.item(cls.dossier_b, 1)
        cls.document_b = cls.upload(cls.item_b, tiny_pdf("b"), name="QD-07.pdf", user=cls.official_b)

    def pages_of_a(self):
        """Every page of commune A's dossier that a GET reads."""
        pk = self.dossier_a.pk
        return [
            reverse("dossiers:dossier_detail", args=[pk]),
            self.item_url(self.item_a),
            reverse("dossiers:appraisals", args=[pk]),
            self.document_a.get_absolute_url(),
            reverse("dossiers:package", args=[pk]),
        ]

    def changes_to_a(self):
        """Every POST that changes commune A's dossier, with data that would be accepted."""
        pk = self.dossier_a.pk
        return [
            (self.upload_url(self.item_a), {"file": SimpleUploadedFile("x.pdf", tiny_pdf("x"))}),
            (self.item_url(self.item_a), {"review": DossierItem.Review.COMPLETE}),
            (reverse("dossiers:document_withdraw", args=[pk, self.document_a.pk]), {"reason": "Không cần"}),
            (reverse("dossiers:dossier_action", args=[pk, "submit"]), {"comment": ""}),
            (reverse("dossiers:appraisals", args=[pk]), {"department": self.sgtvt.pk}),
            (
                reverse("dossiers:recognition", args=[pk]),
                {"decision_number": "1", "decided_on": "26/12/2024"},
            ),
        ]

    def assertNothingChanged(self):
        self.assertEqual(list(Document.objects.order_by("pk")), [self.document_a, self.document_b])
        self.assertFalse(Document.objects.filter(withdrawn_at__isnull=False).exists())
        self.assertFalse(Transition.objects.exists())
        self.assertFalse(Appraisal.objects.exists())
        self.assertFalse(DossierItem.objects.exclude(review=DossierItem.Review.PENDING).exists())
        self.assertEqual(set(Dossier.objects.values_list("status", flat=True)), {Dossier.Status.DRAFT})


class OtherCommuneTests(AccessTestCase):
    def setUp(self):
        self.client.force_login(self.official_b)

    def test_commune_b_cannot_see_commune_a_pages(self):
        for url in self.pages_of_a():
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_commune_b_cannot_change_commune_a_dossier(self):
        for url, data in self.changes_to_a():
            with self.subTest(url=url, data=data):
                self.assertEqual(self.client.post(url, data).status_code, 404)
        self.assertNothingChanged()

    def test_a_guessed_document_id_under_its_own_dossier_gives_404(self):
        url = reverse("dossiers:document_download", args=[self.dossier_b.pk, self.document_a.pk])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_a_guessed_document_id_cannot_be_withdrawn(self):
        url = reverse("dossiers:document_withdraw", args=[self.dossier_b.pk, self.document_a.pk])
        self.assertEqual(self.client.post(url, {"reason": "Xóa hộ"}).status_code, 404)
        self.assertNothingChanged()

    def test_a_guessed_item_id_under_its_own_dossier_gives_404(self):
        url = reverse("dossiers:item_detail", args=[self.dossier_b.pk, self.item_a.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        url = reverse("dossiers:item_upload", args=[self.dossier_b.pk, self.item_a.pk])
        upload = SimpleUploadedFile("x.pdf", tiny_pdf("x"))
        self.assertEqual(self.client.post(url, {"file": upload}).status_code, 404)
        self.assertNothingChanged()

    def test_commune_b_cannot_open_a_dossier_for_commune_a(self):
        url = reverse("dossiers:dossier_open", args=[self.commune_a.code])
        response = self.client.post(url, {"criteria_set": self.ntm.code, "year": 2025})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Dossier.objects.filter(year=2025).exists())

    def test_commune_b_reads_its_own_document(self):
        response = self.client.get(self.document_b.get_absolute_url())
        self.assertEqual(b"".join(response.streaming_content), tiny_pdf("b"))


class AnonymousAndOutsiderTests(AccessTestCase):
    def test_anonymous_is_sent_to_login_on_every_page(self):
        for url in [reverse("dossiers:progress"), *self.pages_of_a()]:
            with self.subTest(url=url):
                self.assertRedirects(
                    self.client.get(url),
                    f"{reverse('login')}?next={quote(url)}",
                    fetch_redirect_response=False,
                )

    def test_anonymous_is_sent_to_login_on_every_change(self):
        for url, data in self.changes_to_a():
            with self.subTest(url=url, data=data):
                self.assertRedirects(
                    self.client.post(url, data),
                    f"{reverse('login')}?next={quote(url)}",
                    fetch_redirect_response=False,
                )
        self.assertNothingChanged()

    def test_a_user_without_membership_gets_404(self):
        self.client.force_login(self.nobody)
        for url in self.pages_of_a():
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_a_user_without_membership_cannot_change_anything(self):
        self.client.force_login(self.nobody)
        for url, data in self.changes_to_a():
            with self.subTest(url=url, data=data):
                self.assertEqual(self.client.post(url, data).status_code, 404)
        self.assertNothingChanged()

    def test_an_unknown_dossier_gives_404(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.get(reverse("dossiers:dossier_detail", args=[9999])).status_code, 404)


class LeaderTests(AccessTestCase):
    def setUp(self):
        self.client.force_login(self.leader)

    def test_leader_reads_the_dossier_pages(self):
        headings = ["Hồ sơ xã Dân Lý — năm 2024", "1. Quy hoạch", "Thẩm định hồ sơ xã Dân Lý"]
        for url, heading in zip(self.pages_of_a(), headings, strict=False):
            with self.subTest(url=url):
                self.assertContains(self.client.get(url), f"<h1>{heading}</h1>", html=True)

    def test_leader_downloads(self):
        response = self.client.get(self.document_a.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), PLAN)

    def test_leader_cannot_change_anything(self):
        for url, data in self.changes_to_a():
            with self.subTest(url=url, data=data):
                self.assertEqual(self.client.post(url, data).status_code, 403)
        self.assertNothingChanged()

    def test_leader_cannot_download_the_package(self):
        self.assertEqual(
            self.client.get(reverse("dossiers:package", args=[self.dossier_a.pk])).status_code, 403
        )

    def test_leader_cannot_open_a_dossier(self):
        url = reverse("dossiers:dossier_open", args=[self.commune_a.code])
        response = self.client.post(url, {"criteria_set": self.ntm.code, "year": 2025})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Dossier.objects.filter(year=2025).exists())


class DownloadTests(AccessTestCase):
    def download(self, user=None, document=None):
        self.client.force_login(user or self.official_a)
        return self.client.get((document or self.document_a).get_absolute_url())

    def test_it_is_an_attachment_with_the_original_name(self):
        response = self.download(self.official_b, self.document_b)
        self.assertEqual(response["Content-Disposition"], 'attachment; filename="QD-07.pdf"')

    def test_a_vietnamese_original_name_is_kept(self):
        response = self.download()
        self.assertEqual(
            response["Content-Disposition"], f"attachment; filename*=utf-8''{quote('Quyết định 125.pdf')}"
        )

    def test_browsers_may_not_sniff_the_type(self):
        response = self.download()
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Content-Type"], "application/pdf")

    def test_the_body_is_the_uploaded_bytes(self):
        response = self.download()
        self.assertEqual(b"".join(response.streaming_content), PLAN)

    def test_the_department_officer_downloads(self):
        response = self.download(self.department_officer)
        self.assertEqual(b"".join(response.streaming_content), PLAN)
