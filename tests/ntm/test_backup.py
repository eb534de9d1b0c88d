"""`manage.py backup` and `restore`: a round trip restores the same rows and the same
files; a backup that was altered, lost a file or gained one is refused.

The round trip runs on the database the suite runs on (SQLite or PostgreSQL): the
backup is taken here, then restored by `manage.py restore` in a process of its own into
an empty database and an empty store, the way an administrator does it, and backed up
again there; both backups must list the same rows per table and the same file hashes.
"""

import datetime
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import TransactionTestCase, override_settings

from dossiers.models import Document
from reports.content import build_report
from reports.models import ReportKind, ReportSnapshot
from reports.services import save_snapshot
from tests.dossiers.base import YEAR, DossierTestCase, tiny_pdf, tiny_png

ROOT = Path(settings.BASE_DIR)


def media_sums(directory: Path) -> dict[str, str]:
    lines = (directory / "SHA256SUMS").read_text().splitlines()
    return {
        name: digest for digest, name in (line.split("  ", 1) for line in lines) if name.startswith("media/")
    }


def counts(directory: Path) -> dict[str, int]:
    return json.loads((directory / "backup.json").read_text())["counts"]


class TargetDatabase:
    """An empty database for a restore, of the engine the suite runs on."""

    def __init__(self, place: Path):
        source = connection.settings_dict
        self.vendor = connection.vendor
        if self.vendor == "sqlite":
            self.url = f"sqlite:///{place / 'restored.sqlite3'}"
            return
        self.name = f"{source['NAME']}_restore"
        self.admin = {
            "dbname": "postgres",
            "user": source["USER"],
            "password": source["PASSWORD"],
            "host": source["HOST"],
            "port": source["PORT"],
        }
        self.drop()
        with psycopg.connect(**self.admin, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
        credentials = f"{quote(source['USER'])}:{quote(source['PASSWORD'])}"
        self.url = f"postgres://{credentials}@{source['HOST']}:{source['PORT']}/{self.name}"

    def drop(self):
        if self.vendor == "postgresql":
            with psycopg.connect(**self.admin, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class BackupRoundTripTests(TransactionTestCase):
    def setUp(self):
        self.place = Path(tempfile.mkdtemp(prefix="ntm-backup-"))
        self.addCleanup(shutil.rmtree, self.place, ignore_errors=True)
        self.enterContext(override_settings(MEDIA_ROOT=str(self.place / "media")))
        # The dossier tests' district, criteria set and scores, held by a class of this test's own.
        fixture = type("RoundTripData", (DossierTestCase,), {})
        fixture.setUpTestData()
        dossier = fixture.open_dossier(fixture.commune_a)
        fixture.upload(fixture.item(dossier, 1), tiny_pdf("quy hoach"), title="Quyết định quy hoạch")
        fixture.upload(fixture.item(dossier, 17), tiny_png("anh"), name="anh.png", title="Ảnh hiện trạng")
        report = build_report(
            ReportKind.COMMUNE, communes=None, commune=fixture.commune_a, criteria_set=fixture.ntm, year=YEAR
        )
        save_snapshot(report=report, user=fixture.coordinator, meeting_date=datetime.date(2024, 6, 2))
        self.target = TargetDatabase(self.place)
        self.addCleanup(self.target.drop)

    def manage(self, *args, expect=0):
        """manage.py against the restored database and store, in a process of its own."""
        environment = {
            **os.environ,
            "DATABASE_URL": self.target.url,
            "MEDIA_ROOT": str(self.place / "restored-media"),
            "MEDIA_STORAGE": "local",
            "DEBUG": "true",
        }
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
        )
        self.assertEqual(done.returncode, expect, done.stdout + done.stderr)
        return done.stdout + done.stderr

    def test_a_restored_backup_has_the_same_rows_and_files(self):
        original = self.place / "original"
        call_command("backup", output=str(original), stdout=io.StringIO())
        self.assertEqual(counts(original)["dossiers.document"], 2)
        self.assertEqual(counts(original)["reports.reportsnapshot"], 1)
        self.assertEqual(len(media_sums(original)), 3)

        self.assertIn("Đã khôi phục", self.manage("restore", str(original)))
        again = self.place / "again"
        self.manage("backup", "-o", str(again))
        self.assertEqual(counts(again), counts(original))
        self.assertEqual(media_sums(again), media_sums(original))
        self.assertIn("Mọi tệp đều khớp mã băm.", self.manage("check_documents"))

    def test_a_second_restore_into_the_same_place_is_refused(self):
        original = self.place / "original"
        call_command("backup", output=str(original), stdout=io.StringIO())
        self.manage("restore", str(original))
        out = self.manage("restore", str(original), expect=1)
        self.assertIn("Cơ sở dữ liệu đích đã có dữ liệu. Dùng --replace", out)
        self.assertIn("Đã khôi phục", self.manage("restore", str(original), "--replace"))


class TamperedBackupTests(DossierTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        dossier = cls.open_dossier(cls.commune_a)
        cls.plan = cls.upload(cls.item(dossier, 1), tiny_pdf("quy hoach"), title="Quyết định quy hoạch")

    def setUp(self):
        self.place = Path(tempfile.mkdtemp(prefix="ntm-tampered-"))
        self.addCleanup(shutil.rmtree, self.place, ignore_errors=True)
        self.backup = self.place / "backup"
        call_command("backup", output=str(self.backup), stdout=io.StringIO())
        self.stored = self.backup / "media" / self.plan.file.name

    def restore(self, **options):
        out = io.StringIO()
        with self.assertRaises(CommandError) as refused:
            call_command("restore", str(self.backup), stdout=out, **options)
        return out.getvalue() + str(refused.exception)

    def assertRefusedAndUntouched(self, out, problem):
        self.assertIn(problem, out)
        self.assertIn("Bản sao lưu không toàn vẹn", out)
        self.assertEqual(list(Document.objects.all()), [self.plan])
        self.assertEqual(self.plan.file.read(), tiny_pdf("quy hoach"))

    def test_a_good_backup_verifies(self):
        out = io.StringIO()
        call_command("restore", str(self.backup), verify_only=True, stdout=out)
        self.assertIn("Bản sao lưu toàn vẹn: mọi tệp khớp SHA256SUMS.", out.getvalue())

    def test_an_altered_file_is_refused(self):
        self.stored.write_bytes(tiny_pdf("quy hoach da sua"))
        out = self.restore(replace=True)
        self.assertRefusedAndUntouched(out, f"Tệp bị thay đổi (mã băm khác): media/{self.plan.file.name}")

    def test_an_altered_database_dump_is_refused(self):
        dump = next(self.backup.glob("database.*"))
        dump.write_bytes(dump.read_bytes() + b" ")
        self.assertRefusedAndUntouched(
            self.restore(replace=True), f"Tệp bị thay đổi (mã băm khác): {dump.name}"
        )

    def test_altered_counts_are_refused(self):
        manifest = self.backup / "backup.json"
        data = json.loads(manifest.read_text())
        data["counts"]["dossiers.document"] = 0
        manifest.write_text(json.dumps(data))
        self.assertRefusedAndUntouched(
            self.restore(replace=True), "Tệp bị thay đổi (mã băm khác): backup.json"
        )

    def test_a_missing_file_is_refused(self):
        self.stored.unlink()
        self.assertRefusedAndUntouched(self.restore(replace=True), f"Thiếu tệp: media/{self.plan.file.name}")

    def test_an_extra_file_is_refused(self):
        (self.backup / "media" / "dossiers" / "them.pdf").write_bytes(b"%PDF-1.4 them")
        self.assertRefusedAndUntouched(
            self.restore(replace=True), "Tệp thừa, không có trong SHA256SUMS: media/dossiers/them.pdf"
        )

    def test_a_directory_without_checksums_is_refused(self):
        (self.backup / "SHA256SUMS").unlink()
        self.assertRefusedAndUntouched(
            self.restore(), "Không có tệp SHA256SUMS: đây không phải bản sao lưu của NTM Tracker."
        )

    def test_a_database_with_data_is_not_overwritten_unless_told(self):
        out = io.StringIO()
        with self.assertRaisesMessage(CommandError, "Cơ sở dữ liệu đích đã có dữ liệu"):
            call_command("restore", str(self.backup), stdout=out)
        self.assertEqual(list(Document.objects.all()), [self.plan])

    def test_a_backup_goes_to_a_new_directory(self):
        with self.assertRaisesMessage(CommandError, "đã có nội dung"):
            call_command("backup", output=str(self.backup), stdout=io.StringIO())

    def test_it_names_what_a_backup_holds(self):
        manifest = json.loads((self.backup / "backup.json").read_text())
        self.assertEqual(manifest["engine"], connection.vendor)
        self.assertEqual(manifest["counts"]["dossiers.document"], 1)
        [(_, latest)] = MigrationLoader(None).graph.leaf_nodes("dossiers")
        self.assertEqual(manifest["migrations"]["dossiers"], latest)
        self.assertEqual(media_sums(self.backup), {f"media/{self.plan.file.name}": self.plan.sha256})
        self.assertFalse(ReportSnapshot.objects.exists())
