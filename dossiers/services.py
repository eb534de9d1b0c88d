"""The dossier workflow: each step checks who acts and the gates (gates.py), and logs itself.

draft → submitted (commune) → returned (district, with comments) → submitted …
submitted → accepted (district) → sent to province (every provincial department, with
the criteria the province assigned it) → appraised (every department answered "Đạt")
→ recognised (decision recorded). Withdrawing evidence of an accepted dossier sends it
back to "submitted" for the district to review again.

Separation of duties: the district acting for the commune says so and why ("thay mặt
xã"); nobody reviews evidence they uploaded or accepts a dossier they submitted.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from dataclasses import dataclass

import magic
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from communes.models import Department, Membership
from criteria.models import Recognition
from criteria.owners import province_ownership
from criteria.services import require_on_behalf_reason
from notifications.services import Kind, notify, people
from ntm.lib.pdf import active_content
from ntm.lib.storage import atomic_with_files, discard_on_rollback, is_storage_full
from ntm.lib.text import nfc

from .access import can_coordinate, can_prepare, can_review_item, can_upload
from .gates import gates_for
from .models import Appraisal, Document, Dossier, DossierItem, Transition
from .progress import dossier_progress

Role = Membership.Role

Status = Dossier.Status

# Detected content type -> the extension the stored file gets.
ALLOWED_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "image/heic": ".heic",
    "image/heif": ".heif",
}
# Phone photos (iPhone's default format): kept as sent, shown through a JPEG rendition.
HEIC_TYPES = frozenset({"image/heic", "image/heif"})
# Old Office files are one container format; libmagic sometimes names only the
# container. The name then tells Word from Excel, the content still proves Office.
OLE_CONTAINER = {"application/x-ole-storage", "application/CDFV2", "application/cdfv2"}
OLE_EXTENSIONS = {".doc": "application/msword", ".xls": "application/vnd.ms-excel"}
SNIFF_BYTES = 1024 * 1024


class WorkflowError(ValidationError):
    """A step that the dossier's state does not allow; nothing changed."""


class UploadRefused(ValidationError):
    """An upload that breaks the rules; nothing was stored."""


class DossierExists(WorkflowError):
    """The commune has this dossier already (opened by someone else, or by a form sent
    twice); `dossier` is that one."""

    def __init__(self, dossier: Dossier):
        self.dossier = dossier
        super().__init__(_("Xã đã có hồ sơ cho bộ tiêu chí và năm này."))


# Transitions ---------------------------------------------------------------------

# Target status -> (the statuses it may follow, who may move the dossier there).
TRANSITIONS = {
    Status.SUBMITTED: ({Status.DRAFT, Status.RETURNED}, can_prepare),
    Status.RETURNED: ({Status.SUBMITTED}, can_coordinate),
    Status.ACCEPTED: ({Status.SUBMITTED}, can_coordinate),
    Status.SENT: ({Status.ACCEPTED, Status.APPRAISED}, can_coordinate),
    Status.APPRAISED: ({Status.SENT}, can_coordinate),
    Status.RECOGNISED: ({Status.APPRAISED}, can_coordinate),
}


def _check(dossier: Dossier, to: str, *, user) -> None:
    """Who first (403 whatever the state), then whether the state allows the step."""
    sources, rule = TRANSITIONS[to]
    if not rule(user, dossier):
        raise PermissionDenied
    if dossier.status not in sources:
        raise WorkflowError(
            _("Hồ sơ đang ở trạng thái “%(status)s”, không thể chuyển sang “%(to)s”.")
            % {"status": dossier.get_status_display(), "to": Status(to).label}
        )


def _repeated(dossier: Dossier, to: str, *, user) -> bool:
    """Whether the dossier is already where the step would take it: a form sent twice,
    or a step someone else took a moment ago. Nothing more is done or logged then."""
    _sources, rule = TRANSITIONS[to]
    if not rule(user, dossier):
        raise PermissionDenied
    return dossier.status == to


def _move(dossier: Dossier, to: str, *, user, comment: str = "", **reasons) -> None:
    _check(dossier, to, user=user)
    _log(dossier, to, user=user, comment=comment, **reasons)


