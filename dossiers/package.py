"""The dossier package: the current documents in folders by criterion, with a manifest."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import zipfile
from pathlib import PurePosixPath
from typing import IO

from django.utils.text import slugify

from ntm.lib.spreadsheets import neutralise
from ntm.lib.storage import StoredFileMissing, open_stored
from ntm.lib.text import fold

from .models import Document

MANIFEST_COLUMNS = [
    "folder",
    "file",
    "title",
    "original_name",
    "version",
    "size",
    "sha256",
    "content_type",
    "effective_date",
    "uploaded_at",
    "note",
]


def _ascii(text: str) -> str:
    """Folder and file names without diacritics: every unzip tool reads them."""
    return slugify(fold(text)) or "tai-lieu"


def folder_for(item) -> str:
    if item.criterion_id:
        return f"tieu-chi-{item.criterion.number:02d}-{_ascii(item.criterion.name)}"
    return f"ho-so-chung/{_ascii(item.get_general_kind_display())}"


# A package up to this size stays in memory; a larger one is written to a temporary file.
SPOOL_BYTES = 32 * 1024 * 1024
# How much of a document is read at a time into the zip.
COPY_CHUNK = 256 * 1024


def dossier_package(dossier, *, appraisal=None, progress=None) -> tuple[IO[bytes], str]:
    """The zip, as an open file at its start, and its file name. With `appraisal`, only
    that department's criteria. `progress(done, total)` is called after each document
    (a background job shows it).

    The zip is built in a temporary file that stays in memory up to SPOOL_BYTES and is
    written to disk past it, each document copied a chunk at a time: memory stays
    bounded whatever the size of the dossier. The caller streams the file and closes it.
    """
    documents = Document.objects.current().filter(item__dossier=dossier).select_related("item__criterion")
    stem = f"ho-so-{dossier.commune.code}-{_ascii(dossier.commune.name)}-{dossier.year}"
    if appraisal is not None:
        documents = documents.filter(item__criterion__in=appraisal.criteria.all())
        stem += f"-{_ascii(appraisal.department.short_name)}"
    documents = sorted(documents, key=lambda d: (folder_for(d.item), d.title, d.version))
    used_names: dict[str, set[str]] = {}
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    writer.writerow(MANIFEST_COLUMNS)
    buffer = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned open
    try:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for done, document in enumerate(documents, 1):
                folder = folder_for(document.item)
                extension = PurePosixPath(document.file.name).suffix
                name = f"{_ascii(document.title)}-v{document.version}{extension}"
                # Titles that fold alike ("Ảnh …" and "Anh …") must not overwrite each other.
                taken = used_names.setdefault(folder, set())
                base, n = name.removesuffix(extension), 2
                while name in taken:
                    name, n = f"{base}-{n}{extension}", n + 1
                taken.add(name)
                note = ""
                try:
                    with (
                        open_stored(document.file) as stored,
                        archive.open(f"{folder}/{name}", "w") as packed,
                    ):
                        shutil.copyfileobj(stored, packed, COPY_CHUNK)
                except StoredFileMissing:
                    # The rest of the dossier still goes; the manifest says what is not there.
                    name, note = "", f"THIẾU TỆP: máy chủ không còn tệp {document.file.name}, gói không có nó"
                # Titles and file names are the users': a "=…" one must not run in Excel.
                row = [
                    folder,
                    name,
                    document.title,
                    document.original_name,
                    document.version,
                    document.size,
                    document.sha256,
                    document.content_type,
                    document.effective_date.isoformat() if document.effective_date else "",
                    document.uploaded_at.isoformat(),
                    note,
                ]
                writer.writerow([neutralise(value) for value in row])
                if progress is not None:
                    progress(done, len(documents))
            archive.writestr("manifest.csv", "\ufeff" + manifest.getvalue())
    except BaseException:
        buffer.close()
        raise
    buffer.seek(0)
    return buffer, f"{stem}.zip"
