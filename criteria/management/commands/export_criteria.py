"""python manage.py export_criteria --set CODE -o FILE.xlsx: the criteria workbook (DESIGN §5)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from criteria.models import CriteriaSet
from criteria.workbook import export_criteria


class Command(BaseCommand):
    help = _("Xuất một bộ tiêu chí ra tệp Excel; sửa trong Excel rồi nhập lại bằng import_criteria.")

    def add_arguments(self, parser):
        parser.add_argument("--set", required=True, dest="set_code", help=_("Mã bộ tiêu chí."))
        parser.add_argument("-o", "--output", required=True, help=_("Tệp .xlsx để ghi."))

    def handle(self, *args, set_code, output, **options):
        path = Path(output)
        if path.suffix.lower() != ".xlsx":
            raise CommandError(_("Tên tệp phải kết thúc bằng .xlsx."))
        criteria_set = CriteriaSet.objects.filter(code=set_code).first()
        if criteria_set is None:
            raise CommandError(_("Không có bộ tiêu chí %(code)s.") % {"code": set_code})
        path.write_bytes(export_criteria(criteria_set))
        self.stdout.write(_("Đã ghi bộ tiêu chí %(code)s vào %(path)s.") % {"code": set_code, "path": path})
