import datetime
import hashlib

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from dossiers.models import Document, Dossier
from dossiers.progress import dossier_progress
from dossiers.services import UploadRefused, WorkflowError, upload_document, withdraw_document
from tests.dossiers.base import DossierTestCase, tiny_pdf, tiny_png

PLAN_DECISION = "Quyết định phê duyệt quy hoạch chung xây dựng xã"
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
NOT_ACCEPTED = "Không nhận loại tệp này"


class UploadTestCase(DossierTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dossier = cls.open_dossier(cls.commune_a)
        cls.plan = cls.item(cls.dossier, 1)
        cls.poverty = cls.item(cls.dossier, 11)

    def post(self, user, name, content, item=None, follow=False, **data):
        self.client.force_login(user)
        upload = SimpleUploadedFile(name, content)
        return self.client.post(self.upload_url(item or self.plan), {"file": upload, **data}, follow=follow)

    def assertNothingStored(self, files_before):
        self.assertFalse(Document.objects.exists())
        self.assertEqual(self.stored_files(), files_before)


class AcceptedUploadTests(UploadTestCase):
    def test_a_pdf_is_stored_with_its_facts(self):
        content = tiny_pdf("quy hoach")
        before = timezone.now()
        self.post(
            self.official_a,
            "Quyết định 125.pdf",
            content,
            evidence_kind=PLAN_DECISION,
            effective_date="15/03/2024",
        )
        document = Document.objects.get()
        self.assertEqual(
            (document.original_name, document.content_type, document.size, document.sha256),
            ("Quyết định 125.pdf", "application/pdf", len(content), hashlib.sha256(content).hexdigest()),
        )
        self.assertEqual(
            (document.uploaded_by, document.effective_date), (self.official_a, datetime.date(2024, 3, 15))
        )
        self.assertTrue(before <= document.uploaded_at <= timezone.now())

    def test_the_stored_name_is_a_uuid_in_the_dossier_folder(self):
        content = tiny_pdf("quy hoach")
        before = self.stored_files()
        self.post(self.official_a, "Quyết định 125.pdf", content)
        name = Document.objects.get().file.name
        self.assertRegex(name, rf"^dossiers/{self.dossier.pk}/[0-9a-f]{{32}}\.pdf$")
        self.assertEqual(self.stored_files() - before, {name})
        with Document.objects.get().file.open("rb") as stored:
            self.assertEqual(stored.read(), content)

    def test_a_phone_photo_is_stored_as_png(self):
        content = tiny_png("anh chup")
        self.post(self.official_a, "IMG_2024.PNG", content)
        document = Document.objects.get()
        self.assertEqual(
            (document.content_type, document.sha256), ("image/png", hashlib.sha256(content).hexdigest())
        )
        self.assertRegex(document.file.name, r"/[0-9a-f]{32}\.png$")

    def test_the_type_comes_from_the_content_not_the_name(self):
        self.post(self.official_a, "anh-chup.png", tiny_pdf("thuc ra la pdf"))
        document = Document.objects.get()
        self.assertEqual((document.content_type, document.original_name), ("application/pdf", "anh-chup.png"))
        self.assertTrue(document.file.name.endswith(".pdf"))

    def test_the_title_defaults_to_the_evidence_kind(self):
        self.post(self.official_a, "scan.pdf", tiny_pdf("x"), evidence_kind=PLAN_DECISION)
        self.assertEqual(Document.objects.get().title, PLAN_DECISION)

    def test_it_redirects_back_to_the_item_with_a_message(self):
        response = self.post(self.official_a, "scan.pdf", tiny_pdf("x"), title="Tờ trình số 5", follow=True)
        self.assertRedirects(response, self.item_url(self.plan))
        self.assertIn("Đã tải lên “Tờ trình số 5” (phiên bản 1).", self.messages_of(response))

    def test_a_file_at_the_limit_is_accepted(self):
        content = tiny_pdf("x")
        content += b"\n" * (1024 * 1024 - len(content))
        with override_settings(UPLOAD_MAX_MB=1):
            self.post(self.official_a, "dung-gioi-han.pdf", content)
        self.assertEqual(Document.objects.get().size, 1024 * 1024)

    def test_the_service_keeps_the_file_name_as_the_original_name(self):
        # Called without the view, which sets `upload.original_name` itself.
        upload = SimpleUploadedFile("bien-ban-hop.pdf", tiny_pdf("x"))
        stored = upload_document(item=self.plan, user=self.official_a, upload=upload)
        self.assertEqual(stored.document.original_name, "bien-ban-hop.pdf")


class RefusedUploadTests(UploadTestCase):
    def assertRefused(self, response, message):
        self.assertEqual(response.status_code, 400)
        self.assertIn(message, " ".join(response.context["upload_form"].errors["file"]))
        self.assertContains(response, message, status_code=400)

    def test_it_refuses_text_named_pdf(self):
        before = self.stored_files()
        response = self.post(self.official_a, "bao-cao.pdf", "Báo cáo kết quả\n".encode())
        self.assertRefused(response, f"{NOT_ACCEPTED} (nội dung là text/plain)")
        self.assertNothingStored(before)

    def test_it_refuses_a_program(self):
        before = self.stored_files()
        response = self.post(self.official_a, "setup.exe", PROGRAM)
        self.assertRefused(response, f"{NOT_ACCEPTED} (nội dung là application/x-dosexec)")
        self.assertNothingStored(before)

    def test_it_refuses_a_web_page_named_pdf(self):
        before = self.stored_files()
        response = self.post(self.official_a, "trang.pdf", b"<!DOCTYPE html><html><body>x</body></html>")
        self.assertRefused(response, f"{NOT_ACCEPTED} (nội dung là text/html)")
        self.assertNothingStored(before)

    @override_settings(UPLOAD_MAX_MB=1)
    def test_it_stops_reading_a_file_over_the_limit(self):
        content = tiny_pdf("x")
        content += b"\n" * (1024 * 1024 + 1 - len(content))
        before = self.stored_files()
        response = self.post(self.official_a, "qua-lon.pdf", content)
        self.assertContains(
            response, "Tệp “qua-lon.pdf” quá lớn. Giới hạn là 1 MB cho mỗi tệp", status_code=413
        )
        self.assertNothingStored(before)

    @override_settings(UPLOAD_MAX_MB=1)
    def test_the_service_refuses_a_file_over_the_limit(self):
        content = tiny_pdf("x")
        content += b"\n" * (1024 * 1024 + 1 - len(content))
        before = self.stored_files()
        with self.assertRaisesMessage(UploadRefused, "Tệp quá lớn (1.0 MB). Giới hạn là 1 MB."):
            upload_document(
                item=self.plan, user=self.official_a, upload=SimpleUploadedFile("qua-lon.pdf", content)
            )
        self.assertNothingStored(before)

    def test_it_refuses_an_empty_file(self):
        # Django's FileField refuses it first, in its own Vietnamese.
        before = self.stored_files()
        response = self.post(self.official_a, "rong.pdf", b"")
        self.assertRefused(response, "Tập tin được gửi là rỗng.")
        self.assertNothingStored(before)

    def test_the_service_refuses_an_empty_file(self):
        before = self.stored_files()
        with self.assertRaisesMessage(UploadRefused, "Tệp rỗng, không có nội dung."):
            upload_document(item=self.plan, user=self.official_a, upload=ContentFile(b"", name="rong.pdf"))
        self.assertNothingStored(before)

    def test_the_service_refuses_a_name_with_path_parts(self):
        # Django's multipart parser strips path parts before a view sees the name
        # (see test_the_page_keeps_a_posted_path_out_of_the_stored_name), so only a
        # caller of the service can hand one over.
        before = self.stored_files()
        for name in ("../../etc/x.pdf", "/tmp/x.pdf", "..\\..\\x.pdf", ".."):
            with self.subTest(name=name), self.assertRaisesMessage(UploadRefused, "Tên tệp không hợp lệ"):
                upload_document(
                    item=self.plan, user=self.official_a, upload=ContentFile(tiny_pdf("x"), name=name)
                )
        self.assertNothingStored(before)

    def test_the_service_refuses_control_characters_in_the_name(self):
        before = self.stored_files()
        for name in ("bao\ncao.pdf", "bao\x00cao.pdf", "bao\x1bcao.pdf"):
            with self.subTest(name=name), self.assertRaisesMessage(UploadRefused, "Tên tệp không hợp lệ"):
                upload_document(
                    item=self.plan, user=self.official_a, upload=ContentFile(tiny_pdf("x"), name=name)
                )
        self.assertNothingStored(before)

    def test_the_page_keeps_a_posted_path_out_of_the_stored_name(self):
        # The test client would drop the path itself: build the multipart body by hand.
        boundary = "ntm-boundary"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="../../etc/x.pdf"\r\n'
                "Content-Type: application/pdf\r\n\r\n"
            ).encode()
            + tiny_pdf("x")
            + f"\r\n--{boundary}--\r\n".encode()
        )
        before = self.stored_files()
        self.client.force_login(self.official_a)
        self.client.post(
            self.upload_url(self.plan), body, content_type=f"multipart/form-data; boundary={boundary}"
        )
        document = Document.objects.get()
        self.assertEqual(document.original_name, "x.pdf")
        self.assertRegex(document.file.name, rf"^dossiers/{self.dossier.pk}/[0-9a-f]{{32}}\.pdf$")
        self.assertEqual(self.stored_files() - before, {document.file.name})

    def test_it_refuses_an_effective_date_after_today(self):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        before = self.stored_files()
        response = self.post(
            self.official_a, "x.pdf", tiny_pdf("x"), effective_date=tomorrow.strftime("%d/%m/%Y")
        )
        self.assertContains(response, "Ngày của tài liệu không thể sau hôm nay.", status_code=400)
        self.assertNothingStored(before)


