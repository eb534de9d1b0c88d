"""The demo district: Triệu Sơn (Thanh Hóa), its departments and one account per role.

Unit codes in fixtures/demo/trieu-son-units.csv are illustrative, not official
GSO codes. Everything here is idempotent: running it twice changes nothing.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Commune, Department, District, Membership, Province

UNITS_FILE = Path(settings.BASE_DIR) / "fixtures" / "demo" / "trieu-son-units.csv"
DEMO_PASSWORD = "NtmDemo@2024"
DISTRICT_CODE = "392"

DISTRICT_DEPARTMENTS = [
    ("KT&HT", "Phòng Kinh tế và Hạ tầng"),
    ("NN&PTNT", "Phòng Nông nghiệp và Phát triển nông thôn"),
    ("TN&MT", "Phòng Tài nguyên và Môi trường"),
    ("GD&ĐT", "Phòng Giáo dục và Đào tạo"),
    ("VH&TT", "Phòng Văn hóa và Thông tin"),
    ("LĐ-TB&XH", "Phòng Lao động - Thương binh và Xã hội"),
    ("YT", "Phòng Y tế"),
    ("NV", "Phòng Nội vụ"),
    ("TP", "Phòng Tư pháp"),
    ("TK", "Chi cục Thống kê"),
    ("CA", "Công an huyện"),
    ("BCHQS", "Ban Chỉ huy Quân sự huyện"),
]

# The provincial departments that appraise a commune's dossier (17 in Thanh Hóa in 2018).
PROVINCE_DEPARTMENTS = [
    ("SNN", "Sở Nông nghiệp và Phát triển nông thôn"),
    ("SXD", "Sở Xây dựng"),
    ("SGTVT", "Sở Giao thông vận tải"),
    ("SCT", "Sở Công Thương"),
    ("STTTT", "Sở Thông tin và Truyền thông"),
    ("SGDĐT", "Sở Giáo dục và Đào tạo"),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch"),
    ("SYT", "Sở Y tế"),
    ("SLĐTBXH", "Sở Lao động - Thương binh và Xã hội"),
    ("STNMT", "Sở Tài nguyên và Môi trường"),
    ("SNV", "Sở Nội vụ"),
    ("STP", "Sở Tư pháp"),
    ("SKHĐT", "Sở Kế hoạch và Đầu tư"),
    ("STC", "Sở Tài chính"),
    ("CTK", "Cục Thống kê"),
    ("CAT", "Công an tỉnh"),
    ("BCHQST", "Bộ Chỉ huy Quân sự tỉnh"),
]

Role = Membership.Role
# username, full name, role, commune code (None: the district), department short name
DEMO_ACCOUNTS = [
    ("dieuphoi", "Lê Văn Điều", Role.COORDINATOR, None, None),
    ("phongkt", "Nguyễn Thị Hạ", Role.DEPARTMENT, None, "KT&HT"),
    ("phongnn", "Trần Văn Nông", Role.DEPARTMENT, None, "NN&PTNT"),
    ("xa_danly", "Phạm Thị Lý", Role.COMMUNE, "15970", None),
    ("xa_thothe", "Hoàng Văn Thế", Role.COMMUNE, "15958", None),
    ("lanhdao", "Đỗ Minh Lãnh", Role.LEADER, None, None),
]


@transaction.atomic
def build_demo_district() -> District:
    """Units from the demo file, departments and the demo accounts."""
    from .resources import import_units

    report = import_units(UNITS_FILE)
    if not report.ok:
        raise ValueError("\n".join(str(error) for error in report.errors))
    district = District.objects.get(code=DISTRICT_CODE)
    province = district.province
    for short_name, name in DISTRICT_DEPARTMENTS:
        Department.objects.update_or_create(
            district=district,
            short_name=short_name,
            defaults={"name": name, "level": Department.Level.DISTRICT},
        )
    for short_name, name in PROVINCE_DEPARTMENTS:
        Department.objects.update_or_create(
            province=province,
            short_name=short_name,
            defaults={"name": name, "level": Department.Level.PROVINCE},
        )
    _create_accounts(district, province)
    return district


def _create_accounts(district: District, province: Province) -> None:
    User = get_user_model()
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True, "first_name": "Quản trị"}
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    for username, full_name, role, commune_code, department_short in DEMO_ACCOUNTS:
        # Vietnamese names put the family name first; Django's get_full_name()
        # joins first + last, so the whole name goes in first_name.
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        unit = {"commune": Commune.objects.get(code=commune_code)} if commune_code else {"district": district}
        department = (
            Department.objects.get(district=district, short_name=department_short)
            if department_short
            else None
        )
        Membership.objects.get_or_create(user=user, role=role, department=department, **unit)
