"""python manage.py merge_communes --into NEW --from A B C --on YYYY-MM-DD [--name NAME]"""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from communes.services import merge_communes


def _date(text: str) -> datetime.date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            pass
    raise CommandError(_("Ngày %(text)s không hợp lệ: viết dd/mm/yyyy hoặc yyyy-mm-dd.") % {"text": text})


class Command(BaseCommand):
    help = (
        "Sáp nhập các xã --from vào xã --into từ ngày --on: tạo hoặc cập nhật xã mới, "
        "chuyển cán bộ xã và thôn; số liệu cũ vẫn thuộc các xã cũ. Không ghi gì nếu có lỗi."
    )

    def add_arguments(self, parser):
        parser.add_argument("--into", required=True, help="Mã xã mới (hoặc xã nhận sáp nhập).")
        parser.add_argument("--from", dest="from_codes", nargs="+", required=True, help="Mã các xã sáp nhập.")
        parser.add_argument("--on", required=True, help="Ngày sáp nhập (dd/mm/yyyy hoặc yyyy-mm-dd).")
        parser.add_argument("--name", default="", help="Tên xã mới (bắt buộc khi mã xã mới chưa có).")

    def handle(self, *args, into, from_codes, on, name, **options):
        try:
            commune = merge_communes(into_code=into, from_codes=from_codes, on=_date(on), name=name)
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from error
        self.stdout.write(
            _("Đã sáp nhập %(codes)s vào xã %(name)s (mã %(code)s) từ ngày %(on)s.")
            % {"codes": ", ".join(from_codes), "name": commune.name, "code": commune.code, "on": on}
        )
