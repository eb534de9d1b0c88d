"""The printed documents: the signature block per unit, never alone on a page; the brief's
workbook."""

import datetime

from django.urls import reverse

from communes.models import Department
from dossiers.models import Appraisal, Dossier, Transition
from dossiers.services import create_dossier
from meetings.documents import meeting_brief, meeting_notice
from meetings.models import Conclusion
from meetings.services import add_conclusion
from reports.models import SignatureBlock
from reports.pdf import render_pdf
from tests.meetings.base import MeetingTestCase, on_day
from tests.reports.documents import pdf_pages, pdf_text, sheet_rows, workbook

CLOSING = "thông báo để các cơ quan, đơn vị biết, thực hiện./."


class SignatureBlockPageTests(MeetingTestCase):
    def url(self):
        return reverse("reports:signature_edit", args=["district", self.district.pk])

    def post(self, **data):
        self.client.force_login(self.coordinator)
        return self.client.post(self.url(), {"body": "TM. BAN CHỈ ĐẠO", "capacity": "deputy", **data})

    def test_the_coordinator_finds_it_from_the_reports_page(self):
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get(reverse("reports:index")), f'href="{self.url()}"')

    def test_the_coordinator_records_the_signer_with_its_source(self):
        response = self.post(signer_name="Lê Văn Thử", source="QĐ thử nghiệm số 1/QĐ-BCĐ")
        self.assertRedirects(response, reverse("reports:index"))
        block = SignatureBlock.objects.get(district=self.district)
        self.assertEqual(block.lines, ["TM. BAN CHỈ ĐẠO", "KT. TRƯỞNG BAN", "PHÓ TRƯỞNG BAN"])
        self.assertEqual((block.signer_name, block.updated_by), ("Lê Văn Thử", self.coordinator))

    def test_a_name_without_a_source_is_refused(self):
        response = self.post(signer_name="Lê Văn Thử", source="")
        self.assertContains(response, "Ghi tên người ký thì phải ghi nguồn", status_code=400)
        self.assertFalse(SignatureBlock.objects.exists())

    def test_every_report_of_the_district_prints_it(self):
        self.post(signer_name="Lê Văn Thử", source="QĐ thử nghiệm số 1/QĐ-BCĐ")
        self.client.force_login(self.leader)
        pdf = self.client.get(reverse("reports:district_pdf"), {"set": self.ntm.code, "year": 2018}).content
        self.assertIn("TM. BAN CHỈ ĐẠO KT. TRƯỞNG BAN PHÓ TRƯỞNG BAN", pdf_text(pdf))
        self.assertIn("Lê Văn Thử", pdf_text(pdf))

    def test_without_a_recorded_signer_the_name_line_stays_empty(self):
        text = pdf_text(render_pdf(meeting_notice(self.meeting)))
        self.assertTrue(text.endswith("TM. BAN CHỈ ĐẠO TRƯỞNG BAN"), text[-80:])


class SignatureNeverAloneTests(MeetingTestCase):
    def test_the_signature_page_always_carries_the_end_of_the_text(self):
        # Conclusions are added one by one until the notice runs onto a third page; at
        # every length the page with the signature also has the closing line of the text.
        pages_seen = set()
        for n in range(3, 40):
            add_conclusion(
                meeting=self.meeting,
                text=f"Kết luận thứ {n}: các xã rà soát, hoàn thiện hồ sơ theo hướng dẫn " * 2,
                user=self.coordinator,
            )
            pdf = render_pdf(meeting_notice(self.meeting))
            pages = len(pdf_pages(pdf))
            pages_seen.add(pages)
            last = pdf_text(pdf, page=pages)
            with self.subTest(conclusions=n, pages=pages):
                self.assertIn("TM. BAN CHỈ ĐẠO", last)
                self.assertIn(CLOSING, last)
            if pages == 3:
                break
        self.assertEqual(pages_seen, {1, 2, 3})
        self.assertGreater(Conclusion.objects.count(), 10)

    def test_page_numbers_start_on_page_2_at_the_top(self):
        for n in range(30):
            add_conclusion(meeting=self.meeting, text=f"Kết luận {n} " * 20, user=self.coordinator)
        pdf = render_pdf(meeting_notice(self.meeting))
        self.assertGreater(len(pdf_pages(pdf)), 1)
        self.assertTrue(pdf_text(pdf, page=1).startswith("UBND HUYỆN TRIỆU SƠN"))
        self.assertTrue(pdf_text(pdf, page=2).startswith("2 "))


