"""Demo dossiers for 2024, built through the real workflow and its gates, each step
taken by the person who takes it in real life and logged as theirs.

Every state a dossier can be in appears at least once, and the communes named in the
Triệu Sơn steering committee's meeting of 02/11/2018 carry that meeting's spread:

- Dân Lý: complete, accepted, sent to 8 of the 17 provincial departments; 5 have inspected.
- Tân Ninh: complete, sent to all 17; all agreed, and the province recognised it.
- Thọ Thế: files for 19/19 criteria, the general dossier missing, sent to all 17; 4 have
  inspected. The coordination office found the meeting minutes short of signatures while
  reviewing the submitted dossier and took them back for the commune to redo; a dossier
  goes to the province only once every item is reviewed complete, so the coordinator
  accepted it past that gate with a logged reason, for the departments to appraise the
  criteria meanwhile. It is the demo's one override: the dossier's log shows it and the
  dossiers report prints it.
- Minh Châu: files for 5/19 criteria and no general dossier: still a draft. The meeting
  counted 2 departments that had inspected; the app records a department's appraisal only
  once the district has accepted the dossier, so the demo records none.

The other states: Dân Lực appraised by all 17 and waiting for the decision; Dân Quyền
accepted, not yet sent; Xuân Thịnh submitted, Phòng Kinh tế và Hạ tầng having reviewed
the files of its criteria; Khuyến Nông returned for supplements on criteria 11 and 17.

The commune's official opens, fills and submits its dossier (each meets every criterion
in its 2024 self-assessment, verified by the owning departments: criteria/demo.py); the
district department that owns a criterion (criteria.owners) reviews that criterion's
files, the coordination office the general items; the coordinator accepts. A dossier
sent to the province goes to the departments named, each with the criteria the province
assigned it (PROVINCE_DEPARTMENT_CRITERIA in criteria/demo.py).
"""

from __future__ import annotations

import datetime
import zlib

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from communes.demo import PROVINCE_DEPARTMENTS
from communes.models import Department, District, Membership
from criteria.models import CriteriaSet, Criterion
from criteria.owners import Unit, ownership_in, province_ownership
from notifications.models import Kind, Notification
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
    withdraw_document,
)

YEAR = 2024
SET_CODE = "QD318-2022-XA-NTM"
# The demo's calendar: files in September, the district's review in October (Thọ Thế's
# minutes taken back the day before), the provincial departments sent on 21/10 and
# inspecting one a day from 28/10, the decision in December.
Status = Dossier.Status
OPENED = datetime.datetime(YEAR, 9, 2, 8, 0)
UPLOADED = datetime.datetime(YEAR, 9, 20, 10, 0)
REVIEWED = datetime.datetime(YEAR, 10, 8, 9, 0)
WITHDRAWN = datetime.datetime(YEAR, 10, 7, 15, 0)
SENT_ON = datetime.date(YEAR, 10, 21)
FIRST_INSPECTION = datetime.date(YEAR, 10, 28)
RECOGNISED_ON = datetime.date(YEAR, 12, 26)
# When each step was taken; "appraised" is the afternoon of the last inspection.
STEP_AT = {
    Status.SUBMITTED: datetime.datetime(YEAR, 10, 1, 9, 0),
    Status.RETURNED: datetime.datetime(YEAR, 10, 10, 14, 0),
    Status.ACCEPTED: datetime.datetime(YEAR, 10, 15, 10, 0),
    Status.SENT: datetime.datetime.combine(SENT_ON, datetime.time(9, 0)),
    Status.RECOGNISED: datetime.datetime.combine(RECOGNISED_ON, datetime.time(9, 0)),
}


def tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF that says `text` (ASCII), so each demo file is distinct."""
    line = fold(text).encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 56 780 Td (" + line + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
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


class DemoDistrict:
    """Who acts in the demo district: the coordinator, each commune's official, each
    district department's officer, and the provincial departments in their usual order."""

    def __init__(self, district: District, criteria_set: CriteriaSet):
        self.communes = {c.name: c for c in district.communes.all()}
        self.coordinator = get_user_model().objects.get(username="dieuphoi")
        memberships = Membership.objects.select_related("user").filter(
            role__in=[Membership.Role.COMMUNE, Membership.Role.DEPARTMENT]
        )
        self.officials = {
            m.commune_id: m.user for m in memberships.filter(commune__in=self.communes.values())
        }
        self.officers = {m.department_id: m.user for m in memberships.filter(department__district=district)}
        # The district's owners (who reviews a criterion's files) and the province's (which
        # criteria each department appraises).
        self.owners = ownership_in(Unit(district=district), criteria_set)
        self.appraises = province_ownership(district.province_id, criteria_set)
        order = [short_name for short_name, _name in PROVINCE_DEPARTMENTS]
        self.province_departments = sorted(
            Department.objects.appraising(district.province_id), key=lambda d: order.index(d.short_name)
        )

    def official(self, dossier: Dossier):
        return self.officials[dossier.commune_id]

    def reviewer(self, item: DossierItem):
        """The officer of the department that owns the item's criterion; the coordination
        office for the general items."""
        if item.is_general:
            return self.coordinator
        return self.officers[self.owners.of_criterion(item.criterion_id).pk]


