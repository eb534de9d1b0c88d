"""python manage.py export_scores --set CODE --year YYYY [--as-of DATE] [--commune CODE ...] -o FILE."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from communes.models import Commune
from criteria.models import CriteriaSet
from criteria.resources import export_scores, render_scores_file
from ntm.lib.spreadsheet_files import FORMATS


def iso_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(_("Ngày %(value)s không hợp lệ: viết YYYY-MM-DD.") % {"value": text}) from error


class Command(BaseCommand):
    help = (
        "Xuất kết quả chỉ tiêu của một bộ tiêu chí, một năm ra tệp .xlsx hoặc .csv, nhập lại được nguyên vẹn."
    )

    def add_arguments(self, parser):
        parser.add_argument("--set", required=True, dest="set_code", help="Mã bộ tiêu chí.")
        parser.add_argument("--year", required=True, type=int, help="Năm đánh giá.")
        parser.add_argument("--as-of", type=iso_date, help="Số liệu tính đến hết ngày này (YYYY-MM-DD).")
        parser.add_argument(
            "--commune",
            nargs="+",
            action="extend",
            default=[],
            dest="communes",
            help="Mã xã (mặc định: mọi xã).",
        )
        parser.add_argument("-o", "--output", required=True, help="Tệp .xlsx hoặc .csv để ghi.")

    def handle(self, *args, set_code, year, as_of, communes, output, **options):
        path = Path(output)
        file_format = path.suffix.lower().lstrip(".")
        if file_format not in FORMATS:
            raise CommandError(_("Tên tệp phải kết thúc bằng .xlsx hoặc .csv."))
        criteria_set = CriteriaSet.objects.filter(code=set_code).first()
        if criteria_set is None:
            raise CommandError(_("Không có bộ tiêu chí %(code)s.") % {"code": set_code})
        selected = Commune.objects.all()
        if communes:
            selected = list(selected.filter(code__in=communes))
            missing = sorted(set(communes) - {commune.code for commune in selected})
            if missing:
                raise CommandError(_("Không có xã với mã %(codes)s.") % {"codes": ", ".join(missing)})
        dataset = export_scores(criteria_set=criteria_set, year=year, communes=selected, as_of=as_of)
        path.write_bytes(render_scores_file(dataset, format=file_format))
        self.stdout.write(_("Đã ghi %(rows)d dòng vào %(path)s.") % {"rows": len(dataset), "path": path})
