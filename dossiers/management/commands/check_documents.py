import hashlib

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from dossiers.models import Document

ROOT = "dossiers"


def stored_files(storage, folder: str):
    """Every file under `folder` in the storage, by name."""
    directories, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for directory in directories:
        yield from stored_files(storage, f"{folder}/{directory}")


class Command(BaseCommand):
    help = (
        "Băm lại mọi tệp minh chứng: báo tệp bị mất, tệp bị sửa và tệp không thuộc tài liệu nào. "
        "Trả mã lỗi khác 0 khi có vấn đề."
    )

    def handle(self, *args, **options):
        storage = default_storage
        problems = 0
        known = set()
        documents = Document.objects.select_related("item__dossier__commune").order_by("pk")
        for document in documents.iterator(chunk_size=500):
            name = document.file.name
            known.add(name)
            where = f"{document.item.dossier.commune.name} — {document.title} v{document.version} ({name})"
            if not storage.exists(name):
                self.stdout.write(self.style.ERROR(f"THIẾU TỆP: {where}"))
                problems += 1
                continue
            digest = hashlib.sha256()
            with storage.open(name, "rb") as stored:
                for chunk in iter(lambda: stored.read(1024 * 1024), b""):
                    digest.update(chunk)
            if digest.hexdigest() != document.sha256:
                self.stdout.write(self.style.ERROR(f"TỆP BỊ THAY ĐỔI: {where}"))
                problems += 1
        orphans = sorted(set(stored_files(storage, ROOT)) - known) if storage.exists(ROOT) else []
        for name in orphans:
            self.stdout.write(self.style.WARNING(f"TỆP KHÔNG THUỘC TÀI LIỆU NÀO: {name}"))
        problems += len(orphans)
        self.stdout.write(f"Đã kiểm tra {len(known)} tài liệu.")
        if problems:
            raise CommandError(f"Có {problems} vấn đề.")
        self.stdout.write(self.style.SUCCESS("Mọi tệp đều khớp mã băm."))