def _open(people: DemoDistrict, criteria_set, name: str, *, criteria=None, general=True) -> Dossier:
    """The commune's official opens the dossier and uploads the files."""
    commune = people.communes[name]
    dossier = create_dossier(
        commune=commune, criteria_set=criteria_set, year=YEAR, user=people.officials[commune.pk]
    )
    _fill(dossier, people.official(dossier), criteria=criteria, general=general)
    return dossier


def _submitted(people, criteria_set, name) -> Dossier:
    dossier = _open(people, criteria_set, name)
    submit_dossier(dossier=dossier, user=people.official(dossier), comment="Tờ trình đề nghị thẩm tra")
    return dossier


def _review(people: DemoDistrict, dossier: Dossier, *, criteria=None, general=True) -> None:
    """Items reviewed "Đạt yêu cầu" by their owners: the criteria `criteria` (ids; all of
    them when None), and the general items unless `general` is false."""
    for item in dossier.items.select_related("dossier__commune", "criterion"):
        if item.is_general and not general:
            continue
        if not item.is_general and criteria is not None and item.criterion_id not in criteria:
            continue
        review_item(item=item, user=people.reviewer(item), review=DossierItem.Review.COMPLETE)


def _accepted(people, criteria_set, name) -> Dossier:
    """Reviewed complete and accepted: every gate passed, no override."""
    dossier = _submitted(people, criteria_set, name)
    _review(people, dossier)
    accept_dossier(dossier=dossier, user=people.coordinator)
    return dossier


def _appraise(people: DemoDistrict, dossier: Dossier, departments, *, inspected: int) -> None:
    """Each of `departments` recorded as sent its criteria; the first `inspected` of them
    came, inspected and agreed."""
    for n, department in enumerate(departments):
        record_appraisal(
            dossier=dossier,
            department=department,
            user=people.coordinator,
            sent_on=SENT_ON,
            inspected_on=FIRST_INSPECTION + datetime.timedelta(days=n) if n < inspected else None,
            result=Appraisal.Result.AGREED if n < inspected else Appraisal.Result.PENDING,
            comments="",
            criteria=Criterion.objects.filter(pk__in=people.appraises.criteria_of(department.pk)),
        )


def _sent_to_all(people: DemoDistrict, dossier: Dossier, *, inspected: int) -> None:
    """Sent to every provincial department ("Gửi hồ sơ lên tỉnh"), each with the criteria
    the province assigned it; the first `inspected` have inspected and agreed."""
    send_to_province(dossier=dossier, user=people.coordinator)
    _appraise(people, dossier, people.province_departments[:inspected], inspected=inspected)


def _appraised(people, criteria_set, name) -> Dossier:
    dossier = _accepted(people, criteria_set, name)
    _sent_to_all(people, dossier, inspected=len(people.province_departments))
    return dossier


def _recognised(people, criteria_set, name) -> Dossier:
    dossier = _appraised(people, criteria_set, name)
    record_recognition(
        dossier=dossier,
        user=people.coordinator,
        decision_number="5102/QĐ-UBND",
        decided_on=RECOGNISED_ON,
        signer="Chủ tịch UBND tỉnh Thanh Hóa",
    )
    return dossier


def _general_dossier_missing(people, criteria_set, name) -> Dossier:
    """Thọ Thế: the minutes taken back during the district's review, the dossier accepted
    past the gate with the reason logged, and sent (see above)."""
    dossier = _submitted(people, criteria_set, name)
    minutes = dossier.items.select_related("dossier__commune").get(
        general_kind=DossierItem.GeneralKind.MEETING_MINUTES
    )
    withdraw_document(
        document=minutes.documents.get(),
        user=people.coordinator,
        reason="Biên bản họp chưa đủ chữ ký, xã lập lại",
    )
    _review(people, dossier, general=False)
    for item in dossier.items.select_related("dossier__commune").filter(criterion__isnull=True):
        if item.pk == minutes.pk:
            review, comment = DossierItem.Review.INCOMPLETE, "Biên bản họp chưa đủ chữ ký; xã đang lập lại."
        else:
            review, comment = DossierItem.Review.COMPLETE, ""
        review_item(item=item, user=people.reviewer(item), review=review, comment=comment)
    accept_dossier(
        dossier=dossier,
        user=people.coordinator,
        override_reason=(
            "Xã đang lập lại biên bản họp; gửi các sở, ngành thẩm định các tiêu chí trong khi chờ"
        ),
    )
    _sent_to_all(people, dossier, inspected=4)
    return dossier


def _sent_to_eight(people, criteria_set, name) -> Dossier:
    """Dân Lý: sent department by department, 8 so far (recorded on its appraisal page)."""
    dossier = _accepted(people, criteria_set, name)
    _appraise(people, dossier, people.province_departments[:8], inspected=5)
    return dossier


