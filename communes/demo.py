"""The demo district: Triệu Sơn (Thanh Hóa), its departments and one account per role.

Unit codes in fixtures/demo/trieu-son-units.csv are illustrative, not official
GSO codes. Everything here is idempotent: running it twice changes nothing.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
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
# username, full name, role, commune code (None: the district), department short name.
# One officer for each district department that owns a criterion or an indicator of the
# demo sets (criteria.demo: it verifies those results, and reviews a criterion's part of
# every dossier when it owns the whole criterion), and one official for each commune that
# has a demo dossier (the commune prepares and submits its own dossier).
DEMO_ACCOUNTS = [
    ("dieuphoi", "Lê Văn Điều", Role.COORDINATOR, None, None),
    ("lanhdao", "Đỗ Minh Lãnh", Role.LEADER, None, None),
    ("phongkt", "Nguyễn Thị Hạ", Role.DEPARTMENT, None, "KT&HT"),
    ("phongnn", "Trần Văn Nông", Role.DEPARTMENT, None, "NN&PTNT"),
    ("phongtn", "Trần Văn Tâm", Role.DEPARTMENT, None, "TN&MT"),
    ("phonggd", "Hoàng Thị Giang", Role.DEPARTMENT, None, "GD&ĐT"),
    ("phongvh", "Lê Văn Hòa", Role.DEPARTMENT, None, "VH&TT"),
    ("phongld", "Phạm Văn Lâm", Role.DEPARTMENT, None, "LĐ-TB&XH"),
    ("phongyt", "Đỗ Thị Yến", Role.DEPARTMENT, None, "YT"),
    ("phongnv", "Lê Thị Ngọc", Role.DEPARTMENT, None, "NV"),
    ("phongtp", "Vũ Văn Tường", Role.DEPARTMENT, None, "TP"),
    ("chicuctk", "Nguyễn Thị Kim", Role.DEPARTMENT, None, "TK"),
    ("congan", "Nguyễn Văn An", Role.DEPARTMENT, None, "CA"),
    ("quansu", "Trịnh Văn Quân", Role.DEPARTMENT, None, "BCHQS"),
    ("xa_thothe", "Hoàng Văn Thế", Role.COMMUNE, "15958", None),
    ("xa_tanninh", "Lê Thị Ninh", Role.COMMUNE, "15961", None),
    ("xa_danluc", "Nguyễn Văn Lực", Role.COMMUNE, "15964", None),
    ("xa_danquyen", "Trịnh Thị Quyên", Role.COMMUNE, "15967", None),
    ("xa_danly", "Phạm Thị Lý", Role.COMMUNE, "15970", None),
    ("xa_minhchau", "Vũ Thị Châu", Role.COMMUNE, "15973", None),
    ("xa_khuyennong", "Mai Văn Khuyến", Role.COMMUNE, "15976", None),
    ("xa_xuanthinh", "Lê Thị Thịnh", Role.COMMUNE, "15991", None),
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
    # Hashing is slow on purpose: the demo accounts share one hash of the one demo password.
    password = make_password(DEMO_PASSWORD)
    User.objects.get_or_create(
        username="admin",
        defaults={"is_staff": True, "is_superuser": True, "first_name": "Quản trị", "password": password},
    )
    for username, full_name, role, commune_code, department_short in DEMO_ACCOUNTS:
        # Vietnamese names put the family name first; Django's get_full_name()
        # joins first + last, so the whole name goes in first_name.
        user, _created = User.objects.get_or_create(
            username=username, defaults={"first_name": full_name, "password": password}
        )
        unit = {"commune": Commune.objects.get(code=commune_code)} if commune_code else {"district": district}
        department = (
            Department.objects.get(district=district, short_name=department_short)
            if department_short
            else None
        )
        Membership.objects.get_or_create(user=user, role=role, department=department, **unit)
