"""python manage.py clear_import_uploads: remove spreadsheet previews nobody confirmed."""

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from criteria.models import ImportUpload

FOLDER = "imports"


class Command(BaseCommand):
    help = (
        "Xóa các tệp nhập chờ xác nhận đã quá hạn (quá 24 giờ) và các tệp không còn thuộc bản xem trước nào. "
        "Chạy hằng ngày."
    )

    def handle(self, *args, **options):
        stale = list(ImportUpload.objects.stale())
        for upload in stale:
            upload.discard()
        orphans = self.orphans() if default_storage.exists(FOLDER) else []
        for name in orphans:
            default_storage.delete(name)
        self.stdout.write(
            _("Đã xóa %(stale)d bản xem trước quá hạn và %(orphans)d tệp không thuộc bản nào.")
            % {"stale": len(stale), "orphans": len(orphans)}
        )

    def orphans(self) -> list[str]:
        """Files left by a process that died between storing a file and saving its row;
        old ones only, so a preview being stored right now keeps its file."""
        kept = set(ImportUpload.objects.values_list("file", flat=True))
        cutoff = timezone.now() - ImportUpload.LIFETIME
        names = {f"{FOLDER}/{name}" for name in default_storage.listdir(FOLDER)[1]} - kept
        return sorted(name for name in names if default_storage.get_modified_time(name) < cutoff)
