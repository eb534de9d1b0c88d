"""The units import page: coordinators preview a units file over the units they
coordinate, then confirm it; all or nothing; a long file runs as a background job."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from communes.models import Commune, District, Membership, Province, Village
from communes.tasks import import_units_job
from criteria.models import ImportUpload
from jobs.models import Job
from tests.base import PersonasTestCase

from .test_import_units import csv_file, row, unit_counts

URL = reverse("communes:units_import")
# Thanh Hóa / Triệu Sơn (392) is the coordinator's district; a village for Dân Lý, a new commune.
GOOD = [
    row(Mã_xã="15934", Xã="Dân Lý", Mã_thôn="T09", Thôn="Thôn Chín"),
    row(Mã_xã="15999", Xã="Xã Mới"),
]


class UnitsImportPageTests(PersonasTestCase):
    def post(self, rows, user=None, name="don-vi.csv"):
        self.client.force_login(user or self.coordinator)
        return self.client.post(URL, {"file": SimpleUploadedFile(name, csv_file(rows))})

    def test_the_communes_page_links_to_it_for_coordinators_only(self):
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get(reverse("communes:commune_list")), URL)
        self.client.force_login(self.leader)
        self.assertNotContains(self.client.get(reverse("communes:commune_list")), URL)

    def test_a_good_file_is_previewed_then_written_on_confirmation(self):
        before = unit_counts()
        response = self.post(GOOD)
        self.assertContains(response, "Xem trước: don-vi.csv")
        self.assertContains(response, "Thôn Chín (Dân Lý)")
        self.assertContains(response, "Xác nhận nhập")
        self.assertEqual(unit_counts(), before)  # a preview writes nothing
        upload = ImportUpload.objects.get(kind=ImportUpload.Kind.UNITS)

        response = self.client.post(URL, {"upload": upload.pk}, follow=True)
        self.assertRedirects(response, reverse("communes:commune_list"))
        self.assertContains(response, "Đã nhập tệp don-vi.csv. ")
        self.assertContains(response, "Xã: 1 mới, 0 cập nhật, 1 không đổi.")
        self.assertEqual(Village.objects.get(commune=self.commune_a, code="T09").name, "Thôn Chín")
        self.assertEqual(Commune.objects.get(code="15999").district, self.district)
        self.assertFalse(ImportUpload.objects.exists())
        # Confirmed once: a second confirmation finds nothing to import.
        response = self.client.post(URL, {"upload": upload.pk}, follow=True)
        self.assertContains(response, "Phiên xem trước đã hết hạn hoặc đã được nhập.")

    def test_each_bad_row_has_its_message_and_nothing_is_written(self):
        before = unit_counts()
        response = self.post([GOOD[0], row(Loại="Làng"), row(Mã_xã="16001", Vùng="Sao Hỏa")])
        self.assertContains(response, "Tệp chưa được nhập")
        self.assertContains(response, "Dòng 3")
        self.assertContains(response, "Loại “Làng” không hợp lệ")
        self.assertContains(response, "Dòng 4")
        self.assertContains(response, "Vùng “Sao Hỏa” không hợp lệ")
        self.assertNotContains(response, "Xác nhận nhập")
        self.assertEqual(unit_counts(), before)
        self.assertFalse(ImportUpload.objects.exists())

    def test_a_coordinator_writes_only_the_units_they_coordinate(self):
        other_district = District.objects.create(code="393", name="Thọ Xuân", province=self.province)
        Commune.objects.create(code="16010", name="Xuân Lai", province=self.province, district=other_district)
        before = unit_counts()
        response = self.post(
            [
                GOOD[0],
                row(Mã_huyện="393", Huyện="Thọ Xuân", Mã_xã="16010", Xã="Xuân Lai"),  # not theirs
                row(Mã_huyện="394", Huyện="Huyện Mới", Mã_xã="16020"),  # a new district
                row(Tỉnh="Thanh Hoá mới"),  # renames the province
                row(Mã_tỉnh="40", Tỉnh="Nghệ An", Mã_huyện="", Huyện="", Mã_xã="17000"),  # a new province
            ]
        )
        for message in (
            "Dòng 3: Bạn không điều phối huyện mã “393”.",
            "Dòng 3: Bạn không điều phối xã mã “16010”.",
            "Dòng 4: Bạn không được thêm huyện mới mã “394” ở đây.",
            "Dòng 5: Chỉ người điều phối cả tỉnh mới đổi được tên tỉnh mã “38”.",
            "Dòng 6: Bạn không được thêm tỉnh mới mã “40” ở đây.",
        ):
            self.assertContains(response, message)
        self.assertNotContains(response, "Dòng 2")
        self.assertNotContains(response, "“16020”")  # the new district's new commune: one message
        self.assertNotContains(response, "“17000”")
        self.assertEqual(unit_counts(), before)

    def test_a_province_coordinator_adds_a_district(self):
        coordinator = self.make_user("dieuphoi_tinh", Membership.Role.COORDINATOR, province=self.province)
        response = self.post([row(Mã_huyện="394", Huyện="Huyện Mới", Mã_xã="16020")], coordinator)
        self.assertContains(response, "Xác nhận nhập")

    def test_the_administrator_writes_any_unit(self):
        response = self.post(
            [row(Mã_tỉnh="40", Tỉnh="Nghệ An", Mã_huyện="", Huyện="", Mã_xã="17000")], self.admin
        )
        self.assertContains(response, "Xác nhận nhập")
        self.assertFalse(Province.objects.filter(code="40").exists())

    def test_readers_may_not_import(self):
        for user in (self.leader, self.official_a, self.department_officer, self.nobody):
            with self.subTest(user.username):
                self.client.force_login(user)
                self.assertEqual(self.client.get(URL).status_code, 403)
                self.assertEqual(self.post(GOOD, user).status_code, 403)
        self.client.logout()
        self.assertRedirects(self.client.get(URL), f"{reverse('login')}?next={URL}")


@override_settings(BACKGROUND_IMPORT_ROWS=3)
class LongUnitsFileTests(PersonasTestCase):
    def upload(self, rows):
        self.client.force_login(self.coordinator)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(URL, {"file": SimpleUploadedFile("dai.csv", csv_file(rows))})
        job = Job.objects.get()
        self.assertRedirects(response, job.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(
            (job.kind, job.started_by, job.district), ("units_import", self.coordinator, self.district)
        )
        task = DBTaskResult.objects.get()
        self.assertEqual(
            (task.task_path, task.args_kwargs["args"]), ("communes.tasks.import_units_job", [str(job.pk)])
        )
        return job

    def villages(self, count):
        return [row(Mã_xã="15934", Xã="Dân Lý", Mã_thôn=f"V{n:02d}", Thôn=f"Thôn {n}") for n in range(count)]

    def test_a_file_past_the_threshold_runs_as_a_job_and_shows_its_count(self):
        job = self.upload(self.villages(4))
        self.assertEqual(Village.objects.filter(code__startswith="V").count(), 0)
        import_units_job.call(str(job.pk))  # what the worker runs
        job.refresh_from_db()
        self.assertEqual((job.status, job.done, job.total), ("succeeded", 4, 4))
        self.assertEqual(Village.objects.filter(commune=self.commune_a, code__startswith="V").count(), 4)
        page = self.client.get(job.get_absolute_url())
        self.assertContains(page, "Nhập danh mục đơn vị: dai.csv")
        self.assertContains(page, "4 / 4 dòng")
        self.assertContains(page, "Thôn: 4 mới, 0 cập nhật, 0 không đổi.")

    def test_a_job_refuses_units_the_importer_does_not_coordinate_and_writes_nothing(self):
        before = unit_counts()
        job = self.upload(
            [*self.villages(3), row(Mã_tỉnh="40", Tỉnh="Nghệ An", Mã_huyện="", Huyện="", Mã_xã="17000")]
        )
        import_units_job.call(str(job.pk))
        job.refresh_from_db()
        self.assertEqual(job.status, "succeeded")
        self.assertEqual(unit_counts(), before)
        page = self.client.get(job.get_absolute_url())
        self.assertContains(page, "Có 1 lỗi. Không dòng nào được ghi")
        self.assertContains(page, "Dòng 5: Bạn không được thêm tỉnh mới mã “40” ở đây.")
