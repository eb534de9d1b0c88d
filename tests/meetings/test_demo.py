import datetime

from communes.models import Commune, Department, Region
from meetings.demo import build_demo_meeting
from meetings.documents import meeting_brief
from meetings.models import Meeting, Task
from reports.models import SignatureBlock
from tests.base import PersonasTestCase, load_shipped_set


class DemoMeetingTests(PersonasTestCase):
    """The demo's meeting on the personas' district (the coordinator is "dieuphoi")."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        load_shipped_set("QD1980-2016-XA-NTM")
        Commune.objects.create(
            code="15958", name="Thọ Thế", province=cls.province, district=cls.district, region=Region.BTB
        )
        Department.objects.create(
            name="Phòng Nông nghiệp và Phát triển nông thôn",
            short_name="NN&PTNT",
            level=Department.Level.DISTRICT,
            district=cls.district,
        )

    def test_it_builds_the_meeting_once(self):
        self.assertEqual(build_demo_meeting(self.district), 3)
        self.assertEqual(build_demo_meeting(self.district), 0)
        self.assertEqual((Meeting.objects.count(), Task.objects.count()), (1, 3))

    def test_it_says_it_is_illustrative_and_names_no_one(self):
        build_demo_meeting(self.district)
        meeting = Meeting.objects.get()
        self.assertTrue(meeting.minutes.startswith("DỮ LIỆU MINH HỌA"))
        self.assertEqual(meeting.chair, "Lãnh đạo UBND huyện, Trưởng Ban Chỉ đạo")
        self.assertFalse(SignatureBlock.objects.exists())

    def test_its_history_is_dated_in_november_2018(self):
        build_demo_meeting(self.district)
        meeting = Meeting.objects.get()
        states = {
            day: [(line.task.owner_name, line.state_label) for line in meeting_brief(meeting, day).tasks]
            for day in (datetime.date(2018, 11, 5), datetime.date(2018, 11, 20))
        }
        self.assertEqual(
            states[datetime.date(2018, 11, 5)],
            [
                ("UBND xã Dân Lý", "Mới"),
                ("UBND xã Thọ Thế", "Mới"),
                ("Phòng Nông nghiệp và Phát triển nông thôn", "Mới"),
            ],
        )
        self.assertEqual(
            states[datetime.date(2018, 11, 20)],
            [
                ("UBND xã Dân Lý", "Quá hạn"),
                ("Phòng Nông nghiệp và Phát triển nông thôn", "Quá hạn"),
                ("UBND xã Thọ Thế", "Xong"),
            ],
        )
