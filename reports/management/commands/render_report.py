"""python manage.py render_report KIND [--set CODE] [--year YYYY] [--as-of DATE] [--commune CODE]
[--district CODE] [--province CODE] [--group KEY] -o FILE

Writes a report to FILE as PDF or Excel, by its extension, for scheduled or batch
use: the same report objects and renderers as the pages' "Tải PDF" and "Tải Excel".
It runs with the system administrator's view (every commune), or one district's.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from communes.models import Commune, District
from criteria.forms import StandingFilterForm
from reports.content import build_report
from reports.models import ReportKind
from reports.pdf import render_pdf
from reports.xlsx import render_xlsx

RENDERERS = {".pdf": render_pdf, ".xlsx": render_xlsx}


class Command(BaseCommand):
    help = "Xuất một báo cáo ra tệp PDF hoặc Excel (theo đuôi tệp), như nút “Tải PDF”, “Tải Excel”."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ReportKind.values, help="district, commune hoặc dossiers.")
        parser.add_argument("--set", dest="set_code", help="Mã bộ tiêu chí (mặc định như trang tổng quan).")
        parser.add_argument("--year", help="Năm (mặc định: năm mới nhất có kết quả).")
        parser.add_argument(
            "--as-of", dest="as_of", help="Số liệu tính đến ngày: YYYY-MM-DD hoặc dd/mm/yyyy."
        )
        parser.add_argument("--commune", help="Mã xã (bắt buộc với báo cáo commune).")
        parser.add_argument("--district", help="Mã huyện: chỉ các xã của huyện này (mặc định: mọi xã).")
        parser.add_argument("--province", default="", help="Mã tỉnh: báo cáo của một tỉnh (như ?province=).")
        parser.add_argument(
            "--group",
            default="",
            help="Nhóm xã: huyen-MÃ_HUYỆN_CŨ hoặc nhom-1/2/3 (như ?group= trên trang báo cáo).",
        )
        parser.add_argument("-o", "--output", required=True, type=Path, help="Tệp .pdf hoặc .xlsx.")

    def handle(
        self, *args, kind, set_code, year, as_of, commune, district, province, group, output, **options
    ):
        render = RENDERERS.get(output.suffix.lower())
        if render is None:
            raise CommandError(_("Tên tệp phải kết thúc bằng .pdf hoặc .xlsx."))
        if kind == ReportKind.DOSSIERS and as_of:
            raise CommandError(
                _("Biểu hồ sơ chỉ có số liệu hiện tại (hồ sơ không lưu theo ngày): bỏ --as-of.")
            )
        # The pages' parser, so the command accepts what the address bar does, with the
        # same defaults; unlike a page, a bad value is an error here, not ignored.
        filters = StandingFilterForm({"set": set_code or "", "year": year or "", "as_of": as_of or ""})
        criteria_set, year, as_of = filters.resolve()
        if filters.errors:
            raise CommandError(
                "\n".join(
                    f"--{name.replace('_', '-')}: {' '.join(errors)}"
                    for name, errors in filters.errors.items()
                )
            )
        if criteria_set is None:
            raise CommandError(_("Chưa có bộ tiêu chí cấp xã: chạy python manage.py load_criteria --all."))
        communes = Commune.objects.all()
        if district:
            try:
                communes = communes.filter(district=District.objects.get(code=district))
            except District.DoesNotExist:
                raise CommandError(_("Không có huyện với mã %(code)s.") % {"code": district}) from None
        place = None
        if kind == ReportKind.COMMUNE:
            if not commune:
                raise CommandError(_("Báo cáo commune cần --commune MÃ_XÃ."))
            place = communes.select_related("district", "province").filter(code=commune).first()
            if place is None:
                raise CommandError(_("Không có xã với mã %(code)s.") % {"code": commune})
        report = build_report(
            kind,
            communes=communes,
            commune=place,
            criteria_set=criteria_set,
            year=year,
            as_of=as_of,
            province=province,
            group=group,
        )
        if report.notice:
            # A page shows the whole report and says why; a batch must not file the wrong one.
            raise CommandError(
                _("--province/--group: không có trong các xã của báo cáo; không ghi tệp nào. %(notice)s")
                % {"notice": report.notice}
            )
        if not report.communes:
            raise CommandError(_("Báo cáo không có xã nào."))
        output.write_bytes(render(report))
        self.stdout.write(f"{output}: {report.document_type} {report.title} — {report.data_date_line}.")
