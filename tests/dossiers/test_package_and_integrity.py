import csv
import datetime
import hashlib
import io
import zipfile

from django.urls import reverse

from dossiers.models import Appraisal, Dossier
from dossiers.services import record_appraisal, withdraw_document
from tests.dossiers.base import DossierTestCase, tiny_pdf, tiny_png

ROADS_V2 = "tieu-chi-02-giao-thong/bao-cao-giao-thong-v2.pdf"
CURRENT_FILES = [
    "ho-so-chung/to-trinh-de-nghi-tham-tra-xet-cong-nhan/to-trinh-12-v1.pdf",
    "manifest.csv",
    "tieu-chi-01-quy-hoach/quyet-dinh-quy-hoach-v1.pdf",
    ROADS_V2,
    "tieu-chi-17-moi-truong-va-an-toan-thuc-pham/anh-hien-trang-v1.png",
]


class PackageTests(DossierTestCase):
    """Commune A's dossier: a document in two versions, a withdrawn one, a photo, a general
    item; sent to the transport department for criterion 2."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dossier = cls.open_dossier(cls.commune_a)
        roads = cls.item(cls.dossier, 2)
        cls.upload(roads, tiny_pdf("giao thong 1"), title="Báo cáo giao thông")
        cls.upload(roads, tiny_pdf("giao thong 2"), name="bc-giao-thong.pdf", title="Báo cáo giao thông")
        cls.upload(cls.item(cls.dossier, 1), tiny_pdf("quy hoach"), title="Quyết định quy hoạch")
        cls.upload(cls.item(cls.dossier, 17), tiny_png("anh"), name="IMG_01.png", title="Ảnh hiện trạng")
        cls.upload(cls.general_item(cls.dossier), tiny_pdf("to trinh"), title="Tờ trình 12")
        poverty = cls.upload(cls.item(cls.dossier, 11), tiny_pdf("ho ngheo"), title="Quyết định hộ nghèo")
        withdraw_document(document=poverty, user=cls.coordinator, reason="Nhầm năm")
        # Accepted directly: the workflow tests cover the steps up to here.
        Dossier.objects.filter(pk=cls.dossier.pk).update(status=Dossier.Status.ACCEPTED)
        record_appraisal(
            dossier=cls.dossier,
            department=cls.sgtvt,
            user=cls.coordinator,
            sent_on=datetime.date(2024, 10, 1),
            inspected_on=None,
            result=Appraisal.Result.PENDING,
            comments="",
            criteria=cls.ntm.criteria.filter(number=2),
        )
        cls.url = reverse("dossiers:package", args=[cls.dossier.pk])

    def fetch(self, user=None, **params):
        self.client.force_login(user or self.coordinator)
        return self.client.get(self.url, params)

    def archive(self, **params):
        response = self.fetch(**params)
        self.assertEqual(response["Content-Type"], "application/zip")
        return zipfile.ZipFile(io.BytesIO(response.getvalue()))

    @staticmethod
    def manifest(archive):
        return list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))

    def test_it_holds_the_current_version_of_each_document_by_criterion(self):
        self.assertEqual(sorted(self.archive().namelist()), CURRENT_FILES)

    def test_the_files_are_the_uploaded_bytes(self):
        archive = self.archive()
        self.assertEqual(archive.read(ROADS_V2), tiny_pdf("giao thong 2"))
        self.assertEqual(archive.read(CURRENT_FILES[-1]), tiny_png("anh"))

    def test_the_manifest_matches_the_bytes(self):
        archive = self.archive()
        rows = self.manifest(archive)
        self.assertEqual(len(rows), 4)
        for row in rows:
            with self.subTest(file=row["file"]):
                content = archive.read(f"{row['folder']}/{row['file']}")
                self.assertEqual(int(row["size"]), len(content))
                self.assertEqual(row["sha256"], hashlib.sha256(content).hexdigest())

    def test_the_manifest_names_versions_and_original_names(self):
        rows = self.manifest(self.archive())
        roads = next(row for row in rows if row["title"] == "Báo cáo giao thông")
        self.assertEqual(
            (roads["version"], roads["original_name"], roads["content_type"]),
            ("2", "bc-giao-thong.pdf", "application/pdf"),
        )

    def test_withdrawn_documents_and_old_versions_are_left_out(self):
        archive = self.archive()
        titles = [(row["title"], row["version"]) for row in self.manifest(archive)]
        self.assertNotIn(("Quyết định hộ nghèo", "1"), titles)
        self.assertNotIn(("Báo cáo giao thông", "1"), titles)
        self.assertFalse([name for name in archive.namelist() if name.startswith("tieu-chi-11")])

    def test_titles_that_fold_alike_keep_a_file_each(self):
        # Two photos of one item, titled with and without diacritics ("Ảnh" / "Anh").
        dossier = self.open_dossier(self.commune_b)
        photos = self.item(dossier, 17)
        self.upload(photos, tiny_png("anh 1"), name="anh-1.png", title="Ảnh hiện trạng")
        self.upload(photos, tiny_png("anh 2"), name="anh-2.png", title="Anh hien trang")
        self.client.force_login(self.coordinator)
        archive = zipfile.ZipFile(
            io.BytesIO(self.client.get(reverse("dossiers:package", args=[dossier.pk])).getvalue())
        )
        names = archive.namelist()
        self.assertEqual(len(names), len(set(names)), names)

    def test_it_is_named_for_the_commune_and_year(self):
        response = self.fetch()
        self.assertEqual(
            response["Content-Disposition"], 'attachment; filename="ho-so-15934-dan-ly-2024.zip"'
        )

    def test_a_department_package_holds_only_its_criteria(self):
        archive = self.archive(department=self.sgtvt.pk)
        self.assertEqual(sorted(archive.namelist()), ["manifest.csv", ROADS_V2])
        self.assertEqual([row["file"] for row in self.manifest(archive)], ["bao-cao-giao-thong-v2.pdf"])

    def test_a_department_package_is_named_for_the_department(self):
        response = self.fetch(department=self.sgtvt.pk)
        self.assertIn('filename="ho-so-15934-dan-ly-2024-sgtvt.zip"', response["Content-Disposition"])

    def test_a_department_without_an_appraisal_gives_404(self):
        self.assertEqual(self.fetch(department=self.snn.pk).status_code, 404)

    def test_a_department_that_is_not_a_number_gives_404(self):
        self.assertEqual(self.fetch(department="abc").status_code, 404)

    def test_commune_official_leader_and_department_officer_get_403(self):
        for user in (self.official_a, self.leader, self.department_officer):
            with self.subTest(user=user.username):
                self.assertEqual(self.fetch(user).status_code, 403)

    def test_another_communes_official_gets_404(self):
        self.assertEqual(self.fetch(self.official_b).status_code, 404)
