"""Do the stored files and the rows that name them agree?

Every model with a FileField takes part, whichever app it belongs to: each file a row
names must be in the storage, and where the row keeps the file's fingerprint (fields
`sha256` and `size` beside a FileField named `file`, as Document and ReportSnapshot
do) the stored bytes must match it. Each file in the storage must be named by a row;
what no row names is an orphan (a crash between storing a file and committing its
row), or a temporary of an unfinished write.

A file written within the grace period may belong to a write or an upload still in
progress: it is listed, never counted as a problem, never removed.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import models

from .storage import is_partial, stale, stored_names, upload_temporaries

CHUNK = 1024 * 1024


class Kind:
    MISSING = "missing"  # a row names a file the storage does not have
    ALTERED = "altered"  # the stored bytes are not those the row recorded
    ORPHAN = "orphan"  # a stored file no row names
    TEMPORARY = "temporary"  # an unfinished write, or an upload body a killed worker left


@dataclass(frozen=True)
class Finding:
    kind: str
    name: str
    label: str = ""  # the row, for missing and altered files
    detail: str = ""
    path: Path | None = None  # an upload temporary on this server's disk, not in the storage


@dataclass
class Audit:
    problems: list[Finding] = field(default_factory=list)
    in_progress: list[str] = field(default_factory=list)  # written within the grace period
    checked: Counter = field(default_factory=Counter)  # files checked, by model (plural name)

    def of(self, *kinds: str) -> list[Finding]:
        return [finding for finding in self.problems if finding.kind in kinds]


def file_fields(model) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def referenced_files():
    """(row label, FileField, stored name, sha256 or None, size or None) for every file a
    row of any model names."""
    for model in apps.get_models():
        fields = file_fields(model)
        if not fields:
            continue
        names = {f.name for f in model._meta.concrete_fields}
        fingerprinted = {"sha256", "size"} <= names
        for obj in model._base_manager.order_by("pk").iterator(chunk_size=500):
            label = f"{model._meta.verbose_name} “{obj}”"
            for file_field in fields:
                name = getattr(obj, file_field.name).name
                if not name:
                    continue
                if fingerprinted and file_field.name == "file":
                    yield label, file_field, name, obj.sha256, obj.size
                else:
                    yield label, file_field, name, None, None


def sha256_of(storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as stored:
        for chunk in iter(lambda: stored.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def audit(*, grace: datetime.timedelta) -> Audit:
    """Check every referenced file and its bytes, then look for files no row names and
    for stale temporaries."""
    result = Audit()
    referenced = set()
    for label, file_field, name, sha256, size in referenced_files():
        referenced.add(name)
        result.checked[str(file_field.model._meta.verbose_name_plural)] += 1
        storage = file_field.storage
        if not storage.exists(name):
            result.problems.append(Finding(Kind.MISSING, name, label))
            continue
        if size is not None and (stored_size := storage.size(name)) != size:
            detail = f"{stored_size} byte, bản ghi ghi {size} byte"
            result.problems.append(Finding(Kind.ALTERED, name, label, detail))
        elif sha256 and sha256_of(storage, name) != sha256:
            result.problems.append(Finding(Kind.ALTERED, name, label, "mã băm SHA-256 khác bản ghi"))
    result.problems.extend(leftovers(grace=grace, referenced=referenced, in_progress=result.in_progress))
    return result


def leftovers(*, grace: datetime.timedelta, referenced=None, in_progress=None) -> list[Finding]:
    """Stale temporaries and, given the names rows reference, orphans of the storage."""
    found = []
    for name in stored_names(default_storage):
        partial = is_partial(name)
        if referenced is None and not partial:
            continue
        if not partial and name in referenced:
            continue
        if not stale(default_storage.get_modified_time(name), grace):
            if in_progress is not None:
                in_progress.append(name)
            continue
        found.append(Finding(Kind.TEMPORARY if partial else Kind.ORPHAN, name))
    for path in upload_temporaries():
        modified = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC)
        if stale(modified, grace):
            found.append(Finding(Kind.TEMPORARY, path.name, path=path))
        elif in_progress is not None:
            in_progress.append(str(path))
    return found


def remove(finding: Finding) -> None:
    if finding.path is not None:
        finding.path.unlink(missing_ok=True)
    else:
        default_storage.delete(finding.name)
