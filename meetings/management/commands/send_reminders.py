from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone, translation

from meetings.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "Gửi thư nhắc việc: mỗi đơn vị một thư, liệt kê các nhiệm vụ đến hạn trong N ngày tới "
        "hoặc đã quá hạn. Chạy lại trong ngày không gửi trùng."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=3, help="Nhắc các việc đến hạn trong số ngày này (mặc định 3)."
        )

    def handle(self, *args, days, **options):
        with translation.override(settings.LANGUAGE_CODE):
            sent, skipped = send_reminders(today=timezone.localdate(), days=max(days, 0))
        for digest in sent:
            self.stdout.write(
                f"Đã gửi {digest.owner_name}: {len(digest.tasks)} nhiệm vụ → {', '.join(digest.recipients)}"
            )
        for digest in skipped:
            self.stderr.write(
                f"Không gửi được cho {digest.owner_name}: không ai trong đơn vị có địa chỉ thư."
            )
        if not sent and not skipped:
            self.stdout.write("Không có nhiệm vụ nào cần nhắc hôm nay.")