class BriefWorkbookTests(MeetingTestCase):
    def test_the_workbook_has_the_tasks_criteria_and_steps(self):
        self.client.force_login(self.leader)
        url = reverse("meetings:brief_xlsx", args=[self.meeting.pk])
        book = workbook(self.client.get(url, {"on": "2018-11-20"}).content)
        self.assertEqual(book.sheetnames, ["Nhiệm vụ", "Tiêu chí", "Hồ sơ, thẩm định"])
        tasks = sheet_rows(book["Nhiệm vụ"])
        self.assertEqual(tasks[2][0], "Số liệu tính đến ngày 20/11/2018")
        self.assertEqual(
            [row[1:5] for row in tasks[5:]],
            [
                ("Hoàn thiện hồ sơ chung", "UBND xã Dân Lý", "10/11/2018", "Quá hạn"),
                ("Kiểm tra hồ sơ xã Dân Lý", "Phòng Kinh tế và Hạ tầng", "15/11/2018", "Quá hạn"),
            ],
        )
        communes = [row[1] for row in sheet_rows(book["Tiêu chí"])[5:]]
        self.assertEqual(communes, ["Dân Lực", "Dân Lý"])

    def test_the_default_day_is_the_next_meetings(self):
        from meetings.models import Meeting

        Meeting.objects.create(
            district=self.district,
            held_on=datetime.date(2018, 11, 20),
            title="Họp lần sau",
            chair="Trưởng ban",
            criteria_set=self.ntm,
            year=2018,
            recorded_by=self.coordinator,
        )
        self.client.force_login(self.leader)
        report = self.client.get(reverse("meetings:brief", args=[self.meeting.pk])).context["report"]
        self.assertEqual(report.on, datetime.date(2018, 11, 20))
        self.assertEqual(meeting_brief(self.meeting, report.on).tasks[0].state_label, "Quá hạn")


class BriefDossierStepsTests(MeetingTestCase):
    """Dân Lý's dossier: accepted on 05/11, sent to the Sở Xây dựng on 06/11, inspected on 14/11;
    submitted on 01/11 (before the meeting) and sent to another department on 20/10."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        dossier = create_dossier(commune=cls.commune_a, criteria_set=cls.ntm, year=2018, user=cls.coordinator)
        for day, to, comment in (
            (datetime.date(2018, 11, 1), Dossier.Status.SUBMITTED, ""),
            (datetime.date(2018, 11, 5), Dossier.Status.ACCEPTED, "Đủ hồ sơ"),
        ):
            with on_day(day):
                Transition.objects.create(
                    dossier=dossier, from_status="", to_status=to, actor=cls.coordinator, comment=comment
                )
        for name, sent, inspected in (
            ("Sở Xây dựng", datetime.date(2018, 11, 6), datetime.date(2018, 11, 14)),
            ("Sở Y tế", datetime.date(2018, 10, 20), None),
        ):
            department = Department.objects.create(
                name=name, short_name=name[-6:], level=Department.Level.PROVINCE, province=cls.province
            )
            Appraisal.objects.create(
                dossier=dossier,
                department=department,
                sent_on=sent,
                inspected_on=inspected,
                recorded_by=cls.coordinator,
            )

    def steps(self, on):
        return [(s.commune.name, s.day.day, s.text) for s in meeting_brief(self.meeting, on).steps]

    def test_the_steps_after_the_meeting_are_listed_by_day(self):
        self.assertEqual(
            self.steps(datetime.date(2018, 11, 20)),
            [
                ("Dân Lý", 5, "Huyện đã thẩm tra, chấp nhận: Đủ hồ sơ"),
                ("Dân Lý", 6, "Gửi hồ sơ tới Sở Xây dựng"),
                ("Dân Lý", 14, "Sở Xây dựng về kiểm tra"),
            ],
        )

    def test_a_step_after_the_briefs_day_is_not_listed(self):
        self.assertEqual(
            [text for _c, _d, text in self.steps(datetime.date(2018, 11, 10))][-1],
            "Gửi hồ sơ tới Sở Xây dựng",
        )