def _partly_reviewed(people, criteria_set, name) -> Dossier:
    dossier = _submitted(people, criteria_set, name)
    owners = people.owners.criteria.items()
    owned = {criterion for criterion, department in owners if department.short_name == "KT&HT"}
    _review(people, dossier, criteria=owned, general=False)
    return dossier


def _returned(people, criteria_set, name) -> Dossier:
    dossier = _submitted(people, criteria_set, name)
    for number, comment in (
        (11, "Thiếu danh sách hộ nghèo đã rà soát cuối năm"),
        (17, "Ảnh hiện trạng chưa rõ"),
    ):
        item = dossier.items.select_related("dossier__commune", "criterion").get(criterion__number=number)
        review_item(
            item=item, user=people.reviewer(item), review=DossierItem.Review.INCOMPLETE, comment=comment
        )
    return_dossier(dossier=dossier, user=people.coordinator, comment="Bổ sung hồ sơ tiêu chí 11 và 17")
    return dossier


def _gathering(people, criteria_set, name) -> Dossier:
    return _open(people, criteria_set, name, criteria={1, 3, 4, 7, 19}, general=False)


# Commune -> how far its 2024 dossier has gone.
DEMO_DOSSIERS = {
    "Tân Ninh": _recognised,
    "Dân Lực": _appraised,
    "Thọ Thế": _general_dossier_missing,
    "Dân Lý": _sent_to_eight,
    "Dân Quyền": _accepted,
    "Xuân Thịnh": _partly_reviewed,
    "Khuyến Nông": _returned,
    "Minh Châu": _gathering,
}


@transaction.atomic
def build_demo_dossiers(district: District) -> int:
    """The 2024 dossiers of the demo district; returns how many were made. A commune
    that has its dossier already keeps it, so running the demo loader again adds nothing."""
    criteria_set = CriteriaSet.objects.get(code=SET_CODE)
    people = DemoDistrict(district, criteria_set)
    notices_before = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    present = set(
        Dossier.objects.filter(
            commune__in=people.communes.values(), criteria_set=criteria_set, year=YEAR
        ).values_list("commune_id", flat=True)
    )
    made = [
        build(people, criteria_set, name)
        for name, build in DEMO_DOSSIERS.items()
        if people.communes[name].pk not in present
    ]
    _date_in_2024(made)
    _date_notices(made, Notification.objects.filter(pk__gt=notices_before))
    return len(made)


def _date_in_2024(dossiers) -> None:
    """Demo steps happen in the autumn of 2024, in their order, not on the day the demo is loaded."""
    aware = timezone.make_aware
    Dossier.objects.filter(pk__in=[d.pk for d in dossiers]).update(created_at=aware(OPENED))
    documents = Document.objects.filter(item__dossier__in=dossiers)
    documents.update(uploaded_at=aware(UPLOADED))
    documents.filter(withdrawn_at__isnull=False).update(withdrawn_at=aware(WITHDRAWN))
    DossierItem.objects.filter(dossier__in=dossiers, reviewed_at__isnull=False).update(
        reviewed_at=aware(REVIEWED)
    )
    # "Gửi hồ sơ lên tỉnh" dates the departments' copies on the day it is pressed.
    Appraisal.objects.filter(dossier__in=dossiers, sent_on__isnull=False).update(sent_on=SENT_ON)
    last_inspection = {}
    for appraisal in Appraisal.objects.filter(dossier__in=dossiers):
        day = appraisal.inspected_on or appraisal.sent_on
        Appraisal.objects.filter(pk=appraisal.pk).update(
            recorded_at=aware(datetime.datetime.combine(day, datetime.time(17, 0)))
        )
        last_inspection[appraisal.dossier_id] = max(day, last_inspection.get(appraisal.dossier_id, day))
    for transition in Transition.objects.filter(dossier__in=dossiers):
        at = STEP_AT.get(transition.to_status) or datetime.datetime.combine(
            last_inspection[transition.dossier_id], datetime.time(16, 0)
        )
        Transition.objects.filter(pk=transition.pk).update(at=aware(at))


def _date_notices(dossiers, notices) -> None:
    """The notices the demo's steps sent carry the moment of their step."""
    steps = {Kind.SUBMITTED: Status.SUBMITTED, Kind.RETURNED: Status.RETURNED, Kind.ACCEPTED: Status.ACCEPTED}
    for kind, status in steps.items():
        notices.filter(kind=kind).update(created_at=timezone.make_aware(STEP_AT[status]))
    answered = Appraisal.objects.filter(dossier__in=dossiers).exclude(result=Appraisal.Result.PENDING)
    for appraisal in answered.select_related("department"):
        notices.filter(
            kind=Kind.APPRAISAL_RECORDED,
            url=reverse("dossiers:appraisals", args=[appraisal.dossier_id]),
            message__contains=appraisal.department.name,
        ).update(created_at=appraisal.recorded_at)
