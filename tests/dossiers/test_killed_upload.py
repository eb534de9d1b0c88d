"""kill -9 at any point of an upload leaves the whole document and its row, or neither;
`check_documents` then reports clean, or lists what is left and `--repair` removes it.

Each upload runs in a process of its own (tests/dossiers/killed_upload.py), killed with
SIGKILL at a patched point, on a SQLite database file and a store made for this class:
the database's own recovery, the disk and the storage are real.
"""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

ROOT = Path(settings.BASE_DIR)


class KilledUploadTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.place = Path(tempfile.mkdtemp(prefix="ntm-killed-upload-"))
        cls.database = cls.place / "ntm.sqlite3"
        cls.run_python("manage.py", "migrate", "--noinput", "-v0")
        cls.run_python("-m", "tests.dossiers.killed_upload", "setup")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.place, ignore_errors=True)
        super().tearDownClass()

    def setUp(self):
        # Each test starts from the set-up dossier with no document and an empty store.
        for folder in ("media", "uploads"):
            shutil.rmtree(self.place / folder, ignore_errors=True)
            (self.place / folder).mkdir()
        with sqlite3.connect(self.database) as db:
            db.execute("DELETE FROM dossiers_document")

    @classmethod
    def run_python(cls, *args, expect=0):
        environment = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{cls.database}",
            "MEDIA_ROOT": str(cls.place / "media"),
            "UPLOAD_TEMP_DIR": str(cls.place / "uploads"),
            "MEDIA_STORAGE": "local",
            "DEBUG": "true",
        }
        done = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == expect, (done.returncode, done.stdout, done.stderr)
        return done.stdout

    def killed_at(self, point):
        self.run_python("-m", "tests.dossiers.killed_upload", point, expect=-signal.SIGKILL)

    def left(self) -> set[str]:
        return {
            p.relative_to(self.place).as_posix()
            for folder in ("media", "uploads")
            for p in (self.place / folder).rglob("*")
            if p.is_file()
        }

    def checks(self):
        """(status, output) of check, repair, check again; and the documents in the database."""
        report = json.loads(self.run_python("-m", "tests.dossiers.killed_upload", "check"))
        return report["runs"], report["documents"]

    def assertRepaired(self, runs, *lines):
        (status, out), (_repair_status, repair_out), (after, after_out) = runs
        self.assertEqual(status, 1, out)
        for line in lines:
            self.assertIn(line, out)
            self.assertIn(f"{line} → đã xoá", repair_out)
        self.assertEqual(after, 0, after_out)
        self.assertEqual(self.left(), set())

    def test_killed_while_the_body_arrives(self):
        self.killed_at("receiving")
        (temporary,) = self.left()
        self.assertRegex(temporary, r"^uploads/tmp\w+\.upload\.pdf$")
        runs, documents = self.checks()
        self.assertEqual(documents, [])
        self.assertRepaired(runs, f"TỆP TẠM BỎ DỞ: {Path(temporary).name}")

    def test_killed_while_the_file_is_written(self):
        self.killed_at("writing")
        (partial,) = self.left()
        self.assertRegex(partial, r"^media/dossiers/\d+/\.[0-9a-f]{32}\.partial$")
        runs, documents = self.checks()
        self.assertEqual(documents, [])
        self.assertRepaired(runs, f"TỆP TẠM BỎ DỞ: {partial.removeprefix('media/')}")

    def test_killed_between_the_file_and_the_commit(self):
        self.killed_at("committing")
        (orphan,) = self.left()
        self.assertRegex(orphan, r"^media/dossiers/\d+/[0-9a-f]{32}\.pdf$")
        runs, documents = self.checks()
        # The row was inserted but never committed: the database rolled it back.
        self.assertEqual(documents, [])
        self.assertRepaired(runs, f"TỆP KHÔNG THUỘC BẢN GHI NÀO: {orphan.removeprefix('media/')}")

    def test_killed_after_the_commit(self):
        self.killed_at("committed")
        (stored,) = self.left()
        runs, documents = self.checks()
        self.assertEqual(documents, [[stored.removeprefix("media/"), 3 * 1024 * 1024 + 9]])
        self.assertEqual([status for status, _out in runs], [0, 0, 0], runs)
        self.assertIn("Mọi tệp đều khớp mã băm.", runs[0][1])
