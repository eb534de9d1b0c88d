"""Backups: the database and every stored file, with a SHA-256 manifest.

A backup is a directory:

    backup.json        what it is: format, when, the database engine, rows per table,
                       the last migration of each app
    database.json      SQLite: `dumpdata --natural-foreign` (content types by name)
    database.pgdump    PostgreSQL: `pg_dump --format=custom`
    media/<name>       each file of the media storage (disk or bucket) under its name
    SHA256SUMS         the hash of every file above (`sha256sum -c SHA256SUMS` checks it)

A restore checks the whole directory first: a file whose hash differs, a listed file
that is missing, or a file that is not listed refuses it before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from .storage import is_partial, stored_names

FORMAT = 1
MANIFEST = "backup.json"
CHECKSUMS = "SHA256SUMS"
MEDIA = "media"
DUMPS = {"sqlite": "database.json", "postgresql": "database.pgdump"}
# Rebuilt by `migrate` from the code, and referred to by name in the JSON dump.
NOT_DATA = frozenset({"contenttypes.contenttype", "auth.permission"})
CHUNK = 1024 * 1024


class BackupError(Exception):
    """Something a person must act on; the message says what, in Vietnamese."""


def engine() -> str:
    if connection.vendor not in DUMPS:
        raise BackupError(f"Chưa hỗ trợ sao lưu cơ sở dữ liệu {connection.vendor}.")
    return connection.vendor


def data_models():
    for model in apps.get_models(include_auto_created=True):
        if model._meta.label_lower not in NOT_DATA and not model._meta.proxy and model._meta.managed:
            yield model


def row_counts() -> dict[str, int]:
    """Rows in each table of data (migrated tables only; a missing table counts 0)."""
    tables = set(connection.introspection.table_names())
    return {
        model._meta.label_lower: model._base_manager.count() if model._meta.db_table in tables else 0
        for model in data_models()
    }


def database_is_empty() -> bool:
    return not any(row_counts().values())


def last_migrations() -> dict[str, str]:
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return {}
    latest = {}
    for app, name in recorder.migration_qs.order_by("app", "name").values_list("app", "name"):
        latest[app] = name
    return latest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_command(program: str, *args: str) -> tuple[list[str], dict]:
    settings = connection.settings_dict
    command = [program, "--no-password", f"--dbname={settings['NAME']}"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            command.append(f"{option}={settings[key]}")
    environment = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    if sslmode := settings.get("OPTIONS", {}).get("sslmode"):
        environment["PGSSLMODE"] = sslmode
    return command + list(args), environment


def _run(program: str, *args: str) -> None:
    command, environment = _pg_command(program, *args)
    try:
        done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(
            f"Không có chương trình {program}: hãy cài gói postgresql-client "
            "(apt-get install postgresql-client)."
        ) from None
    if done.returncode:
        raise BackupError(f"{program} báo lỗi: {done.stderr.strip()}")


# Writing -----------------------------------------------------------------------------


@dataclass
class Written:
    rows: int
    files: int
    bytes: int


def write_backup(directory: Path) -> Written:
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"Thư mục {directory} đã có nội dung; hãy chọn một thư mục mới hoặc trống.")
    directory.mkdir(parents=True, exist_ok=True)
    kind = engine()
    dump = directory / DUMPS[kind]
    # One view of the database for the dump and the rows counted beside it, however
    # busy the site is: a transaction (SQLite reads one snapshot in it) whose snapshot
    # pg_dump shares on PostgreSQL. Inside a caller's transaction, that one's view is used.
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if kind == "sqlite":
            call_command(
                "dumpdata",
                natural_foreign=True,
                exclude=sorted(NOT_DATA),
                output=str(dump),
                verbosity=0,
            )
        else:
            shared = []
            if outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    cursor.execute("SELECT pg_export_snapshot()")
                    shared = [f"--snapshot={cursor.fetchone()[0]}"]
            _run("pg_dump", "--format=custom", "--no-owner", "--no-privileges", *shared, f"--file={dump}")
        counts = row_counts()
    sums = {dump.name: _sha256(dump)}
    total = 0
    for name in stored_names(default_storage):
        if is_partial(name):
            continue
        target = directory / MEDIA / PurePosixPath(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with default_storage.open(name, "rb") as source, target.open("wb") as copy:
            for chunk in iter(lambda source=source: source.read(CHUNK), b""):
                digest.update(chunk)
                copy.write(chunk)
                total += len(chunk)
        sums[f"{MEDIA}/{name}"] = digest.hexdigest()
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "engine": kind,
        "database": dump.name,
        "counts": counts,
        "migrations": last_migrations(),
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    sums[MANIFEST] = _sha256(directory / MANIFEST)
    lines = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
    (directory / CHECKSUMS).write_text(lines)
    return Written(rows=sum(counts.values()), files=len(sums) - 2, bytes=total)


# Checking ----------------------------------------------------------------------------


def verify_backup(directory: Path) -> tuple[dict, list[str]]:
    """The manifest and every problem found; the backup may be restored only with none."""
    if not (directory / CHECKSUMS).is_file():
        return {}, [f"Không có tệp {CHECKSUMS}: đây không phải bản sao lưu của NTM Tracker."]
    problems = []
    listed = {}
    for number, line in enumerate((directory / CHECKSUMS).read_text().splitlines(), start=1):
        digest, separator, name = line.partition("  ")
        path = PurePosixPath(name)
        if not separator or len(digest) != 64 or path.is_absolute() or ".." in path.parts:
            problems.append(f"{CHECKSUMS}, dòng {number}: không đọc được.")
            continue
        listed[name] = digest
    present = set()
    for path in sorted(directory.rglob("*")):
        name = path.relative_to(directory).as_posix()
        if path.is_symlink():
            problems.append(f"Liên kết không được phép trong bản sao lưu: {name}")
        elif path.is_file() and name != CHECKSUMS:
            present.add(name)
    for name in sorted(present - set(listed)):
        problems.append(f"Tệp thừa, không có trong {CHECKSUMS}: {name}")
    for name, digest in sorted(listed.items()):
        if name not in present:
            problems.append(f"Thiếu tệp: {name}")
        elif _sha256(directory / name) != digest:
            problems.append(f"Tệp bị thay đổi (mã băm khác): {name}")
    manifest = {}
    if MANIFEST in listed and not problems:
        manifest = json.loads((directory / MANIFEST).read_text())
        if manifest.get("format") != FORMAT or manifest.get("database") not in listed:
            problems.append(f"{MANIFEST} không đúng định dạng bản sao lưu {FORMAT}.")
    elif MANIFEST not in listed:
        problems.append(f"Thiếu tệp: {MANIFEST}")
    return manifest, problems


# Restoring ---------------------------------------------------------------------------


def stored_files_present() -> bool:
    return any(not is_partial(name) for name in stored_names(default_storage))


def restore_backup(directory: Path, manifest: dict, *, replace: bool) -> Written:
    kind = engine()
    if manifest["engine"] != kind:
        raise BackupError(
            f"Bản sao lưu của cơ sở dữ liệu {manifest['engine']}; máy này dùng {kind}. "
            "Hãy khôi phục vào cùng loại cơ sở dữ liệu."
        )
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = sorted(
        f"{app}.{name}" for app, name in manifest["migrations"].items() if (app, name) not in known
    )
    if unknown:
        raise BackupError(
            "Bản sao lưu được tạo bởi phiên bản mới hơn của phần mềm (migration chưa có: "
            + ", ".join(unknown)
            + "). Hãy cập nhật phần mềm trước."
        )
    if not replace:
        if not database_is_empty():
            raise BackupError(
                "Cơ sở dữ liệu đích đã có dữ liệu. Dùng --replace để thay toàn bộ bằng bản sao lưu."
            )
        if stored_files_present():
            raise BackupError("Kho tệp đích đã có tệp. Dùng --replace để thay toàn bộ bằng bản sao lưu.")
    dump = directory / manifest["database"]
    if kind == "sqlite":
        call_command("migrate", interactive=False, verbosity=0)
        if replace:
            call_command("flush", interactive=False, verbosity=0)
        call_command("loaddata", str(dump), verbosity=0)
    else:
        _run(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            str(dump),
        )
        connection.close()
    if replace:
        for name in list(stored_names(default_storage)):
            default_storage.delete(name)
    media = directory / MEDIA
    files = total = 0
    for path in sorted(media.rglob("*")) if media.is_dir() else []:
        if not path.is_file():
            continue
        name = path.relative_to(media).as_posix()
        with path.open("rb") as source:
            saved = default_storage.save(name, File(source, name=name))
        if saved != name:
            raise BackupError(f"Kho tệp đã đặt tên khác cho {name} ({saved}).")
        files, total = files + 1, total + path.stat().st_size
    counts = row_counts()
    differ = {
        label: (count, counts.get(label, 0))
        for label, count in manifest["counts"].items()
        if counts.get(label, 0) != count
    }
    if differ:
        raise BackupError(
            "Số bản ghi sau khi khôi phục khác bản sao lưu: "
            + "; ".join(f"{label} {want} → {got}" for label, (want, got) in sorted(differ.items()))
        )
    if kind == "postgresql":
        call_command("migrate", interactive=False, verbosity=0)
    return Written(rows=sum(counts.values()), files=files, bytes=total)