class VersionTests(UploadTestCase):
    def test_uploading_to_an_existing_title_makes_version_2(self):
        self.upload(self.plan, tiny_pdf("ban 1"), title="Biên bản công bố quy hoạch")
        self.post(self.official_a, "ban-2.pdf", tiny_pdf("ban 2"), replaces="Biên bản công bố quy hoạch")
        versions = Document.objects.filter(title="Biên bản công bố quy hoạch").order_by("version")
        self.assertEqual(
            [(d.version, d.original_name) for d in versions], [(1, "bao-cao.pdf"), (2, "ban-2.pdf")]
        )
        self.assertEqual(list(Document.objects.current()), [versions[1]])

    def test_version_1_stays_downloadable(self):
        first = self.upload(self.plan, tiny_pdf("ban 1"), title="Biên bản")
        self.post(self.official_a, "ban-2.pdf", tiny_pdf("ban 2"), replaces="Biên bản")
        response = self.client.get(first.get_absolute_url())
        self.assertEqual(b"".join(response.streaming_content), tiny_pdf("ban 1"))

    def test_the_item_page_lists_both_versions(self):
        self.upload(self.plan, tiny_pdf("ban 1"), title="Biên bản")
        self.post(self.official_a, "ban-2.pdf", tiny_pdf("ban 2"), replaces="Biên bản")
        response = self.client.get(self.item_url(self.plan))
        self.assertContains(response, "<td>v1</td>", html=True)
        self.assertContains(response, "<td>v2</td>", html=True)


