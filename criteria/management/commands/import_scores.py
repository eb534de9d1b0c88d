"""python manage.py import_scores FILE [--dry-run] [--user USERNAME]: the scores file of DESIGN §5."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from criteria.resources import import_scores
from ntm.lib.spreadsheets import refuse_file


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
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user, is_active=True).first()
            if importer is None:
                raise CommandError(_("Không có người dùng %(user)s.") % {"user": user})
        data, file_format = path.read_bytes(), path.suffix or None
        # Preview first, as the admin does; the import itself checks every row again
        # and rolls everything back unless all are valid.
        report = import_scores(data, user=importer, format=file_format, dry_run=True)
        self.stdout.write(_("Xem trước (chưa ghi gì vào cơ sở dữ liệu):"))
        self._summary(report)
        if report.ok and not dry_run:
            report = import_scores(data, user=importer, format=file_format)
            self.stdout.write(_("Đã nhập:"))
            self._summary(report)
        if not report.ok:
            raise refuse_file(report, self.stderr)
        if not dry_run:
            self.stdout.write(self.style.SUCCESS(_("Xong.")))

    def _summary(self, report):
        for line in report.summary_lines():
            self.stdout.write(f"  {line}")
