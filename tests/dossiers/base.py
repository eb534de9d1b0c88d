"""What the dossier tests share: a media root of their own, the province's departments,
and small real files (PDF, PNG) to upload."""

import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from communes.models import Department
from criteria.models import Score
from dossiers.demo import tiny_pdf, tiny_png
from dossiers.models import Dossier, DossierItem
from dossiers.services import (
    accept_dossier,
    create_dossier,
    review_item,
    submit_dossier,
    upload_document,
)
from tests.base import AssessmentTestCase

YEAR = 2024
PROVINCIAL_DEPARTMENTS = [
    ("Sở Giao thông vận tải", "SGTVT"),
    ("Sở Nông nghiệp và Phát triển nông thôn", "SNNPTNT"),
    ("Sở Y tế", "SYT"),
]

__all__ = ["YEAR", "DossierTestCase", "tiny_pdf", "tiny_png"]


class DossierTestCase(AssessmentTestCase):
    """Personas and the QD318 set, three provincial departments, criterion 2 owned by the
    district's Phòng Kinh tế và Hạ tầng, and uploads kept in a temporary MEDIA_ROOT so that
    no test writes into the developer's var/media.

    Both communes meet every criterion in YEAR, entered by their officials and verified,
    so the gates of the workflow pass unless a test changes that. Evidence is uploaded by
    the commune's own official unless a test says otherwise."""

    @classmethod
    def setUpClass(cls):
        cls.media_root = tempfile.mkdtemp(prefix="ntm-dossier-tests-")
        cls.media_settings = override_settings(MEDIA_ROOT=cls.media_root)
        cls.media_settings.enable()
        try:
            super().setUpClass()
        except Exception:
            cls._drop_media_root()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls._drop_media_root()

    @classmethod
    def _drop_media_root(cls):
        cls.media_settings.disable()
        shutil.rmtree(cls.media_root, ignore_errors=True)

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.sgtvt, cls.snn, cls.syt = (
            Department.objects.create(
                name=name, short_name=short, level=Department.Level.PROVINCE, province=cls.province
            )
            for name, short in PROVINCIAL_DEPARTMENTS
        )
        cls.assign_owner(cls.ntm.criteria.get(number=2), cls.department)
        for commune, official in ((cls.commune_a, cls.official_a), (cls.commune_b, cls.official_b)):
            cls.score_all(commune, YEAR)
            Score.objects.filter(commune=commune, year=YEAR).update(
                entered_by=official, verification=Score.Verification.VERIFIED, verified_by=cls.coordinator
            )

    @classmethod
    def official_of(cls, commune):
        return cls.official_b if commune == cls.commune_b else cls.official_a

    # Dossiers ---------------------------------------------------------------------

    @classmethod
    def open_dossier(cls, commune=None, *, year=YEAR) -> Dossier:
        return create_dossier(
            commune=commune or cls.commune_a, criteria_set=cls.ntm, year=year, user=cls.coordinator
        )

    @staticmethod
    def item(dossier, number: int) -> DossierItem:
        return dossier.items.select_related("dossier__commune", "criterion").get(criterion__number=number)

    @staticmethod
    def general_item(dossier, kind=DossierItem.GeneralKind.PROPOSAL) -> DossierItem:
        return dossier.items.select_related("dossier__commune").get(general_kind=kind)

    @classmethod
    def upload(cls, item, content: bytes | None = None, *, name="bao-cao.pdf", user=None, **fields):
        """Store `content` through the service, as the upload page does; returns the Document."""
        upload = SimpleUploadedFile(name, tiny_pdf(f"{item.pk} {name}") if content is None else content)
        user = user or cls.official_of(item.dossier.commune)
        return upload_document(item=item, user=user, upload=upload, **fields).document

    @classmethod
    def fill(cls, dossier, *, user=None, leave_out=()):
        """One small distinct PDF for each kind of evidence the library asks for, on every
        item but those in `leave_out` (criterion numbers or general kinds)."""
        items = dossier.items.select_related("dossier__commune", "criterion").prefetch_related(
            "criterion__indicators"
        )
        for item in items:
            if (item.criterion.number if item.criterion_id else item.general_kind) in leave_out:
                continue
            kinds = [""] if item.is_general else item.required_evidence()
            for n, kind in enumerate(kinds):
                cls.upload(
                    item,
                    tiny_pdf(f"{dossier.pk} {item.pk} {n}"),
                    name=f"minh-chung-{n}.pdf",
                    user=user,
                    evidence_kind=kind,
                )

    @classmethod
    def review_all(cls, dossier, user=None) -> None:
        for item in dossier.items.select_related("dossier__commune", "criterion"):
            review_item(item=item, user=user or cls.coordinator, review=DossierItem.Review.COMPLETE)

    @classmethod
    def accepted_dossier(cls, commune=None) -> Dossier:
        """A complete dossier, submitted by the commune, reviewed and accepted by the district."""
        dossier = cls.open_dossier(commune)
        cls.fill(dossier)
        submit_dossier(dossier=dossier, user=cls.official_of(dossier.commune))
        cls.review_all(dossier)
        accept_dossier(dossier=dossier, user=cls.coordinator)
        dossier.refresh_from_db()
        return dossier

    # Pages and storage ----------------------------------------------------------------

    @staticmethod
    def item_url(item) -> str:
        return reverse("dossiers:item_detail", args=[item.dossier_id, item.pk])

    @staticmethod
    def upload_url(item) -> str:
        return reverse("dossiers:item_upload", args=[item.dossier_id, item.pk])

    @staticmethod
    def stored_files() -> set[str]:
        """Every file under MEDIA_ROOT, by its storage name."""
        root = Path(settings.MEDIA_ROOT)
        return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}

    @staticmethod
    def messages_of(response) -> list[str]:
        return [str(message) for message in response.context["messages"]]

    def assertStatus(self, dossier, status):
        dossier.refresh_from_db()
        self.assertEqual(dossier.status, status)