def _log(dossier: Dossier, to: str, *, user, comment: str = "", override_reason="", on_behalf_reason=""):
    Transition.objects.create(
        dossier=dossier,
        from_status=dossier.status,
        to_status=to,
        actor=user,
        comment=comment,
        override_reason=override_reason,
        on_behalf_reason=on_behalf_reason,
    )
    dossier.status = to
    # The history keeps who and why even when no request is behind the step (commands),
    # and, as the step's log does, that it was taken for the commune or over a gate.
    reasons = [comment or str(Status(to).label)]
    if on_behalf_reason:
        reasons.append(_("Thay mặt xã: %(reason)s") % {"reason": on_behalf_reason})
    if override_reason:
        reasons.append(_("Vượt điều kiện: %(reason)s") % {"reason": override_reason})
    dossier._history_user, dossier._change_reason = user, " — ".join(reasons)
    dossier.save(update_fields=["status", "recognition"])


def _passing(gaps: list[str], *, dossier: Dossier, user, override_reason: str) -> str:
    """The override to log when a gate says no: refused without a coordinator's reason."""
    if not gaps:
        return ""
    if not override_reason.strip():
        raise WorkflowError(gaps)
    if not can_coordinate(user, dossier):
        raise WorkflowError(
            gaps + [_("Chỉ Văn phòng điều phối được chuyển bước khi chưa đủ điều kiện, và phải ghi lý do.")]
        )
    return _("%(reason)s (chưa đủ điều kiện: %(gaps)s)") % {
        "reason": override_reason.strip(),
        "gaps": " ".join(gaps),
    }


def _title(dossier: Dossier) -> str:
    return _("Hồ sơ xã %(commune)s năm %(year)s") % {"commune": dossier.commune.name, "year": dossier.year}


def _lock(dossier: Dossier) -> Dossier:
    """Lock the dossier's row and re-read its state, so two steps cannot interleave.

    The caller's object is refreshed in place: after a step it shows the new status.
    """
    list(Dossier.objects.select_for_update().filter(pk=dossier.pk).values_list("pk", flat=True))
    dossier.refresh_from_db(fields=["status", "recognition"])
    return dossier


@transaction.atomic
def create_dossier(*, commune, criteria_set, year: int, user) -> Dossier:
    """Open a dossier with one item per criterion of the set and the four general items.

    DossierExists when the commune has it already, also when two people open it at the
    same moment: the unique constraint refuses the second, who gets the first's dossier.
    """
    dossier = Dossier(commune=commune, criteria_set=criteria_set, year=year)
    if not can_prepare(user, dossier):
        raise PermissionDenied
    same = Dossier.objects.filter(commune=commune, criteria_set=criteria_set, year=year)
    if existing := same.first():
        raise DossierExists(existing)
    dossier._history_user = user
    try:
        with transaction.atomic():
            dossier.save()
    except IntegrityError:
        raise DossierExists(same.get()) from None
    # Not the criteria a changed file dropped (kept only for the data pointing at them).
    criteria = criteria_set.criteria.filter(retired=False).order_by("number")
    bulk_create_with_history(
        [DossierItem(dossier=dossier, criterion=c) for c in criteria]
        + [DossierItem(dossier=dossier, general_kind=kind) for kind in DossierItem.GeneralKind.values],
        DossierItem,
        default_user=user,
    )
    return dossier


@transaction.atomic
def submit_dossier(
    *, dossier: Dossier, user, comment: str = "", on_behalf_reason: str = "", override_reason: str = ""
) -> bool:
    """The commune submits once every criterion is met and every item has its evidence;
    the district submitting for it says why, and only a coordinator may pass a gate.

    Like every step: False, and nothing logged, when the dossier is there already."""
    if _repeated(_lock(dossier), Status.SUBMITTED, user=user):
        return False
    _check(dossier, Status.SUBMITTED, user=user)
    on_behalf_reason = require_on_behalf_reason(user, dossier.commune, on_behalf_reason)
    override = _passing(
        gates_for(dossier).submission, dossier=dossier, user=user, override_reason=override_reason
    )
    _move(
        dossier,
        Status.SUBMITTED,
        user=user,
        comment=comment,
        override_reason=override,
        on_behalf_reason=on_behalf_reason,
    )
    # Items that needed supplements are to be reviewed again (one save each, for the history).
    for item in dossier.items.filter(review=DossierItem.Review.INCOMPLETE):
        item.review = DossierItem.Review.PENDING
        item._history_user, item._change_reason = user, _("Xã nộp lại hồ sơ đã bổ sung")
        item.save(update_fields=["review"])
    notify(
        recipients=people(dossier.commune, Role.COORDINATOR),
        kind=Kind.SUBMITTED,
        message=_("%(dossier)s đã nộp, chờ huyện thẩm tra.") % {"dossier": _title(dossier)},
        url=dossier.get_absolute_url(),
        actor=user,
    )
    return True


