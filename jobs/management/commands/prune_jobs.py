from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from jobs.services import interrupt_silent_jobs, prune_jobs


class Command(BaseCommand):
    help = (
        "Xóa các việc chạy nền đã xong quá số ngày (mặc định JOBS_KEEP_DAYS), cùng tệp của chúng "
        "và kết quả hàng đợi."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.JOBS_KEEP_DAYS)

    def handle(self, *args, days, **options):
        interrupted = interrupt_silent_jobs()
        if interrupted:
            self.stdout.write(f"{interrupted} việc chạy nền bị gián đoạn (máy xử lý nền đã dừng).")
        count = prune_jobs(days=days)
        # The queue's own records of finished tasks, kept as long as the jobs.
        call_command("prune_db_task_results", min_age_days=days, queue_name="*", verbosity=0)
        self.stdout.write(f"Đã xóa {count} việc chạy nền xong trước {days} ngày.")
