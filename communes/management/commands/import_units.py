"""python manage.py import_units FILE [--dry-run]: the units file of DESIGN §5."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from communes.resources import import_units
from ntm.lib.spreadsheets import finish_command


class Command(BaseCommand):
    help = (
        "Nhập địa bàn (tỉnh, huyện, xã, thôn) từ tệp .xlsx hoặc .csv. "
        "Không ghi gì nếu có dòng lỗi; các dòng lỗi được in ra."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp .xlsx (trang đầu) hoặc .csv (UTF-8).")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra và xem trước, không ghi gì.")

    def handle(self, *args, file, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("Không tìm thấy tệp %(path)s.") % {"path": path})
        # One pass: every row is checked before anything is written, and nothing is
        # written unless all are valid, so a refused file leaves the database as it was.
        finish_command(self, import_units(path, dry_run=dry_run))
