import datetime

from django.core.management.base import BaseCommand, CommandError

from ntm.lib.integrity import Kind, audit, leftovers, remove

HEADINGS = {
    Kind.MISSING: "THIẾU TỆP",
    Kind.ALTERED: "TỆP BỊ THAY ĐỔI",
    Kind.ORPHAN: "TỆP KHÔNG THUỘC BẢN GHI NÀO",
    Kind.TEMPORARY: "TỆP TẠM BỎ DỞ",
}


class Command(BaseCommand):
    help = (
        "Kiểm tra mọi tệp đã lưu (minh chứng, bản báo cáo đã lưu, …): tệp bị mất, tệp bị sửa "
        "(mã băm SHA-256, dung lượng), tệp không thuộc bản ghi nào và tệp tạm bỏ dở. Trả mã lỗi khác 0 "
        "khi có vấn đề. --repair xoá tệp tạm bỏ dở; thêm --delete-orphans để xoá cả tệp không thuộc bản "
        "ghi nào. --clean-temporaries chỉ xoá tệp tạm (chạy khi khởi động)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--repair", action="store_true", help="Xoá tệp tạm bỏ dở; liệt kê những gì cần xử lý tay."
        )
        parser.add_argument(
            "--delete-orphans",
            action="store_true",
            help="Cùng --repair: xoá cả tệp không thuộc bản ghi nào (tệp của lần tải bị ngắt giữa chừng).",
        )
        parser.add_argument(
            "--clean-temporaries",
            action="store_true",
            help="Chỉ xoá tệp tạm bỏ dở, không kiểm tra mã băm (nhanh; dùng khi khởi động máy chủ).",
        )
        parser.add_argument(
            "--grace-minutes",
            type=int,
            default=60,
            help="Tệp ghi trong khoảng này có thể đang được tải lên: không tính, không xoá (mặc định 60).",
        )

    def handle(self, *args, repair, delete_orphans, clean_temporaries, grace_minutes, **options):
        grace = datetime.timedelta(minutes=grace_minutes)
        if delete_orphans and not repair:
            raise CommandError("--delete-orphans chỉ dùng cùng --repair.")
        if clean_temporaries:
            for finding in leftovers(grace=grace):
                remove(finding)
                self.stdout.write(f"ĐÃ XOÁ TỆP TẠM: {finding.name}")
            return
        result = audit(grace=grace)
        remaining = 0
        for finding in result.problems:
            line = f"{HEADINGS[finding.kind]}: {finding.name}"
            if finding.label:
                line += f" — {finding.label}"
            if finding.detail:
                line += f" ({finding.detail})"
            removable = finding.kind == Kind.TEMPORARY or (delete_orphans and finding.kind == Kind.ORPHAN)
            if repair and removable:
                remove(finding)
                self.stdout.write(self.style.WARNING(f"{line} → đã xoá"))
                continue
            remaining += 1
            self.stdout.write(self.style.ERROR(line))
        for name in result.in_progress:
            self.stdout.write(f"Bỏ qua (mới ghi, có thể đang tải lên): {name}")
        if repair and result.of(Kind.MISSING, Kind.ALTERED):
            self.stdout.write(
                "Tệp thiếu hoặc bị thay đổi không tự sửa được: hãy khôi phục chúng từ bản sao lưu "
                "(manage.py restore) hoặc đề nghị tải lên lại."
            )
        if repair and not delete_orphans and result.of(Kind.ORPHAN):
            self.stdout.write("Chạy lại với --repair --delete-orphans để xoá tệp không thuộc bản ghi nào.")
        checked = ", ".join(f"{count} {plural}" for plural, count in sorted(result.checked.items()))
        self.stdout.write(f"Đã kiểm tra: {checked or 'không có tệp nào'}.")
        if remaining:
            raise CommandError(f"Có {remaining} vấn đề.")
        self.stdout.write(self.style.SUCCESS("Mọi tệp đều khớp mã băm."))