@transaction.atomic
def return_dossier(*, dossier: Dossier, user, comment: str) -> bool:
    """The district sends the dossier back for supplements, with its comments."""
    if _repeated(_lock(dossier), Status.RETURNED, user=user):
        return False
    _check(dossier, Status.RETURNED, user=user)
    if not comment.strip():
        raise WorkflowError(_("Khi trả lại hồ sơ, hãy ghi nội dung cần bổ sung."))
    _move(dossier, Status.RETURNED, user=user, comment=comment.strip())
    notify(
        recipients=people(dossier.commune, Role.COMMUNE),
        kind=Kind.RETURNED,
        message=_("%(dossier)s bị trả lại để bổ sung: %(reason)s")
        % {"dossier": _title(dossier), "reason": comment.strip()},
        url=dossier.get_absolute_url(),
        actor=user,
    )
    return True


def last_submitter_id(dossier: Dossier) -> int | None:
    step = dossier.transitions.filter(to_status=Status.SUBMITTED).order_by("-at", "-pk").first()
    return step.actor_id if step else None


@transaction.atomic
def accept_dossier(*, dossier: Dossier, user, comment: str = "", override_reason: str = "") -> bool:
    """The district accepts once every item is reviewed complete and every criterion is
    verified by its department; never the person who submitted it."""
    if _repeated(_lock(dossier), Status.ACCEPTED, user=user):
        return False
    _check(dossier, Status.ACCEPTED, user=user)
    if last_submitter_id(dossier) == user.pk:
        raise WorkflowError(_("Bạn đã nộp hồ sơ này thay xã; người khác của huyện phải chấp nhận."))
    override = _passing(
        gates_for(dossier).acceptance, dossier=dossier, user=user, override_reason=override_reason
    )
    _move(dossier, Status.ACCEPTED, user=user, comment=comment, override_reason=override)
    notify(
        recipients=people(dossier.commune, Role.COMMUNE),
        kind=Kind.ACCEPTED,
        message=_("%(dossier)s đã được huyện chấp nhận.") % {"dossier": _title(dossier)},
        url=dossier.get_absolute_url(),
        actor=user,
    )
    return True


@transaction.atomic
def send_to_province(*, dossier: Dossier, user, due_on: datetime.date | None = None) -> int:
    """Send an accepted dossier to every provincial department, each with the criteria
    the province assigned it (pre-filled, editable on the appraisal page) and the
    current documents of those criteria. Returns the number of departments."""
    if _repeated(_lock(dossier), Status.SENT, user=user):
        return 0  # sent a moment ago: a form sent twice sends once
    if dossier.status != Status.ACCEPTED:
        raise WorkflowError(
            _("Chỉ gửi hồ sơ lên tỉnh khi huyện đã chấp nhận; hồ sơ đang ở trạng thái “%(status)s”.")
            % {"status": dossier.get_status_display()}
        )
    today = timezone.localdate()
    if due_on is not None and due_on < today:
        raise WorkflowError(_("Hạn trả kết quả không thể trước hôm nay."))
    departments = list(Department.objects.appraising(dossier.commune.province_id))
    if not departments:
        raise WorkflowError(_("Tỉnh chưa có sở, ngành nào trong hệ thống để gửi hồ sơ."))
    ownership = province_ownership(dossier.commune.province_id, dossier.criteria_set_id)
    current = list(
        Document.objects.current().filter(item__dossier=dossier).values_list("pk", "item__criterion")
    )
    for department in departments:
        criteria = ownership.criteria_of(department.pk)
        appraisal, _created = Appraisal.objects.update_or_create(
            dossier=dossier,
            department=department,
            defaults={"sent_on": today, "due_on": due_on, "recorded_by": user},
        )
        appraisal.criteria.set(criteria)
        appraisal.documents_seen.set([pk for pk, criterion in current if criterion in criteria])
    _move(
        dossier,
        Status.SENT,
        user=user,
        comment=_("Gửi hồ sơ cho %(count)s sở, ngành") % {"count": len(departments)},
    )
    return len(departments)


@transaction.atomic
def set_dossier_due(*, dossier: Dossier, user, due_on: datetime.date | None) -> None:
    """The coordinator sets the day the commune must submit by."""
    if not can_coordinate(user, dossier):
        raise PermissionDenied
    dossier.due_on = due_on
    dossier.save(update_fields=["due_on"])


