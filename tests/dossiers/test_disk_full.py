"""A disk that fills up during an upload, a preview or a snapshot: a clear message, and
nothing partial left behind.

The disk is real: a small tmpfs mounted for these tests (they run as root, as CI does;
if the mount fails, they fail). It is filled with a filler file until the kernel says
ENOSPC, then a little room is given back, so a write starts and runs out part way.
"""

import errno
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from dossiers.models import Document
from reports.models import ReportSnapshot
from tests.dossiers.base import YEAR, DossierTestCase, tiny_pdf

FILLER = "filler.bin"
CHUNK = 64 * 1024
FULL = "Máy chủ đã hết chỗ lưu trữ"


class SmallDisk:
    """A tmpfs of `size` mounted on a new directory."""

    def __init__(self, size="4m"):
        self.path = Path(tempfile.mkdtemp(prefix="ntm-small-disk-"))
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(self.path)], check=True)

    def fill(self, *, leave: int) -> None:
        """Fill the disk, then free `leave` bytes."""
        filler = self.path / FILLER
        with filler.open("ab") as out:
            try:
                while True:
                    out.write(b"\0" * CHUNK)
                    out.flush()
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
        os.truncate(filler, max(filler.stat().st_size - leave, 0))

    def files(self) -> set[str]:
        """Everything on the disk but the filler."""
        return {p.relative_to(self.path).as_posix() for p in self.path.rglob("*") if p.is_file()} - {FILLER}

    def empty(self) -> None:
        for entry in self.path.iterdir():
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()

    def remove(self) -> None:
        subprocess.run(["umount", str(self.path)], check=True)
        self.path.rmdir()


class DiskFullTestCase(DossierTestCase):
    @classmethod
    def setUpClass(cls):
        cls.disk = SmallDisk()
        cls.addClassCleanup(cls.disk.remove)  # also when the set-up below fails
        super().setUpClass()

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dossier = cls.open_dossier(cls.commune_a)
        cls.plan = cls.item(cls.dossier, 1)

    def setUp(self):
        self.addCleanup(self.disk.empty)


class FullMediaDiskTests(DiskFullTestCase):
    """The evidence store (MEDIA_ROOT) is the small disk."""

    def setUp(self):
        super().setUp()
        self.enterContext(override_settings(MEDIA_ROOT=str(self.disk.path)))

    def test_an_upload_that_fills_the_disk_says_so_and_stores_nothing(self):
        self.disk.fill(leave=100 * 1024)  # room for a part of the file only
        content = tiny_pdf("ban do") + b"\n" * (1024 * 1024)
        self.client.force_login(self.official_a)
        response = self.client.post(
            self.upload_url(self.plan), {"file": SimpleUploadedFile("ban-do.pdf", content)}
        )
        self.assertContains(response, f"ban-do.pdf: {FULL} nên chưa lưu được tệp", status_code=400)
        self.assertFalse(Document.objects.exists())
        self.assertEqual(self.disk.files(), set())

    def test_a_batch_whose_second_file_fills_the_disk_keeps_none(self):
        self.disk.fill(leave=300 * 1024)
        small = SimpleUploadedFile("to-trinh.pdf", tiny_pdf("to trinh"))
        large = SimpleUploadedFile("ban-do.pdf", tiny_pdf("ban do") + b"\n" * (1024 * 1024))
        self.client.force_login(self.official_a)
        response = self.client.post(self.upload_url(self.plan), {"file": [small, large]})
        self.assertContains(response, f"ban-do.pdf: {FULL}", status_code=400)
        self.assertFalse(Document.objects.exists())
        # The first file was stored whole; it went with the rows that rolled back.
        self.assertEqual(self.disk.files(), set())

    def test_a_snapshot_that_fills_the_disk_says_so_and_saves_nothing(self):
        self.disk.fill(leave=4 * 1024)
        self.client.force_login(self.coordinator)
        url = reverse("reports:district_snapshot") + f"?set={self.ntm.code}&year={YEAR}"
        response = self.client.post(url, {"meeting_date": "02/06/2024", "meeting": "Giao ban"})
        self.assertContains(response, f"{FULL} nên chưa lưu được bản báo cáo", status_code=507)
        self.assertFalse(ReportSnapshot.objects.exists())
        self.assertEqual(self.disk.files(), set())

    def test_an_import_preview_that_fills_the_disk_says_so(self):
        self.disk.fill(leave=0)
        header = "Mã xã,Xã,Mã thôn,Bộ tiêu chí,Mã chỉ tiêu,Năm,Giá trị,Kết quả,Ghi chú\n"
        row = f"{self.commune_a.code},{self.commune_a.name},,{self.ntm.code},1.1,{YEAR},,Đạt,\n"
        scores = SimpleUploadedFile("ket-qua.csv", (header + row).encode())
        self.client.force_login(self.coordinator)
        response = self.client.post(reverse("criteria:scores_import"), {"file": scores})
        self.assertContains(response, FULL, status_code=507)
        self.assertEqual(self.disk.files(), set())


class FullUploadDiskTests(DiskFullTestCase):
    """The directory where upload bodies are received is the small disk."""

    def setUp(self):
        super().setUp()
        self.enterContext(override_settings(FILE_UPLOAD_TEMP_DIR=str(self.disk.path)))

    def test_a_body_that_fills_the_disk_says_so_and_leaves_nothing(self):
        self.disk.fill(leave=512 * 1024)
        # Over 2.5 MB, so Django receives it into a temporary file.
        content = tiny_pdf("ban do") + b"\n" * (3 * 1024 * 1024)
        self.client.force_login(self.official_a)
        response = self.client.post(
            self.upload_url(self.plan), {"file": SimpleUploadedFile("ban-do.pdf", content)}
        )
        self.assertContains(response, FULL, status_code=507)
        self.assertFalse(Document.objects.exists())
        self.assertEqual(self.disk.files(), set())

    def test_the_upload_script_gets_json(self):
        self.disk.fill(leave=0)
        content = tiny_pdf("ban do") + b"\n" * (3 * 1024 * 1024)
        self.client.force_login(self.official_a)
        response = self.client.post(
            self.upload_url(self.plan),
            {"file": SimpleUploadedFile("ban-do.pdf", content)},
            headers={"Accept": "application/json"},
        )
        self.assertEqual(response.status_code, 507)
        self.assertIn(FULL, response.json()["errors"][0])
