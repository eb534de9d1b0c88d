from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ntm.lib.backup import BackupError, write_backup


class Command(BaseCommand):
    help = (
        "Sao lưu cơ sở dữ liệu (dumpdata trên SQLite, pg_dump trên PostgreSQL) và mọi tệp đã lưu "
        "(minh chứng, bản báo cáo đã lưu, mọi tệp trong kho; trên đĩa hay trên S3) vào một thư mục mới, "
        "kèm SHA256SUMS."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output", required=True, help="Thư mục mới (hoặc trống) để ghi bản sao lưu."
        )

    def handle(self, *args, output, **options):
        try:
            written = write_backup(Path(output))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã sao lưu {written.rows} bản ghi và {written.files} tệp "
                f"({written.bytes / 1024 / 1024:.1f} MB) vào {output}."
            )
        )