class DuplicateTests(UploadTestCase):
    def test_the_same_file_twice_warns_with_the_address_of_the_first_copy(self):
        first = self.upload(self.plan, tiny_pdf("cung noi dung"), title="Quyết định 125")
        response = self.post(
            self.official_a, "lan-2.pdf", tiny_pdf("cung noi dung"), item=self.poverty, follow=True
        )
        warning = (
            f'Tệp này trùng nội dung với <a href="{first.get_absolute_url()}">“Quyết định 125” (v1)</a> '
            f"ở {self.plan.title} đã tải lên trước."
        )
        self.assertIn(warning, self.messages_of(response))
        self.assertEqual(Document.objects.count(), 2)

    def test_the_duplicate_warning_is_a_link_to_the_first_copy(self):
        first = self.upload(self.plan, tiny_pdf("cung noi dung"), title="Quyết định 125")
        response = self.post(
            self.official_a, "lan-2.pdf", tiny_pdf("cung noi dung"), item=self.poverty, follow=True
        )
        self.assertContains(response, f'href="{first.get_absolute_url()}"')

    def test_another_dossier_does_not_count(self):
        dossier_b = self.open_dossier(self.commune_b)
        self.upload(self.item(dossier_b, 1), tiny_pdf("cung noi dung"), user=self.official_b)
        response = self.post(self.official_a, "lan-2.pdf", tiny_pdf("cung noi dung"), follow=True)
        self.assertFalse(any("trùng nội dung" in m for m in self.messages_of(response)))