@transaction.atomic
def review_item(*, item: DossierItem, user, review: str, comment: str = "") -> DossierItem:
    """A department (or the coordinator) reviews one item of a submitted dossier."""
    if not can_review_item(user, item):
        raise PermissionDenied
    if _lock(item.dossier).status != Status.SUBMITTED:
        raise WorkflowError(_("Chỉ thẩm tra thành phần hồ sơ khi xã đã nộp."))
    if Document.objects.current().filter(item=item, uploaded_by=user).exists():
        raise WorkflowError(
            _("Bạn đã tải lên tài liệu của thành phần này; người khác phải thẩm tra (không tự thẩm tra).")
        )
    if review == DossierItem.Review.INCOMPLETE and not comment.strip():
        raise WorkflowError(_("Khi đánh giá “Cần bổ sung”, hãy ghi nội dung cần bổ sung."))
    item.refresh_from_db(fields=["review", "review_comment"])
    if (item.review, item.review_comment) == (review, comment.strip()):
        return item  # the same review again: nothing changes, nothing is logged
    item.review, item.review_comment = review, comment.strip()
    item.reviewed_by, item.reviewed_at = user, timezone.now()
    item._history_user = user
    item.save(update_fields=["review", "review_comment", "reviewed_by", "reviewed_at"])
    return item


@transaction.atomic
def record_appraisal(
    *,
    dossier: Dossier,
    department,
    user,
    sent_on: datetime.date | None,
    inspected_on: datetime.date | None,
    result: str,
    comments: str,
    criteria,
    documents_seen=None,
) -> Appraisal:
    """Record one provincial department's appraisal, then apply the overall rule.

    The first department sent moves an accepted dossier to "sent"; the dossier is
    "appraised" only when every department has answered "Đạt", and goes back to
    "sent" if an answer later changes.
    """
    dossier = _lock(dossier)
    if not can_coordinate(user, dossier):
        raise PermissionDenied
    if dossier.status not in (Status.ACCEPTED, Status.SENT, Status.APPRAISED):
        raise WorkflowError(_("Chỉ ghi thẩm định khi huyện đã chấp nhận hồ sơ."))
    if department.level != department.Level.PROVINCE or department.province_id != dossier.commune.province_id:
        raise WorkflowError(_("Chỉ sở, ngành của tỉnh mới thẩm định hồ sơ của xã."))
    if result != Appraisal.Result.PENDING and sent_on is None:
        raise WorkflowError(_("Chưa gửi hồ sơ cho sở, ngành này thì chưa thể có kết quả."))
    recorded = Appraisal.objects.filter(dossier=dossier, department=department).first()
    covered = set(recorded.criteria.values_list("pk", flat=True)) if recorded else set()
    fields = (sent_on, inspected_on, result, comments.strip())
    criteria_changed = covered != {c.pk for c in criteria}
    same = recorded is not None and _appraisal_fields(recorded) == fields and not criteria_changed
    if documents_seen is None and same:
        return recorded  # the same record again: nothing changes, nothing is logged
    # The dossier's row is locked: no one else creates this department's record meanwhile.
    created = recorded is None
    appraisal = recorded or Appraisal(dossier=dossier, department=department)
    appraisal.sent_on, appraisal.inspected_on, appraisal.result, appraisal.comments = fields
    appraisal.recorded_by, appraisal._history_user = user, user
    if criteria_changed:
        # The history keeps fields, not the list of criteria: the reason says it.
        numbers = ", ".join(str(n) for n in sorted(c.number for c in criteria)) or "—"
        appraisal._change_reason = _("Tiêu chí thẩm định: %(numbers)s") % {"numbers": numbers}
    appraisal.save()
    appraisal.criteria.set(criteria)
    if documents_seen is None and created:
        # By default a department saw the current version of its criteria's documents.
        documents_seen = Document.objects.current().filter(
            item__dossier=dossier, item__criterion__in=criteria
        )
    if documents_seen is not None:
        appraisal.documents_seen.set(documents_seen)
    if result != Appraisal.Result.PENDING:
        notify(
            recipients=people(dossier.commune, Role.COMMUNE, Role.COORDINATOR),
            kind=Kind.APPRAISAL_RECORDED,
            message=_("%(dossier)s: %(dept)s thẩm định “%(result)s”.")
            % {"dossier": _title(dossier), "dept": department.name, "result": appraisal.get_result_display()},
            url=reverse("dossiers:appraisals", args=[dossier.pk]),
            actor=user,
        )
    if dossier.status == Status.ACCEPTED and sent_on:
        _move(dossier, Status.SENT, user=user, comment=_("Gửi hồ sơ cho %(dept)s") % {"dept": department})
    passed = dossier_progress(dossier).appraisal_passed
    if dossier.status == Status.SENT and passed:
        _move(dossier, Status.APPRAISED, user=user, comment=_("Tất cả sở, ngành đã thẩm định đạt."))
    elif dossier.status == Status.APPRAISED and not passed:
        _move(
            dossier,
            Status.SENT,
            user=user,
            comment=_("Kết quả thẩm định của %(dept)s thay đổi.") % {"dept": department},
        )
    return appraisal


