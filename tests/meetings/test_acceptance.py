"""Issue 11's acceptance example, through the pages: the Triệu Sơn meeting of 02/11/2018
records three conclusions that become tasks; the brief of 20/11/2018 shows what was done."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from communes.models import Commune, Region
from criteria.models import Indicator, Score
from dossiers.demo import tiny_pdf
from meetings.models import Meeting, Task
from reports.models import SignatureBlock
from tests.base import Personas, PersonasTestCase, load_shipped_set
from tests.meetings.base import on_day
from tests.reports.documents import OUTPUT, first_page_png, pdf_text

MEETING = datetime.date(2018, 11, 2)
NEXT_MEETING = datetime.date(2018, 11, 20)


class TrieuSonMeetingTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ntm = load_shipped_set("QD1980-2016-XA-NTM")
        cls.tho_the = Commune.objects.create(
            code="15958", name="Thọ Thế", province=cls.province, district=cls.district, region=Region.BTB
        )
        cls.official_tho_the = Personas.make_user("xa_thothe", "commune", commune=cls.tho_the)
        SignatureBlock.objects.create(
            district=cls.district,
            capacity=SignatureBlock.Capacity.DEPUTY,
            signer_name="Lê Văn Thử",
            source="Tên thử nghiệm, không phải người ký thật",
        )
        # Where the communes stood on the eve of the meeting.
        with on_day(datetime.date(2018, 11, 1)):
            cls.score(cls.commune_a, unmet={5, 13, 17})
            cls.score(cls.tho_the, unmet={2, 11})

    @classmethod
    def score(cls, commune, *, unmet):
        """One save per score, so each day's standing has one history row per indicator."""
        indicators = Indicator.objects.filter(criterion__criteria_set=cls.ntm).select_related("criterion")
        for indicator in indicators:
            status = Score.Status.NOT_MET if indicator.criterion.number in unmet else Score.Status.MET
            Score.objects.update_or_create(
                indicator=indicator, commune=commune, year=2018, village=None, defaults={"status": status}
            )

    def record_the_meeting(self) -> Meeting:
        self.client.force_login(self.coordinator)
        with on_day(MEETING, hour=15):
            response = self.client.post(
                reverse("meetings:meeting_create"),
                {
                    "unit": f"district:{self.district.pk}",
                    "held_on": "02/11/2018",
                    "title": "Nghe báo cáo tiến độ hoàn thiện hồ sơ xét công nhận xã đạt chuẩn NTM năm 2018",
                    "chair": "Phó Chủ tịch UBND huyện, Phó Trưởng ban Thường trực Ban Chỉ đạo",
                    "criteria_set": self.ntm.pk,
                    "year": 2018,
                    "attending_departments": [self.department.pk],
                    "attending_communes": [self.commune_a.pk, self.tho_the.pk],
                },
            )
            meeting = Meeting.objects.get()
            self.assertRedirects(response, meeting.get_absolute_url())
            url = reverse("meetings:conclusion_add", args=[meeting.pk])
            for text, owner, deadline, commune in (
                (
                    "Phòng Kinh tế và Hạ tầng hoàn thành kiểm tra hồ sơ xã Dân Lý",
                    f"department:{self.department.pk}",
                    "15/11/2018",
                    self.commune_a,
                ),
                ("Xã Dân Lý hoàn thiện hồ sơ chung", f"commune:{self.commune_a.pk}", "10/11/2018", None),
                ("Xã Thọ Thế hoàn thiện hồ sơ chung", f"commune:{self.tho_the.pk}", "10/11/2018", None),
            ):
                data = {
                    "text": text,
                    "owner": owner,
                    "deadline": deadline,
                    "commune": commune.pk if commune else "",
                }
                self.assertEqual(self.client.post(url, data).status_code, 302)
        return meeting

    def close_tho_the_task(self):
        task = Task.objects.get(owner_commune=self.tho_the)
        self.client.force_login(self.official_tho_the)
        with on_day(datetime.date(2018, 11, 8)):
            evidence = SimpleUploadedFile("To trinh.pdf", tiny_pdf("To trinh xa Tho The"))
            response = self.client.post(
                reverse("meetings:task_close", args=[task.pk]),
                {"note": "Đã bổ sung tờ trình và biên bản họp", "evidence": evidence},
            )
        self.assertRedirects(response, task.get_absolute_url(), fetch_redirect_response=False)
        return task

    def gain_criteria(self):
        with on_day(datetime.date(2018, 11, 12)):
            self.score(self.commune_a, unmet={5})
            self.score(self.tho_the, unmet={11})

    def brief(self, meeting, **params):
        self.client.force_login(self.leader)
        return self.client.get(reverse("meetings:brief", args=[meeting.pk]), {"on": "2018-11-20", **params})

    def task_rows(self, response):
        return [(line.task.title, line.state_label) for line in response.context["report"].tasks]

    def test_the_three_conclusions_become_tasks(self):
        meeting = self.record_the_meeting()
        tasks = Task.objects.filter(conclusion__meeting=meeting).order_by("conclusion__number")
        self.assertEqual(
            [(t.owner_name, t.deadline, t.district_id) for t in tasks],
            [
                ("Phòng Kinh tế và Hạ tầng", datetime.date(2018, 11, 15), self.district.pk),
                ("UBND xã Dân Lý", datetime.date(2018, 11, 10), self.district.pk),
                ("UBND xã Thọ Thế", datetime.date(2018, 11, 10), self.district.pk),
            ],
        )
        self.assertEqual(tasks[0].commune, self.commune_a)

    def test_on_20_11_the_brief_lists_the_inspection_overdue_and_tho_the_done(self):
        meeting = self.record_the_meeting()
        self.close_tho_the_task()
        with on_day(NEXT_MEETING):
            response = self.brief(meeting)
        self.assertEqual(
            self.task_rows(response),
            [
                ("Xã Dân Lý hoàn thiện hồ sơ chung", "Quá hạn"),
                ("Phòng Kinh tế và Hạ tầng hoàn thành kiểm tra hồ sơ xã Dân Lý", "Quá hạn"),
                ("Xã Thọ Thế hoàn thiện hồ sơ chung", "Xong"),
            ],
        )
        self.assertContains(response, "Tổng số: 3 nhiệm vụ; đã xong: 1; quá hạn: 2.")

    def test_the_inspection_is_not_overdue_once_done(self):
        meeting = self.record_the_meeting()
        inspection = Task.objects.get(owner_department=self.department)
        self.client.force_login(self.department_officer)
        with on_day(datetime.date(2018, 11, 14)):
            self.client.post(reverse("meetings:task_close", args=[inspection.pk]), {"note": "Đã kiểm tra"})
        with on_day(NEXT_MEETING):
            rows = dict(self.task_rows(self.brief(meeting)))
        self.assertEqual(rows["Phòng Kinh tế và Hạ tầng hoàn thành kiểm tra hồ sơ xã Dân Lý"], "Xong")

    def test_a_later_brief_as_of_20_11_shows_what_was_known_then(self):
        meeting = self.record_the_meeting()
        self.close_tho_the_task()
        # Closed long after the meeting of 20/11/2018: that brief still shows it overdue.
        inspection = Task.objects.get(owner_department=self.department)
        self.client.force_login(self.department_officer)
        self.client.post(reverse("meetings:task_close", args=[inspection.pk]), {"note": "Đã kiểm tra"})
        rows = dict(self.task_rows(self.brief(meeting)))
        self.assertEqual(rows["Phòng Kinh tế và Hạ tầng hoàn thành kiểm tra hồ sơ xã Dân Lý"], "Quá hạn")
        self.assertEqual(rows["Xã Thọ Thế hoàn thiện hồ sơ chung"], "Xong")
        self.assertEqual(Task.objects.get(pk=inspection.pk).state, Task.Status.DONE)

    def test_the_brief_lists_the_criteria_each_commune_gained(self):
        meeting = self.record_the_meeting()
        self.gain_criteria()
        with on_day(NEXT_MEETING):
            report = self.brief(meeting).context["report"]
        gained = {c.commune.name: [x.number for x in c.gained] for c in report.changes}
        self.assertEqual(gained, {"Dân Lực": [], "Dân Lý": [13, 17], "Thọ Thế": [2]})
        self.assertEqual({c.commune.name: len(c.met_now) for c in report.changes}["Dân Lý"], 18)

    def test_the_brief_pdf_says_the_same(self):
        meeting = self.record_the_meeting()
        self.close_tho_the_task()
        self.gain_criteria()
        self.client.force_login(self.leader)
        with on_day(NEXT_MEETING):
            pdf = self.client.get(reverse("meetings:brief_pdf", args=[meeting.pk])).content
        text = pdf_text(pdf)
        first_page_png(pdf, "meeting-brief")
        self.assertIn("Triệu Sơn, ngày 20 tháng 11 năm 2018", text)
        self.assertIn(
            "Kết quả thực hiện kết luận cuộc họp ngày 02/11/2018 và tiến độ đến ngày 20/11/2018", text
        )
        self.assertIn("Dân Lý 16/19 18/19 13, 17 —", text)
        self.assertIn("Thọ Thế 17/19 18/19 2 —", text)

    def test_the_notice_shows_conclusions_owners_deadlines_and_the_signature_block(self):
        meeting = self.record_the_meeting()
        self.client.force_login(self.leader)
        pdf = self.client.get(reverse("meetings:notice_pdf", args=[meeting.pk])).content
        text = pdf_text(pdf)
        png = first_page_png(pdf, "meeting-notice")
        self.assertTrue(png.is_relative_to(OUTPUT))
        for line in (
            "UBND HUYỆN TRIỆU SƠN",
            "BAN CHỈ ĐẠO CÁC CHƯƠNG TRÌNH MTQG",
            "/TB-BCĐ",
            "Triệu Sơn, ngày 02 tháng 11 năm 2018",
            "THÔNG BÁO Kết luận tại cuộc họp ngày 02/11/2018",
            "1. Phòng Kinh tế và Hạ tầng hoàn thành kiểm tra hồ sơ xã Dân Lý",
            "Giao Phòng Kinh tế và Hạ tầng thực hiện, hoàn thành trước ngày 15/11/2018",
            "2. Xã Dân Lý hoàn thiện hồ sơ chung",
            "Giao UBND xã Dân Lý thực hiện, hoàn thành trước ngày 10/11/2018",
            "3. Xã Thọ Thế hoàn thiện hồ sơ chung",
            "Giao UBND xã Thọ Thế thực hiện, hoàn thành trước ngày 10/11/2018",
            "TM. BAN CHỈ ĐẠO KT. TRƯỞNG BAN PHÓ TRƯỞNG BAN",
            "Lê Văn Thử",
            "Nơi nhận: - Phòng Kinh tế và Hạ tầng; - UBND xã Dân Lý; - UBND xã Thọ Thế;",
        ):
            with self.subTest(line):
                self.assertIn(line, text)
