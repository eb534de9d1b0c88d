"""Evidence that is easy to give and to read: several files at once, the first missing
kind by default, a new version keeps its kind, PDFs inline in a sandbox, HEIC photos."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from dossiers.models import Document
from tests.dossiers.base import DossierTestCase, tiny_pdf, tiny_png


def heic_photo() -> bytes:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    output = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 120, 60)).save(output, format="HEIF")
    return output.getvalue()


class EvidenceTests(DossierTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dossier = cls.open_dossier(cls.commune_a)
        cls.plan = cls.item(cls.dossier, 1)
        cls.kinds = cls.plan.required_evidence()

    def post(self, files, **data):
        self.client.force_login(self.official_a)
        return self.client.post(self.upload_url(self.plan), {"file": files, **data}, **self.headers)

    headers = {}

    def test_several_files_in_one_go_each_with_its_kind(self):
        files = [
            SimpleUploadedFile(f"tai-lieu-{n}.pdf", tiny_pdf(f"tai lieu {n}")) for n in range(len(self.kinds))
        ]
        self.post(files, kinds=self.kinds)
        documents = Document.objects.filter(item=self.plan).order_by("pk")
        self.assertEqual([d.evidence_kind for d in documents], self.kinds)
        self.assertEqual([d.title for d in documents], [f"tai-lieu-{n}" for n in range(len(self.kinds))])

    def test_the_script_gets_json_with_the_page_to_go_to(self):
        files = [SimpleUploadedFile(f"a{n}.pdf", tiny_pdf(f"a{n}")) for n in range(2)]
        self.client.force_login(self.official_a)
        response = self.client.post(
            self.upload_url(self.plan), {"file": files}, headers={"Accept": "application/json"}
        )
        self.assertEqual(response.json(), {"next": self.item_url(self.plan), "count": 2})

    def test_one_bad_file_refuses_the_whole_batch(self):
        files = [SimpleUploadedFile("a.pdf", tiny_pdf("a")), SimpleUploadedFile("b.exe", b"MZ\x90\x00binary")]
        response = self.post(files)
        self.assertContains(response, "b.exe: Không nhận loại tệp này", status_code=400)
        self.assertFalse(Document.objects.exists())

    def test_the_kind_defaults_to_the_first_one_missing(self):
        self.upload(self.plan, evidence_kind=self.kinds[0])
        self.client.force_login(self.official_a)
        form = self.client.get(self.item_url(self.plan)).context["upload_form"]
        self.assertEqual(form.fields["evidence_kind"].initial, self.kinds[1])

    def test_a_new_version_keeps_the_kind_of_the_document_it_replaces(self):
        first = self.upload(self.plan, evidence_kind=self.kinds[0], title="Quyết định quy hoạch")
        self.post(SimpleUploadedFile("ban-moi.pdf", tiny_pdf("ban moi")), replaces=first.title)
        latest = Document.objects.current().get(item=self.plan)
        self.assertEqual((latest.version, latest.evidence_kind), (2, self.kinds[0]))

    def test_a_pdf_opens_inline_in_a_sandbox(self):
        document = self.upload(self.plan)
        self.client.force_login(self.official_a)
        page = self.client.get(reverse("dossiers:document_view", args=[self.dossier.pk, document.pk]))
        self.assertContains(page, '<iframe class="document-frame" sandbox')
        response = self.client.get(reverse("dossiers:document_inline", args=[self.dossier.pk, document.pk]))
        self.assertEqual(response["Content-Security-Policy"], "sandbox")
        self.assertTrue(response["Content-Disposition"].startswith("inline"))
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertEqual(response["X-Frame-Options"], "SAMEORIGIN")

    def test_a_word_file_only_downloads(self):
        document = self.upload(self.plan, tiny_png("x"), name="anh.png")
        Document.objects.filter(pk=document.pk).update(content_type="application/msword")
        self.client.force_login(self.official_a)
        url = reverse("dossiers:document_inline", args=[self.dossier.pk, document.pk])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_a_heic_photo_is_kept_with_a_jpeg_to_view(self):
        photo = heic_photo()
        self.post(SimpleUploadedFile("IMG_0001.HEIC", photo))
        document = Document.objects.get()
        self.assertEqual(document.content_type, "image/heic")
        self.assertEqual(document.file.read(), photo)
        self.client.force_login(self.official_a)
        response = self.client.get(reverse("dossiers:document_inline", args=[self.dossier.pk, document.pk]))
        self.assertEqual(response["Content-Type"], "image/jpeg")
        image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
        self.assertEqual((image.format, image.size), ("JPEG", (32, 24)))

    def test_the_file_input_carries_the_browser_check(self):
        self.client.force_login(self.official_a)
        response = self.client.get(self.item_url(self.plan))
        self.assertContains(response, 'data-max-bytes="52428800"')
        self.assertContains(response, 'data-max-total-bytes="209715200"')
        self.assertContains(response, 'accept=".pdf,.jpg,.jpeg,.png,.heic,.heif,.doc,.docx,.xls,.xlsx"')
        self.assertContains(response, "multiple")
        self.assertContains(response, "/static/js/upload.js")
