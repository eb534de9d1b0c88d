"""Upload bodies are refused before they are buffered (ntm/lib/uploads.py).

Each test sends a multipart body through Django's request handler, made as the server
reads it: nothing is held in memory, and the stream counts the bytes the server took.
That count is what a user (or an attacker) relies on: a 60 MB file is not read past
the 50 MB limit, and someone who may not upload has nothing read at all.
"""

import json
import shutil
import sys
import tempfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.test.client import ClientHandler
from django.urls import reverse

from dossiers.models import Document
from tests.base import PASSWORD
from tests.dossiers.base import DossierTestCase, tiny_pdf

MB = 1024 * 1024
BOUNDARY = "ntm-streamed-upload"
# The parser reads 64 KB chunks and looks ahead for the boundary: what it may take past
# the byte that crosses the limit.
READ_AHEAD = 256 * 1024


class StreamedUpload:
    """A multipart body of `files` ((name, size) pairs), produced as it is read."""

    def __init__(self, files, fields=()):
        self.segments = []
        for name, value in fields:
            self._add(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        for name, size in files:
            self._add(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: application/pdf\r\n\r\n".encode()
            )
            head = tiny_pdf(name)
            self._add(head)
            self.segments.append(size - len(head))  # the rest of the file, made when read
            self._add(b"\r\n")
        self._add(f"--{BOUNDARY}--\r\n".encode())
        self.length = sum(s if isinstance(s, int) else len(s) for s in self.segments)
        self.consumed = 0

    def _add(self, data: bytes):
        self.segments.append(data)

    def read(self, size=-1):
        if size is None or size < 0:
            size = self.length - self.consumed
        out, position, wanted = [], 0, size
        for segment in self.segments:
            length = segment if isinstance(segment, int) else len(segment)
            start = max(self.consumed - position, 0)
            if start < length and wanted > 0:
                take = min(length - start, wanted)
                out.append(b"\n" * take if isinstance(segment, int) else segment[start : start + take])
                wanted -= take
            position += length
            if wanted == 0:
                break
        data = b"".join(out)
        self.consumed += len(data)
        return data

    def readline(self, size=-1):
        line = b""
        while not line.endswith(b"\n") and (size < 0 or len(line) < size) and (byte := self.read(1)):
            line += byte
        return line


class UploadLimitTests(DossierTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dossier = cls.open_dossier(cls.commune_a)
        cls.plan = cls.item(cls.dossier, 1)

    def setUp(self):
        temporary = tempfile.mkdtemp(prefix="ntm-upload-bodies-")
        self.addCleanup(shutil.rmtree, temporary, ignore_errors=True)
        self.enterContext(override_settings(FILE_UPLOAD_TEMP_DIR=temporary))
        self.temporary = Path(temporary)

    def send(self, body: StreamedUpload, user=None, *, length=None, accept="text/html", path=None):
        """POST the body to the item's upload address (or `path`), as production does
        (CSRF checked)."""
        if user is not None:
            self.client.force_login(user)
        cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in self.client.cookies.items())
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path or self.upload_url(self.plan),
            "QUERY_STRING": "",
            "SCRIPT_NAME": "",
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
            "CONTENT_LENGTH": str(body.length if length is None else length),
            "HTTP_COOKIE": cookie,
            "HTTP_ACCEPT": accept,
            "wsgi.input": body,
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        # ClientHandler closes the response itself (without closing the test's database).
        return ClientHandler(enforce_csrf_checks=True)(environ)

    def assertNothingKept(self):
        self.assertFalse(Document.objects.exists())
        self.assertEqual(list(self.temporary.iterdir()), [])

    def test_a_60_mb_file_is_refused_having_read_no_more_than_the_limit(self):
        body = StreamedUpload([("ban-do.pdf", 60 * MB)])
        response = self.send(body, self.official_a)
        self.assertEqual(response.status_code, 413)
        self.assertContains(
            response, "Tệp “ban-do.pdf” quá lớn. Giới hạn là 50 MB cho mỗi tệp", status_code=413
        )
        self.assertGreater(body.consumed, 50 * MB)
        self.assertLessEqual(body.consumed, 50 * MB + READ_AHEAD)
        self.assertNothingKept()

    def test_an_anonymous_upload_is_not_read_at_all(self):
        body = StreamedUpload([("ban-do.pdf", 60 * MB)])
        response = self.send(body)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))
        self.assertEqual(body.consumed, 0)
        self.assertNothingKept()

    def test_someone_not_signed_in_sends_no_file_anywhere(self):
        # The login page takes a form, never a file: the first chunk of one stops the reading.
        body = StreamedUpload([("ban-do.pdf", 2 * MB)])
        response = self.send(body, path=reverse("login"))
        self.assertTrue(response["Location"].startswith(reverse("login")))
        self.assertLessEqual(body.consumed, READ_AHEAD)
        self.assertNothingKept()

    def test_a_large_body_from_someone_not_signed_in_is_not_read(self):
        body = StreamedUpload([("ban-do.pdf", 60 * MB)])
        self.assertEqual(self.send(body, path=reverse("login")).status_code, 302)
        self.assertEqual(body.consumed, 0)

    def test_the_login_form_sent_as_multipart_still_signs_in(self):
        response = self.client.post(reverse("login"), {"username": "xa_a", "password": PASSWORD})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.official_a.pk)

    def test_who_may_not_upload_here_has_nothing_read(self):
        for user, status in (
            (self.leader, 403),
            (self.department_officer, 403),
            (self.official_b, 404),
            (self.nobody, 404),
        ):
            with self.subTest(user=user.username):
                body = StreamedUpload([("ban-do.pdf", 60 * MB)])
                self.assertEqual(self.send(body, user).status_code, status)
                self.assertEqual(body.consumed, 0)
        self.assertNothingKept()

    def test_a_body_declared_over_the_limit_is_refused_unread(self):
        body = StreamedUpload([("lon.pdf", 300 * MB)])
        response = self.send(body, self.official_a)
        self.assertContains(response, "Giới hạn là 200 MB cho mỗi lần gửi", status_code=413)
        self.assertEqual(body.consumed, 0)

    @override_settings(UPLOAD_MAX_MB=1, UPLOAD_MAX_REQUEST_MB=2)
    def test_several_files_together_are_stopped_at_the_body_limit(self):
        body = StreamedUpload([(f"anh-{n}.pdf", 900 * 1024) for n in range(4)])
        # Declared within the limit plus the form's allowance: the count stops it.
        response = self.send(body, self.official_a, length=body.length)
        self.assertContains(response, "Giới hạn là 2 MB cho mỗi lần gửi", status_code=413)
        self.assertLessEqual(body.consumed, 2 * MB + READ_AHEAD)
        self.assertNothingKept()

    @override_settings(UPLOAD_MAX_MB=1)
    def test_the_refusal_page_leads_back_to_the_item(self):
        self.client.force_login(self.official_a)
        upload = SimpleUploadedFile("lon.pdf", tiny_pdf("lon") + b"\n" * (2 * MB))
        item = f"http://testserver{self.item_url(self.plan)}"
        response = self.client.post(self.upload_url(self.plan), {"file": upload}, headers={"Referer": item})
        self.assertContains(response, "<h1>Tệp quá lớn</h1>", status_code=413)
        self.assertContains(response, f'<a href="{item}">Quay lại trang trước</a>', status_code=413)

    @override_settings(UPLOAD_MAX_MB=1)
    def test_the_upload_script_gets_the_refusal_as_json(self):
        body = StreamedUpload([("lon.pdf", 2 * MB)])
        response = self.send(body, self.official_a, accept="application/json")
        self.assertEqual(response.status_code, 413)
        self.assertEqual(
            json.loads(response.content),
            {
                "errors": [
                    "Tệp “lon.pdf” quá lớn. Giới hạn là 1 MB cho mỗi tệp; "
                    "máy chủ đã dừng nhận và không lưu gì."
                ]
            },
        )

    def test_a_file_within_the_limits_is_read_whole_and_stored(self):
        # The same path, past the CSRF check: the form's token comes first in the body.
        self.client.force_login(self.official_a)
        token = self.client.get(self.item_url(self.plan)).context["csrf_token"]
        body = StreamedUpload([("quy-hoach.pdf", 3 * MB)], fields=[("csrfmiddlewaretoken", token)])
        response = self.send(body)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(body.consumed, body.length)
        self.assertEqual(Document.objects.get().size, 3 * MB)
