"""python manage.py import_units FILE [--dry-run]: the units file of DESIGN §5."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from communes.resources import import_units
from ntm.lib.spreadsheets import refuse_file


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
        # One pass: the resource checks every row first and rolls the whole import
        # back unless all are valid, so a refused file leaves the database as it was.
        report = import_units(path, dry_run=dry_run)
        if not report.ok:
            raise refuse_file(report, self.stderr)
        if dry_run:
            self.stdout.write(_("Xem trước (chưa ghi gì vào cơ sở dữ liệu):"))
        else:
            self.stdout.write(_("Đã nhập:"))
        for line in report.summary_lines():
            self.stdout.write(f"  {line}")
        if not dry_run:
            self.stdout.write(self.style.SUCCESS(_("Xong.")))