class WithdrawTests(UploadTestCase):
    def withdraw(self, user, document, reason):
        self.client.force_login(user)
        url = reverse("dossiers:document_withdraw", args=[self.dossier.pk, document.pk])
        return self.client.post(url, {f"w{document.pk}-reason": reason}, follow=True)

    def test_withdrawing_keeps_every_version_with_the_reason(self):
        self.upload(self.plan, tiny_pdf("ban 1"), title="Biên bản")
        second = self.upload(self.plan, tiny_pdf("ban 2"), title="Biên bản")
        self.withdraw(self.official_a, second, "Nộp nhầm biên bản năm trước")
        rows = Document.objects.filter(title="Biên bản").order_by("version")
        self.assertEqual([d.version for d in rows], [1, 2])
        self.assertTrue(all(d.withdrawn_at and d.withdrawn_by == self.official_a for d in rows))
        self.assertEqual({d.withdrawal_reason for d in rows}, {"Nộp nhầm biên bản năm trước"})

    def test_withdrawn_files_stay_downloadable(self):
        document = self.upload(self.plan, tiny_pdf("ban 1"), title="Biên bản")
        self.withdraw(self.official_a, document, "Nộp nhầm")
        response = self.client.get(document.get_absolute_url())
        self.assertEqual(b"".join(response.streaming_content), tiny_pdf("ban 1"))

    def test_withdrawing_makes_the_item_incomplete(self):
        kind = "Quyết định phê duyệt kết quả rà soát hộ nghèo, hộ cận nghèo"
        document = self.upload(self.poverty, evidence_kind=kind)
        self.assertTrue(self.poverty_progress().complete)
        self.withdraw(self.official_a, document, "Quyết định đã bị thay thế")
        self.assertEqual(self.poverty_progress().missing, [kind])

    def poverty_progress(self):
        return next(p for p in dossier_progress(self.dossier).items if p.item == self.poverty)

    def test_withdrawal_needs_a_reason(self):
        document = self.upload(self.plan)
        response = self.withdraw(self.official_a, document, "  ")
        document.refresh_from_db()
        self.assertIsNone(document.withdrawn_at)
        self.assertIn("Hãy ghi lý do rút tài liệu.", self.messages_of(response))

    def test_the_service_refuses_a_blank_reason(self):
        document = self.upload(self.plan)
        with self.assertRaisesMessage(WorkflowError, "Hãy ghi lý do rút tài liệu."):
            withdraw_document(document=document, user=self.official_a, reason=" ")
        self.assertFalse(Document.objects.filter(withdrawn_at__isnull=False).exists())

    def test_leader_cannot_withdraw(self):
        document = self.upload(self.plan)
        self.assertEqual(self.withdraw(self.leader, document, "Không cần").status_code, 403)
        self.assertFalse(Document.objects.filter(withdrawn_at__isnull=False).exists())

    def test_commune_cannot_withdraw_once_submitted(self):
        document = self.upload(self.plan)
        Dossier.objects.filter(pk=self.dossier.pk).update(status=Dossier.Status.SUBMITTED)
        self.assertEqual(self.withdraw(self.official_a, document, "Không cần").status_code, 403)
        self.assertFalse(Document.objects.filter(withdrawn_at__isnull=False).exists())


class UploadPermissionTests(UploadTestCase):
    # The state is set directly: the workflow tests cover how a dossier gets there.
    def set_status(self, status):
        Dossier.objects.filter(pk=self.dossier.pk).update(status=status)

    def test_leader_cannot_upload(self):
        before = self.stored_files()
        self.assertEqual(self.post(self.leader, "x.pdf", tiny_pdf("x")).status_code, 403)
        self.assertNothingStored(before)

    def test_department_officer_cannot_upload(self):
        before = self.stored_files()
        self.assertEqual(self.post(self.department_officer, "x.pdf", tiny_pdf("x")).status_code, 403)
        self.assertNothingStored(before)

    def test_another_communes_official_cannot_upload(self):
        # Commune A's item is not visible to commune B at all: 404 rather than 403.
        before = self.stored_files()
        self.assertEqual(self.post(self.official_b, "x.pdf", tiny_pdf("x")).status_code, 404)
        self.assertNothingStored(before)

    def test_commune_cannot_upload_once_submitted(self):
        self.set_status(Dossier.Status.SUBMITTED)
        before = self.stored_files()
        self.assertEqual(self.post(self.official_a, "x.pdf", tiny_pdf("x")).status_code, 403)
        self.assertNothingStored(before)

    def test_coordinator_can_still_upload_once_submitted_for_the_commune(self):
        self.set_status(Dossier.Status.SUBMITTED)
        self.post(self.coordinator, "x.pdf", tiny_pdf("x"), on_behalf="on", on_behalf_reason="Xã gửi qua thư")
        document = Document.objects.get()
        self.assertEqual(
            (document.uploaded_by, document.on_behalf_reason), (self.coordinator, "Xã gửi qua thư")
        )

    def test_coordinator_without_thay_mat_xa_stores_nothing(self):
        before = self.stored_files()
        response = self.post(self.coordinator, "x.pdf", tiny_pdf("x"))
        self.assertContains(response, "phải chọn “Thay mặt xã” và ghi lý do", status_code=400)
        self.assertNothingStored(before)

    def test_commune_uploads_again_once_returned(self):
        self.set_status(Dossier.Status.RETURNED)
        self.post(self.official_a, "x.pdf", tiny_pdf("x"))
        self.assertEqual(Document.objects.get().uploaded_by, self.official_a)

    def test_nobody_uploads_once_sent_to_the_province(self):
        self.set_status(Dossier.Status.SENT)
        for user in (self.official_a, self.coordinator):
            with self.subTest(user=user.username):
                self.assertEqual(self.post(user, "x.pdf", tiny_pdf("x")).status_code, 403)
        self.assertFalse(Document.objects.exists())

    def test_the_upload_form_is_hidden_from_the_leader(self):
        self.client.force_login(self.leader)
        response = self.client.get(self.item_url(self.plan))
        self.assertContains(response, self.plan.title)
        self.assertNotContains(response, "Tải lên minh chứng")
