"""ntm/lib/storage.py: a file appears under its name only whole, and files stored inside
a transaction that rolls back are removed."""

import shutil
import tempfile
from pathlib import Path

from django.core.files.base import ContentFile, File
from django.test import TestCase

from ntm.lib.storage import AtomicFileSystemStorage, atomic_with_files, discard_on_rollback, stored_names


class BrokenContent(File):
    """Content whose second chunk cannot be read, like a connection that drops."""

    def __init__(self):
        super().__init__(None, name="cat.pdf")
        self.size = 2

    def chunks(self, chunk_size=None):
        yield b"%PDF-1.4 first half"
        raise OSError("connection lost")


class StorageTestCase(TestCase):
    def setUp(self):
        self.root = Path(tempfile.mkdtemp(prefix="ntm-storage-"))
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        self.storage = AtomicFileSystemStorage(location=self.root)

    def files(self) -> set[str]:
        return {p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()}


class AtomicFileSystemStorageTests(StorageTestCase):
    def test_a_file_is_stored_whole_under_its_name_and_nothing_else_remains(self):
        name = self.storage.save("dossiers/1/a.pdf", ContentFile(b"%PDF-1.4 whole"))
        self.assertEqual(name, "dossiers/1/a.pdf")
        self.assertEqual(self.files(), {"dossiers/1/a.pdf"})
        self.assertEqual((self.root / name).read_bytes(), b"%PDF-1.4 whole")

    def test_a_taken_name_is_never_overwritten(self):
        self.storage.save("dossiers/1/a.pdf", ContentFile(b"first"))
        second = self.storage.save("dossiers/1/a.pdf", ContentFile(b"second"))
        self.assertNotEqual(second, "dossiers/1/a.pdf")
        self.assertEqual((self.root / "dossiers/1/a.pdf").read_bytes(), b"first")
        self.assertEqual((self.root / second).read_bytes(), b"second")

    def test_a_write_that_fails_half_way_leaves_nothing(self):
        with self.assertRaisesMessage(OSError, "connection lost"):
            self.storage.save("dossiers/1/cat.pdf", BrokenContent())
        self.assertEqual(self.files(), set())

    def test_the_store_is_walked_through_the_storage_api(self):
        for name in ("dossiers/2/b.pdf", "dossiers/1/a.pdf", "reports/2024/r.pdf"):
            self.storage.save(name, ContentFile(b"x"))
        self.assertEqual(
            list(stored_names(self.storage)), ["dossiers/1/a.pdf", "dossiers/2/b.pdf", "reports/2024/r.pdf"]
        )
        self.assertEqual(list(stored_names(AtomicFileSystemStorage(location=self.root / "none"))), [])


class AtomicWithFilesTests(StorageTestCase):
    class Stored:
        """What discard_on_rollback takes: a stored file and its storage."""

        def __init__(self, storage, name):
            self.storage, self.name = storage, name

        def __bool__(self):
            return True

    def store(self, name):
        stored = self.Stored(self.storage, self.storage.save(name, ContentFile(b"x")))
        discard_on_rollback(stored)
        return stored

    def test_files_of_a_committed_block_stay(self):
        with atomic_with_files():
            self.store("a.pdf")
        self.assertEqual(self.files(), {"a.pdf"})

    def test_files_of_a_block_that_rolls_back_are_removed(self):
        with self.assertRaises(ValueError), atomic_with_files():
            self.store("a.pdf")
            raise ValueError
        self.assertEqual(self.files(), set())

    def test_an_inner_block_that_committed_goes_with_the_outer_one(self):
        with self.assertRaises(ValueError), atomic_with_files():
            with atomic_with_files():
                self.store("inner.pdf")
            raise ValueError
        self.assertEqual(self.files(), set())

    def test_an_inner_block_that_rolled_back_takes_only_its_own_files(self):
        with atomic_with_files():
            self.store("outer.pdf")
            with self.assertRaises(ValueError), atomic_with_files():
                self.store("inner.pdf")
                raise ValueError
        self.assertEqual(self.files(), {"outer.pdf"})

    def test_as_a_decorator_each_call_is_its_own_block(self):
        @atomic_with_files
        def store(name, fail):
            self.store(name)
            if fail:
                raise ValueError

        store("kept.pdf", fail=False)
        with self.assertRaises(ValueError):
            store("dropped.pdf", fail=True)
        self.assertEqual(self.files(), {"kept.pdf"})

    def test_registering_outside_a_block_is_a_mistake(self):
        with self.assertRaises(RuntimeError):
            discard_on_rollback(self.Stored(self.storage, "a.pdf"))