def _appraisal_fields(appraisal: Appraisal) -> tuple:
    return (appraisal.sent_on, appraisal.inspected_on, appraisal.result, appraisal.comments)


@transaction.atomic
def record_recognition(
    *, dossier: Dossier, user, decision_number: str, decided_on: datetime.date, signer: str = ""
) -> Recognition:
    """The province's decision: recorded in criteria's Recognition, and the dossier closes."""
    dossier = _lock(dossier)
    if not can_coordinate(user, dossier):
        raise PermissionDenied
    if dossier.status == Status.RECOGNISED and dossier.recognition.decision_number == decision_number:
        return dossier.recognition  # the same decision again
    if dossier.status != Status.APPRAISED:
        raise WorkflowError(_("Chỉ ghi quyết định công nhận khi các sở, ngành đã thẩm định đạt."))
    recognition = Recognition.objects.create(
        commune=dossier.commune,
        criteria_set=dossier.criteria_set,
        decision_number=decision_number,
        decided_on=decided_on,
        signer=signer,
    )
    dossier.recognition = recognition
    _move(
        dossier,
        Status.RECOGNISED,
        user=user,
        comment=_("Quyết định số %(number)s") % {"number": decision_number},
    )
    return recognition


# Documents -----------------------------------------------------------------------


@dataclass
class StoredUpload:
    document: Document
    duplicate_of: Document | None


def check_upload(upload) -> tuple[str, str]:
    """The detected content type and stored extension of an acceptable upload, or UploadRefused."""
    name = upload.name or ""
    if not name or "/" in name or "\\" in name or name.strip(".") == "" or not name.isprintable():
        raise UploadRefused(_("Tên tệp không hợp lệ: không được chứa đường dẫn hay ký tự điều khiển."))
    if upload.size == 0:
        raise UploadRefused(_("Tệp rỗng, không có nội dung."))
    limit = settings.UPLOAD_MAX_MB * 1024 * 1024
    if upload.size > limit:
        raise UploadRefused(
            _("Tệp quá lớn (%(size)s MB). Giới hạn là %(limit)s MB.")
            % {"size": round(upload.size / 1024 / 1024, 1), "limit": settings.UPLOAD_MAX_MB}
        )
    upload.seek(0)
    detected = magic.from_buffer(upload.read(SNIFF_BYTES), mime=True)
    upload.seek(0)
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if detected in OLE_CONTAINER and suffix in OLE_EXTENSIONS:
        detected = OLE_EXTENSIONS[suffix]
    if detected not in ALLOWED_TYPES:
        raise UploadRefused(
            _(
                "Không nhận loại tệp này (nội dung là %(type)s). Chỉ nhận PDF, ảnh JPEG/PNG/HEIC, "
                "Word (DOC, DOCX) và Excel (XLS, XLSX)."
            )
            % {"type": detected}
        )
    return detected, ALLOWED_TYPES[detected]


