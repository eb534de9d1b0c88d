"""PDFs that carry JavaScript or attached files are flagged and never shown in the page;
NFC and NFD spellings of one name are one document."""

import importlib
import io
import unicodedata
import zlib

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers.demo import pdf_document
from dossiers.models import Document
from ntm.lib.pdf import active_content
from tests.dossiers.base import DossierTestCase, tiny_pdf

PAGE = [
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
]


def pdf(catalog: bytes, *extra: bytes, packed: bool = False) -> bytes:
    """A one-page PDF whose catalog is `catalog` (object 1), with `extra` objects from 4 on.

    With `packed`, the catalog and the extra objects go in a compressed object stream
    indexed by a cross-reference stream (PDF 1.5), as many producers write them: none
    of their bytes can be read without inflating the stream.
    """
    objects = [catalog, *PAGE, *extra]
    if not packed:
        return pdf_document(objects)
    inside = [n for n in range(1, len(objects) + 1) if n not in (2, 3)]  # the page tree stays plain
    stream_number, xref_number = len(objects) + 1, len(objects) + 2
    header, content = b"", b""
    for n in inside:
        header += f"{n} {len(content)} ".encode()
        content += objects[n - 1] + b"\n"
    packed_stream = zlib.compress(header + content)
    body, offsets = b"%PDF-1.5\n", {}
    for n in (2, 3):
        offsets[n] = len(body)
        body += f"{n} 0 obj\n".encode() + objects[n - 1] + b"\nendobj\n"
    offsets[stream_number] = len(body)
    body += (
        f"{stream_number} 0 obj\n<< /Type /ObjStm /N {len(inside)} /First {len(header)} "
        f"/Filter /FlateDecode /Length {len(packed_stream)} >>\nstream\n".encode()
        + packed_stream
        + b"\nendstream\nendobj\n"
    )
    offsets[xref_number] = len(body)
    rows = [bytes([0, 0, 0, 0, 0, 0xFF, 0xFF])]
    for n in range(1, xref_number + 1):
        if n in inside:
            rows.append(bytes([2]) + stream_number.to_bytes(4, "big") + inside.index(n).to_bytes(2, "big"))
        else:
            rows.append(bytes([1]) + offsets[n].to_bytes(4, "big") + (0).to_bytes(2, "big"))
    table = b"".join(rows)
    body += (
        f"{xref_number} 0 obj\n<< /Type /XRef /Size {xref_number + 1} /W [1 4 2] /Root 1 0 R "
        f"/Length {len(table)} >>\nstream\n".encode()
        + table
        + b"\nendstream\nendobj\n"
    )
    body += f"startxref\n{offsets[xref_number]}\n%%EOF\n".encode()
    return body


WITH_SCRIPT = pdf(b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert[1]) >> >>")
WITH_ATTACHMENT = pdf(
    b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(a.exe) 4 0 R] >> >> >>",
    b"<< /Type /Filespec /F (a.exe) /EF << /F 5 0 R >> >>",
    b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream",
)
PLAIN = pdf(b"<< /Type /Catalog /Pages 2 0 R >>")


