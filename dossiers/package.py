"""The dossier package: the current documents in folders by criterion, with a manifest."""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from pathlib import PurePosixPath

from django.utils.text import slugify

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


def dossier_package(dossier, *, appraisal=None) -> tuple[bytes, str]:
    """The zip's bytes and its file name. With `appraisal`, only that department's criteria."""
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
    # Spooled: a large dossier goes to a temporary file instead of memory.
    with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as buffer:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for document in documents:
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
                    with open_stored(document.file) as stored:
                        archive.writestr(f"{folder}/{name}", stored.read())
                except StoredFileMissing:
                    # The rest of the dossier still goes; the manifest says what is not there.
                    name, note = "", f"THIẾU TỆP: máy chủ không còn tệp {document.file.name}, gói không có nó"
                writer.writerow(
                    [
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
                )
            archive.writestr("manifest.csv", "\ufeff" + manifest.getvalue())
        buffer.seek(0)
        return buffer.read(), f"{stem}.zip"
