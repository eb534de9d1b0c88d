"""python manage.py import_scores FILE [--dry-run] [--user USERNAME]: the scores file of DESIGN §5."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from criteria.resources import import_scores
from ntm.lib.spreadsheets import command_importer, finish_command


class Command(BaseCommand):
    help = (
        "Nhập kết quả chỉ tiêu từ tệp .xlsx hoặc .csv. Không ghi gì nếu có dòng lỗi; các dòng lỗi được in ra."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp .xlsx (trang đầu) hoặc .csv (UTF-8).")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra và xem trước, không ghi gì.")
        parser.add_argument(
            "--user",
            help="Tên đăng nhập của người nhập (phải điều phối các xã trong tệp). "
            "Mặc định: nhập của hệ thống, được nhập cho mọi xã.",
        )

    def handle(self, *args, file, dry_run, user, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("Không tìm thấy tệp %(path)s.") % {"path": path})
        importer = command_importer(user)
        # One pass: every row is checked before anything is written, and nothing is
        # written unless all are valid, so a refused file leaves the database as it was.
        finish_command(self, import_scores(path, user=importer, dry_run=dry_run))
