"""Demo dossiers for 2024, built through the real workflow so every step is logged.

Each commune's official uploads and submits; the coordinator reviews and decides. The
spread: one recognised; one sent to all 17 departments and inspected by 4; one short of
a criterion that the district submitted for the commune past the gate (the override is
logged and printed); one returned for supplements; one still gathering files. Where the
departments' verifications are not in the demo data, the coordinator's acceptance
passes that gate with a logged reason.
"""

from __future__ import annotations

import datetime
import zlib

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from communes.models import Department, District, Membership
from criteria.models import CriteriaSet
from ntm.lib.text import fold

from .models import Appraisal, Document, Dossier, DossierItem, Transition
from .services import (
    accept_dossier,
    create_dossier,
    record_appraisal,
    record_recognition,
    return_dossier,
    review_item,
    send_to_province,
    submit_dossier,
    upload_document,
)

YEAR = 2024
SET_CODE = "QD318-2022-XA-NTM"


def tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF that says `text` (ASCII), so each demo file is distinct."""
    line = fold(text).encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 56 780 Td (" + line + b") Tj ET"
    return pdf_document(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def pdf_document(objects: list[bytes]) -> bytes:
    """A PDF of `objects`, numbered from 1 (the first is the catalog), with its
    cross-reference table."""
    body, offsets = b"%PDF-1.4\n", []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n".encode() + content + b"\nendobj\n"
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    body += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return body


def tiny_png(seed: str) -> bytes:
    """A small valid PNG, a different colour for each seed: a phone photo stand-in."""
    import struct

    colour = zlib.crc32(seed.encode()).to_bytes(4, "big")[:3]
    width = height = 8
    raw = b"".join(b"\x00" + colour * width for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _fill(dossier: Dossier, user, *, criteria=None, general=True) -> None:
    """Upload one file per required evidence kind (a photo for every third)."""
    items = dossier.items.select_related("criterion").prefetch_related("criterion__indicators")
    for item in items:
        if item.is_general and not general:
            continue
        if not item.is_general and criteria is not None and item.criterion.number not in criteria:
            continue
        kinds = item.required_evidence() if not item.is_general else [""]
        for n, kind in enumerate(kinds or [""]):
            label = kind or item.title
            seed = f"{dossier.commune.code}-{item.pk}-{n}"
            if n % 3 == 2:
                upload = SimpleUploadedFile(f"anh-{n}.png", tiny_png(seed))
            else:
                upload = SimpleUploadedFile(
                    f"{label[:40]}.pdf", tiny_pdf(f"{dossier.commune.name}: {label} {seed}")
                )
            upload.original_name = upload.name
            upload_document(
                item=item,
                user=user,
                upload=upload,
                evidence_kind=kind,
                effective_date=datetime.date(YEAR, 9, 1 + n % 28),
            )


DEMO_REASON = "Dữ liệu mẫu"


def _official(commune):
    """The commune's official: the demo account where there is one, else an account of
    the commune that cannot sign in (no password), so each step has its real actor."""
    membership = Membership.objects.filter(role=Membership.Role.COMMUNE, commune=commune).first()
    if membership:
        return membership.user
    user, created = get_user_model().objects.get_or_create(
        username=f"xa_{commune.code}", defaults={"first_name": f"Cán bộ xã {commune.name}"}
    )
    if created:
        user.set_unusable_password()
        user.save()
    Membership.objects.get_or_create(user=user, role=Membership.Role.COMMUNE, commune=commune)
    return user


def _review_all(dossier, coordinator) -> None:
    for item in dossier.items.select_related("dossier__commune", "criterion"):
        review_item(item=item, user=coordinator, review=DossierItem.Review.COMPLETE)


def _send(dossier, coordinator, *, inspected, agreed, start=datetime.date(YEAR, 10, 1)):
    send_to_province(dossier=dossier, user=coordinator)
    for n, appraisal in enumerate(dossier.appraisals.select_related("department").order_by("department__pk")):
        if n >= inspected and n >= agreed:
            break
        record_appraisal(
            dossier=dossier,
            department=appraisal.department,
            user=coordinator,
            sent_on=start,
            inspected_on=start + datetime.timedelta(days=7 + n) if n < inspected else None,
            result=Appraisal.Result.AGREED if n < agreed else Appraisal.Result.PENDING,
            comments="",
            criteria=appraisal.criteria.all(),
        )


@transaction.atomic
def build_demo_dossiers(district: District) -> int:
    """The 2024 dossiers of the demo district; does nothing if they exist already."""
    criteria_set = CriteriaSet.objects.get(code=SET_CODE)
    communes = {c.name: c for c in district.communes.all()}
    if Dossier.objects.filter(commune__in=communes.values(), criteria_set=criteria_set, year=YEAR).exists():
        return 0
    User = get_user_model()
    coordinator = User.objects.get(username="dieuphoi")
    departments = list(
        Department.objects.filter(level=Department.Level.PROVINCE, province=district.province).order_by("pk")
    )
    total = len(departments)

    def open_and_submit(name, *, short=False):
        commune = communes[name]
        official = _official(commune)
        dossier = create_dossier(commune=commune, criteria_set=criteria_set, year=YEAR, user=official)
        _fill(dossier, official)
        if short:
            # Short of a criterion: only the district may pass the gate, for the commune.
            submit_dossier(
                dossier=dossier,
                user=coordinator,
                comment="Tờ trình đề nghị thẩm tra",
                on_behalf_reason=DEMO_REASON,
                override_reason=f"{DEMO_REASON}: trình Ban Chỉ đạo xem xét",
            )
        else:
            submit_dossier(dossier=dossier, user=official, comment="Tờ trình đề nghị thẩm tra")
        return dossier

    def accept(dossier):
        _review_all(dossier, coordinator)
        accept_dossier(
            dossier=dossier,
            user=coordinator,
            override_reason=f"{DEMO_REASON}: kết quả thẩm tra của phòng, ban chưa nhập vào hệ thống",
        )

    # Tân Ninh: the whole path, up to the province's decision.
    tan_ninh = open_and_submit("Tân Ninh")
    accept(tan_ninh)
    _send(tan_ninh, coordinator, inspected=total, agreed=total)
    record_recognition(
        dossier=tan_ninh,
        user=coordinator,
        decision_number="5102/QĐ-UBND",
        decided_on=datetime.date(YEAR, 12, 26),
        signer="Chủ tịch UBND tỉnh Thanh Hóa",
    )

    # Minh Châu: everything sent to all departments, 4 have inspected.
    minh_chau = open_and_submit("Minh Châu")
    accept(minh_chau)
    _send(minh_chau, coordinator, inspected=4, agreed=3)

    # Dân Lực: every file, one criterion short; submitted by the district past the gate.
    open_and_submit("Dân Lực", short=True)

    # Khuyến Nông: submitted, the district asked for supplements on two criteria.
    khuyen_nong = open_and_submit("Khuyến Nông", short=True)
    for number, comment in (
        (11, "Thiếu danh sách hộ nghèo đã rà soát cuối năm"),
        (17, "Ảnh hiện trạng chưa rõ"),
    ):
        item = khuyen_nong.items.get(criterion__number=number)
        review_item(item=item, user=coordinator, review=DossierItem.Review.INCOMPLETE, comment=comment)
    return_dossier(dossier=khuyen_nong, user=coordinator, comment="Bổ sung hồ sơ tiêu chí 11 và 17")

    # Dân Lý: still gathering, 12 of 19 criterion files and no general dossier yet.
    official = _official(communes["Dân Lý"])
    dan_ly = create_dossier(commune=communes["Dân Lý"], criteria_set=criteria_set, year=YEAR, user=official)
    _fill(dan_ly, official, criteria=set(range(1, 20)) - {2, 11, 13, 17, 5, 9, 16}, general=False)

    _date_in_2024(communes.values(), criteria_set)
    return Dossier.objects.filter(commune__in=communes.values(), criteria_set=criteria_set, year=YEAR).count()


def _date_in_2024(communes, criteria_set) -> None:
    """Demo steps happen in the autumn of 2024, not on the day the demo is loaded."""
    moment = timezone.make_aware(datetime.datetime(YEAR, 10, 20, 9, 0))
    dossiers = Dossier.objects.filter(commune__in=communes, criteria_set=criteria_set, year=YEAR)
    dossiers.update(created_at=moment - datetime.timedelta(days=40))
    Document.objects.filter(item__dossier__in=dossiers).update(
        uploaded_at=moment - datetime.timedelta(days=30)
    )
    for n, transition in enumerate(Transition.objects.filter(dossier__in=dossiers).order_by("pk")):
        Transition.objects.filter(pk=transition.pk).update(at=moment + datetime.timedelta(hours=n))