def jpeg_rendition(upload) -> ContentFile:
    """A JPEG of a HEIC photo, for browsers that cannot show HEIC; refused if unreadable."""
    from PIL import Image, ImageOps, UnidentifiedImageError
    from pillow_heif import register_heif_opener

    register_heif_opener()
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise UploadRefused(_("Không đọc được ảnh HEIC này; hãy chụp lại hoặc gửi ảnh JPEG.")) from error
    finally:
        upload.seek(0)
    output = io.BytesIO()
    picture.save(output, format="JPEG", quality=85)
    return ContentFile(output.getvalue(), name="rendition.jpg")


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@atomic_with_files
def upload_document(
    *,
    item: DossierItem,
    user,
    upload,
    title: str = "",
    evidence_kind: str = "",
    effective_date: datetime.date | None = None,
    on_behalf_reason: str = "",
) -> StoredUpload:
    """Store one upload as a document, or as a new version when the title exists already.

    A new version keeps the evidence kind of the document it replaces, so completeness
    does not drop back to "missing". A HEIC photo is kept as sent, with a JPEG to view;
    a PDF is checked for scripts and attachments. Titles and file names are stored in
    NFC, so the same name typed on a Mac (NFD) names the same document.

    The files are stored complete before the row is committed, and deleted again if
    the transaction (this one, or the caller's `atomic_with_files`) rolls back.
    """
    dossier = _lock(item.dossier)
    if not can_upload(user, dossier):
        raise PermissionDenied
    on_behalf_reason = require_on_behalf_reason(user, dossier.commune, on_behalf_reason)
    content_type, extension = check_upload(upload)
    original_name = nfc(upload.name)
    title = nfc((title or evidence_kind or original_name.rsplit(".", 1)[0]).strip())[:300]
    previous = Document.objects.filter(item=item, title=title).order_by("-version").first()
    latest = previous.version if previous else 0
    if previous is not None:
        evidence_kind = previous.evidence_kind
    digest = _sha256(upload)
    repeated = Document.objects.filter(
        item=item, title=title, version=latest, sha256=digest, withdrawn_at__isnull=True
    ).first()
    if repeated is not None:
        # The same file as the document's latest version (a form sent twice): no new version.
        return StoredUpload(document=repeated, duplicate_of=None)
    duplicate_of = (
        Document.objects.filter(item__dossier=dossier, sha256=digest, withdrawn_at__isnull=True)
        .select_related("item")
        .order_by("uploaded_at", "pk")
        .first()
    )
    document = Document(
        item=item,
        title=title,
        evidence_kind=evidence_kind,
        version=latest + 1,
        original_name=original_name,
        content_type=content_type,
        size=upload.size,
        sha256=digest,
        effective_date=effective_date,
        uploaded_by=user,
        on_behalf_reason=on_behalf_reason,
    )
    if content_type == "application/pdf":
        found = active_content(upload)
        document.pdf_scripts = found.scripts if found else None
        document.pdf_attachments = found.attachments if found else None
    rendition = jpeg_rendition(upload) if content_type in HEIC_TYPES else None
    try:
        # The stored name comes from document_path(); only the detected extension is kept.
        document.file.save(f"upload{extension}", upload, save=False)
        discard_on_rollback(document.file)
        if rendition is not None:
            document.rendition.save(rendition.name, rendition, save=False)
            discard_on_rollback(document.rendition)
    except OSError as error:
        if is_storage_full(error):
            raise UploadRefused(
                _(
                    "Máy chủ đã hết chỗ lưu trữ nên chưa lưu được tệp; không có gì được lưu dở. "
                    "Hãy báo quản trị hệ thống."
                )
            ) from error
        raise
    document._history_user = user  # the audit page's "who added it", with or without a request
    document.save()
    return StoredUpload(document=document, duplicate_of=duplicate_of)


@transaction.atomic
def withdraw_document(*, document: Document, user, reason: str) -> None:
    """Take a document (every version) out of the dossier, keeping it in the history.

    The district reviewed and accepted what was there: once evidence is taken out, the
    item is to be reviewed again, and an accepted dossier goes back to review.
    """
    dossier = _lock(document.item.dossier)
    if not can_upload(user, dossier):
        raise PermissionDenied
    if not reason.strip():
        raise WorkflowError(_("Hãy ghi lý do rút tài liệu."))
    versions = list(
        Document.objects.filter(item=document.item, title=document.title, withdrawn_at__isnull=True)
    )
    now = timezone.now()
    for version in versions:
        version.withdrawn_at, version.withdrawn_by, version.withdrawal_reason = now, user, reason.strip()
    # With history: the audit page says who withdrew which file, and why.
    fields = ["withdrawn_at", "withdrawn_by", "withdrawal_reason"]
    bulk_update_with_history(versions, Document, fields, default_user=user, default_date=now)
    if dossier.status in (Status.SUBMITTED, Status.ACCEPTED):
        DossierItem.objects.filter(pk=document.item_id).update(
            review=DossierItem.Review.PENDING, reviewed_by=None, reviewed_at=None
        )
    if dossier.status == Status.ACCEPTED:
        _log(
            dossier,
            Status.SUBMITTED,
            user=user,
            comment=_("Rút “%(title)s” (%(item)s): %(reason)s. Hồ sơ trở lại chờ huyện thẩm tra.")
            % {"title": document.title, "item": document.item.title, "reason": reason.strip()},
        )
