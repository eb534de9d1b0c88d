from django.core.management.base import BaseCommand, CommandError

from communes.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, build_demo_district
from communes.models import Village
from criteria.demo import assign_demo_departments, build_demo_scores, demo_sets_loaded
from dossiers.demo import build_demo_dossiers
from meetings.demo import build_demo_meeting


class Command(BaseCommand):
    help = (
        "Nạp huyện mẫu Triệu Sơn (Thanh Hóa): xã, thôn, phòng ban, sở ngành, tài khoản, "
        "kết quả 2022-2024, hồ sơ 2024 mẫu và cuộc họp Ban Chỉ đạo ngày 02/11/2018 với các nhiệm vụ. "
        "Chạy lại không tạo trùng."
    )

    def handle(self, *args, **options):
        if not demo_sets_loaded():
            raise CommandError("Chưa nạp bộ tiêu chí. Chạy trước: python manage.py load_criteria --all")
        district = build_demo_district()
        changed = assign_demo_departments(district)
        scores = build_demo_scores(district)
        dossiers = build_demo_dossiers(district)
        tasks = build_demo_meeting(district)
        communes = district.communes.count()
        villages = Village.objects.filter(commune__district=district).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Huyện {district.name}: {communes} xã, {villages} thôn; "
                f"{changed} tiêu chí/chỉ tiêu được gán phòng ban phụ trách; "
                f"{scores} kết quả chỉ tiêu mẫu; {dossiers} hồ sơ mẫu; {tasks} nhiệm vụ mẫu."
            )
        )
        accounts = ", ".join(["admin", *(username for username, *_rest in DEMO_ACCOUNTS)])
        self.stdout.write(f"Tài khoản mẫu: {accounts} — mật khẩu {DEMO_PASSWORD}")
