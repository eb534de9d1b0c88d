"""python manage.py import_criteria FILE.xlsx [--dry-run] [--user USERNAME]: the criteria workbook."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from criteria.workbook import import_criteria
from ntm.lib.spreadsheets import command_importer, finish_command


class Command(BaseCommand):
    help = (
        "Nhập một bộ tiêu chí từ tệp Excel (các trang Bộ tiêu chí, Tiêu chí, Chỉ tiêu, Mức đạt, "
        "Áp dụng mức vùng, Sửa đổi). Không ghi gì nếu có dòng lỗi; các dòng lỗi được in ra."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp .xlsx của một bộ tiêu chí.")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra và xem trước, không ghi gì.")
        parser.add_argument(
            "--user",
            help="Tên đăng nhập của người nhập (phải được sửa bộ tiêu chí). Mặc định: nhập của hệ thống.",
        )

    def handle(self, *args, file, dry_run, user, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("Không tìm thấy tệp %(path)s.") % {"path": path})
        importer = command_importer(user)
        finish_command(self, import_criteria(path, user=importer, dry_run=dry_run))
