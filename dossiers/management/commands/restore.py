from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ntm.lib.backup import BackupError, restore_backup, verify_backup


class Command(BaseCommand):
    help = (
        "Khôi phục một bản sao lưu của `manage.py backup` vào cơ sở dữ liệu và kho tệp đang cấu hình. "
        "Kiểm tra mã băm của mọi tệp trước: bản sao lưu bị sửa, thiếu hay thừa tệp thì từ chối. "
        "Chỉ khôi phục vào nơi còn trống, trừ khi có --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="Thư mục bản sao lưu.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Xoá dữ liệu và tệp đang có, thay bằng bản sao lưu.",
        )
        parser.add_argument(
            "--verify-only", action="store_true", help="Chỉ kiểm tra bản sao lưu, không khôi phục."
        )

    def handle(self, *args, directory, replace, verify_only, **options):
        manifest, problems = verify_backup(Path(directory))
        if problems:
            for problem in problems:
                self.stdout.write(self.style.ERROR(problem))
            raise CommandError(f"Bản sao lưu không toàn vẹn ({len(problems)} vấn đề); không khôi phục.")
        if verify_only:
            self.stdout.write(self.style.SUCCESS("Bản sao lưu toàn vẹn: mọi tệp khớp SHA256SUMS."))
            return
        try:
            restored = restore_backup(Path(directory), manifest, replace=replace)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã khôi phục {restored.rows} bản ghi và {restored.files} tệp từ {directory}. "
                "Hãy chạy manage.py check_documents để kiểm tra lại."
            )
        )
