"""python manage.py export_units -o FILE.xlsx|FILE.csv: the units file of DESIGN §5."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from communes.resources import export_units, render_units_file
from ntm.lib.spreadsheet_files import FORMATS


class Command(BaseCommand):
    help = "Xuất địa bàn (tỉnh, huyện, xã, thôn) ra tệp .xlsx hoặc .csv, nhập lại được nguyên vẹn."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="Tệp .xlsx hoặc .csv để ghi.")

    def handle(self, *args, output, **options):
        path = Path(output)
        file_format = path.suffix.lower().lstrip(".")
        if file_format not in FORMATS:
            raise CommandError(_("Tên tệp phải kết thúc bằng .xlsx hoặc .csv."))
        dataset = export_units()
        path.write_bytes(render_units_file(dataset, format=file_format))
        self.stdout.write(_("Đã ghi %(rows)d dòng vào %(path)s.") % {"rows": len(dataset), "path": path})