class ActiveContentTests(DossierTestCase):
    """ntm/lib/pdf.py on PDFs built here."""

    def found(self, content):
        return active_content(io.BytesIO(content))

    def test_a_plain_pdf_carries_nothing(self):
        for content in (PLAIN, tiny_pdf("quy hoach"), pdf(b"<< /Type /Catalog /Pages 2 0 R >>", packed=True)):
            with self.subTest(size=len(content)):
                found = self.found(content)
                self.assertEqual((found.scripts, found.attachments), (False, False))

    def test_it_finds_an_opening_script(self):
        self.assertTrue(self.found(WITH_SCRIPT).scripts)

    def test_it_finds_a_launch_action_on_a_page(self):
        content = pdf(
            b"<< /Type /Catalog /Pages 2 0 R >>",
        ).replace(
            b"/MediaBox [0 0 595 842] >>", b"/MediaBox [0 0 595 842] /AA << /O << /S /Launch /F (x) >> >> >>"
        )
        self.assertTrue(self.found(content).scripts)

    def test_it_finds_attached_files(self):
        found = self.found(WITH_ATTACHMENT)
        self.assertEqual((found.scripts, found.attachments), (False, True))

    def test_it_reads_names_written_in_hexadecimal(self):
        content = pdf(b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /J#61vaScript /J#53 (x) >> >>")
        self.assertNotIn(b"/JavaScript", content)
        self.assertTrue(self.found(content).scripts)

    def test_it_looks_inside_compressed_object_streams(self):
        content = pdf(
            b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 4 0 R >> >>",
            b"<< /Names [(a) << /S /JavaScript /JS (app.alert[1]) >>] >>",
            packed=True,
        )
        self.assertNotIn(b"JavaScript", content)
        self.assertTrue(self.found(content).scripts)

    def test_an_unreadable_pdf_is_not_checked(self):
        self.assertIsNone(self.found(b"%PDF-1.4\n" + b"\x00" * 200))


class FlaggedUploadTests(DossierTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dossier = cls.open_dossier(cls.commune_a)
        cls.plan = cls.item(cls.dossier, 1)

    def post(self, name, content, **data):
        self.client.force_login(self.official_a)
        upload = SimpleUploadedFile(name, content)
        return self.client.post(self.upload_url(self.plan), {"file": upload, **data}, follow=True)

    def test_a_pdf_with_javascript_is_accepted_with_a_warning(self):
        response = self.post("to-trinh.pdf", WITH_SCRIPT)
        document = Document.objects.get()
        self.assertEqual((document.pdf_scripts, document.pdf_attachments), (True, False))
        self.assertIn(
            "Tệp PDF chứa JavaScript hoặc lệnh tự chạy: “to-trinh” chỉ được tải về, "
            "không mở xem trong trang. Hãy kiểm tra nguồn gốc tệp.",
            [str(m) for m in response.context["messages"]],
        )

    def test_a_pdf_with_attachments_is_flagged(self):
        self.post("ho-so.pdf", WITH_ATTACHMENT)
        document = Document.objects.get()
        self.assertEqual((document.pdf_scripts, document.pdf_attachments), (False, True))
        self.assertEqual(document.active_content_warning, "Tệp PDF chứa tệp đính kèm")

    def test_a_flagged_pdf_is_never_shown_in_the_page(self):
        self.post("to-trinh.pdf", WITH_SCRIPT)
        document = Document.objects.get()
        view = reverse("dossiers:document_view", args=[self.dossier.pk, document.pk])
        self.assertRedirects(
            self.client.get(view), document.get_absolute_url(), fetch_redirect_response=False
        )
        inline = reverse("dossiers:document_inline", args=[self.dossier.pk, document.pk])
        self.assertEqual(self.client.get(inline).status_code, 404)
        download = self.client.get(document.get_absolute_url())
        self.assertTrue(download["Content-Disposition"].startswith("attachment"))
        self.assertEqual(b"".join(download.streaming_content), WITH_SCRIPT)

    def test_the_item_page_says_why_a_pdf_only_downloads(self):
        self.post("to-trinh.pdf", WITH_SCRIPT)
        page = self.client.get(self.item_url(self.plan))
        self.assertContains(page, "Tệp PDF chứa JavaScript hoặc lệnh tự chạy")
        self.assertNotContains(
            page, reverse("dossiers:document_view", args=[self.dossier.pk, Document.objects.get().pk])
        )

    def test_a_plain_pdf_still_opens_in_the_page(self):
        response = self.post("quy-hoach.pdf", PLAIN)
        document = Document.objects.get()
        self.assertEqual((document.pdf_scripts, document.pdf_attachments), (False, False))
        self.assertEqual(document.viewable_type, "application/pdf")
        self.assertFalse([m for m in response.context["messages"] if m.level_tag == "warning"])

    def test_a_pdf_that_cannot_be_checked_only_downloads(self):
        document = self.upload(self.plan, b"%PDF-1.4\n" + b"\x00" * 200, name="hong.pdf")
        self.assertEqual((document.pdf_scripts, document.pdf_attachments), (None, None))
        self.assertIsNone(document.viewable_type)
        self.assertIn("Không kiểm tra được nội dung tệp PDF này", document.active_content_warning)

    def test_existing_pdfs_are_checked_by_the_migration(self):
        plain = self.upload(self.plan, PLAIN, name="a.pdf", title="A")
        flagged = self.upload(self.plan, WITH_SCRIPT, name="b.pdf", title="B")
        Document.objects.update(pdf_scripts=False, pdf_attachments=False)  # as the new columns start
        migration = importlib.import_module("dossiers.migrations.0006_document_pdf_checks_and_nfc_names")
        migration.check_existing_pdfs(apps, None)
        plain.refresh_from_db()
        flagged.refresh_from_db()
        self.assertEqual((plain.pdf_scripts, flagged.pdf_scripts), (False, True))


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


class NormalisedNameTests(DossierTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dossier = cls.open_dossier(cls.commune_a)
        cls.plan = cls.item(cls.dossier, 1)

    def test_an_nfd_title_is_a_new_version_of_the_nfc_one(self):
        self.upload(self.plan, tiny_pdf("1"), title="Quyết định phê duyệt")
        second = self.upload(self.plan, tiny_pdf("2"), title=nfd("Quyết định phê duyệt"))
        self.assertEqual((second.title, second.version), ("Quyết định phê duyệt", 2))
        self.assertEqual(Document.objects.current().filter(item=self.plan).count(), 1)

    def test_an_nfd_file_name_names_the_same_document(self):
        # A Mac sends file names in NFD; several files are titled by their names.
        first = self.upload(self.plan, tiny_pdf("1"), name="Biên bản.pdf")
        second = self.upload(self.plan, tiny_pdf("2"), name=nfd("Biên bản.pdf"))
        self.assertEqual((first.title, second.title, second.version), ("Biên bản", "Biên bản", 2))
        self.assertEqual(second.original_name, "Biên bản.pdf")

    def test_the_migration_merges_names_that_differ_only_in_form(self):
        self.upload(self.plan, tiny_pdf("1"), title="Ảnh hiện trạng")
        older = self.upload(self.plan, tiny_pdf("2"), title="Ảnh tạm")
        # As stored before names were normalised: an NFD twin of the first title.
        Document.objects.filter(pk=older.pk).update(
            title=nfd("Ảnh hiện trạng"), original_name=nfd("Ảnh.pdf"), version=1
        )
        migration = importlib.import_module("dossiers.migrations.0006_document_pdf_checks_and_nfc_names")
        migration.normalise_names(apps, None)
        rows = list(
            Document.objects.filter(item=self.plan).order_by("version").values_list("title", "version")
        )
        self.assertEqual(rows, [("Ảnh hiện trạng", 1), ("Ảnh hiện trạng", 2)])
        self.assertEqual(Document.objects.get(pk=older.pk).original_name, "Ảnh.pdf")
