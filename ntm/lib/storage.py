"""Where the app keeps its files (evidence, saved reports), and how a write stays whole.

Every file goes through Django's storage API (`default_storage`, a FileField's
`.storage`): the local disk by default, an S3-compatible bucket with
`MEDIA_STORAGE=s3` (settings.py). Nothing else reads or writes MEDIA_ROOT.

A file that rows point to is written in this order:

1. the bytes go to a temporary name beside the final one (`.<hex>.partial`);
2. the complete file is moved into place under its final name;
3. the transaction that adds the row commits.

So a crash, a full disk or `kill -9` at any point leaves either the file and its row,
or no row: at worst a stale temporary or a file no row names, which
`manage.py check_documents --repair` lists and removes. An S3 upload is already
whole or absent, so only the local disk needs the temporary name.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import logging
import os
import re
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

PARTIAL_SUFFIX = ".partial"
PARTIAL_NAME = re.compile(r"^\.[0-9a-f]{32}\.partial$")
# errno values that mean "the disk (or the user's quota) is full".
STORAGE_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
# Hard links are how a complete file appears under its name without replacing another;
# on a file system without them, a rename does (names are random, so nothing is replaced).
NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK})


def is_storage_full(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in STORAGE_FULL_ERRNOS


class AtomicFileSystemStorage(FileSystemStorage):
    """Django's file system storage, where a file appears under its name only complete.

    Django writes straight to the final name, so a full disk or a killed process
    leaves a partial file there that looks like evidence. Here the bytes go to a
    temporary name in the same directory, are flushed to the disk, and only then
    linked under the final name; the temporary is removed whatever happens.
    """

    def _save(self, name, content):
        directory, _slash, _base = name.rpartition("/")
        partial = f"{directory}/" if directory else ""
        partial += f".{uuid.uuid4().hex}{PARTIAL_SUFFIX}"
        try:
            partial = super()._save(partial, content)
            partial_path = self.path(partial)
            _flush_to_disk(partial_path)
            name = self._link_into_place(partial_path, name)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path(partial))
        _flush_to_disk(os.path.dirname(self.path(name)))
        return name

    def _link_into_place(self, partial_path: str, name: str) -> str:
        while True:
            final_path = self.path(name)
            try:
                os.link(partial_path, final_path)
            except FileExistsError:
                name = self.get_available_name(name)
            except OSError as error:
                if error.errno not in NO_HARD_LINKS or os.path.exists(final_path):
                    raise
                os.rename(partial_path, final_path)
                return name
            else:
                return name


def _flush_to_disk(path: str) -> None:
    """fsync a file or a directory, so what was written survives a power cut too."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# Files kept only if their transaction commits --------------------------------------

_written: ContextVar[list | None] = ContextVar("files_written_in_transaction", default=None)


def discard_on_rollback(*files) -> None:
    """Delete these stored files (FieldFiles) again if the enclosing `atomic_with_files`
    block does not commit. Call it right after each file is saved, before the rows."""
    written = _written.get()
    if written is None:
        raise RuntimeError("discard_on_rollback() is only meaningful inside atomic_with_files.")
    written.extend((file.storage, file.name) for file in files if file)


class _AtomicWithFiles(contextlib.ContextDecorator):
    def __init__(self, using=None):
        self.using = using

    def _recreate_cm(self):
        # As a decorator, each call gets its own block (the state below is per block).
        return type(self)(self.using)

    def __enter__(self):
        self.outer = _written.get()
        self.token = _written.set([])
        self.atomic = transaction.atomic(using=self.using)
        self.atomic.__enter__()

    def __exit__(self, exc_type, exc, traceback):
        written = _written.get()
        _written.reset(self.token)
        try:
            self.atomic.__exit__(exc_type, exc, traceback)
        except BaseException:
            # The commit itself failed: the rows are not there, so neither are the files.
            _delete(written)
            raise
        if exc_type is not None:
            _delete(written)
        elif self.outer is not None:
            # Committed only when the outer block commits: it decides for these too.
            self.outer.extend(written)
        return False


def atomic_with_files(func=None, *, using=None):
    """`transaction.atomic()` for work that stores files: the files registered with
    `discard_on_rollback` inside the block are deleted when the block rolls back.

    Use it as `@atomic_with_files` or `with atomic_with_files():`. Nested inside a plain
    `transaction.atomic()` that later rolls back, the files stay behind as files no row
    names: `check_documents` lists them and `--repair --delete-orphans` removes them.
    """
    if callable(func):
        return wraps(func)(_AtomicWithFiles(using)(func))
    return _AtomicWithFiles(using)


def _delete(written) -> None:
    for storage, name in written:
        try:
            storage.delete(name)
        except Exception:  # the caller's error matters more; the file is an orphan now
            logger.exception("Could not remove %s after a rollback", name)


# Reading ---------------------------------------------------------------------------


class StoredFileMissing(Exception):
    """The row names a file the storage does not have."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def open_stored(field_file):
    """The stored file of a FieldFile, open for reading; StoredFileMissing when the
    storage (disk or bucket) does not have it."""
    name = field_file.name
    if not name or not field_file.storage.exists(name):
        raise StoredFileMissing(name or "")
    try:
        return field_file.storage.open(name, "rb")
    except FileNotFoundError:
        raise StoredFileMissing(name) from None


# Walking the store -----------------------------------------------------------------


def stored_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file in the storage under `folder` (the whole store by default), by name."""
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:  # the disk's root before anything was stored
        return
    prefix = f"{folder}/" if folder else ""
    for name in sorted(files):
        yield prefix + name
    for directory in sorted(directories):
        yield from stored_names(storage, prefix + directory)


def is_partial(name: str) -> bool:
    """A temporary of AtomicFileSystemStorage: a write that never finished."""
    return bool(PARTIAL_NAME.match(name.rpartition("/")[2]))


def stale(modified: datetime.datetime, grace: datetime.timedelta) -> bool:
    """Older than the grace period: no write or upload in progress owns it any more."""
    return modified <= timezone.now() - grace


def upload_temporaries() -> Iterator[Path]:
    """Django's temporary files of upload bodies being received (FILE_UPLOAD_TEMP_DIR,
    a directory of this server's disk, not of the media storage). A killed worker
    leaves its file behind."""
    directory = settings.FILE_UPLOAD_TEMP_DIR
    if not directory or not os.path.isdir(directory):
        return
    for entry in sorted(Path(directory).iterdir()):
        if entry.is_file() and ".upload" in entry.name:
            yield entry
