"""A district meeting with tasks for the personas, and a way to live on another day."""

import datetime
from contextlib import contextmanager
from unittest import mock

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from communes.models import Commune, Region
from criteria.models import Indicator, Score
from meetings.models import Meeting
from meetings.services import add_conclusion, create_task
from tests.base import PersonasTestCase, load_shipped_set

MEETING_DAY = datetime.date(2018, 11, 2)


@contextmanager
def on_day(day: datetime.date, hour: int = 9):
    """Run as if it were `day`: what is saved, and its history, carries that date."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


class MeetingTestCase(PersonasTestCase):
    """The Triệu Sơn meeting of 02/11/2018 (set QĐ 1980/2016, year 2018) with three tasks:

    - task_department: the department inspects Dân Lý (A) by 15/11/2018;
    - task_a: Dân Lý completes its general dossier by 10/11/2018;
    - task_b: Dân Lực (B) completes its general dossier by 10/11/2018.
    """

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ntm = load_shipped_set("QD1980-2016-XA-NTM")
        with on_day(MEETING_DAY):
            cls.meeting = Meeting.objects.create(
                district=cls.district,
                held_on=MEETING_DAY,
                title="Nghe báo cáo tiến độ hoàn thiện hồ sơ xét công nhận xã đạt chuẩn NTM năm 2018",
                chair="Phó Chủ tịch UBND huyện, Phó Trưởng ban Thường trực",
                criteria_set=cls.ntm,
                year=2018,
                recorded_by=cls.coordinator,
            )
            cls.conclusion_inspection = add_conclusion(
                meeting=cls.meeting,
                text="Phòng Kinh tế và Hạ tầng hoàn thành kiểm tra hồ sơ xã Dân Lý",
                task={
                    "title": "Kiểm tra hồ sơ xã Dân Lý",
                    "owner": cls.department,
                    "deadline": datetime.date(2018, 11, 15),
                    "commune": cls.commune_a,
                },
                user=cls.coordinator,
            )
            cls.conclusion_a = add_conclusion(
                meeting=cls.meeting,
                text="Xã Dân Lý hoàn thiện hồ sơ chung",
                task={
                    "title": "Hoàn thiện hồ sơ chung",
                    "owner": cls.commune_a,
                    "deadline": datetime.date(2018, 11, 10),
                },
                user=cls.coordinator,
            )
            cls.task_b = create_task(
                unit=cls.district,
                title="Hoàn thiện hồ sơ chung xã Dân Lực",
                owner=cls.commune_b,
                deadline=datetime.date(2018, 11, 10),
                commune=cls.commune_b,
                user=cls.coordinator,
            )
        cls.task_department = cls.conclusion_inspection.tasks.get()
        cls.task_a = cls.conclusion_a.tasks.get()

    @classmethod
    def add_communes(cls, count, *, start=0):
        return [
            Commune.objects.create(
                code=f"9{n:04d}",
                name=f"Xã Thêm {n}",
                province=cls.province,
                district=cls.district,
                region=Region.BTB,
            )
            for n in range(start, start + count)
        ]

    @classmethod
    def score_new(cls, communes, *, unmet=(), year=2018):
        """Scores for communes that have none: every indicator of the set met but those of
        the criteria numbered in `unmet` (with history rows, in one go)."""
        indicators = Indicator.objects.filter(criterion__criteria_set=cls.ntm).select_related("criterion")
        bulk_create_with_history(
            [
                Score(
                    indicator=indicator,
                    commune=commune,
                    year=year,
                    status=Score.Status.NOT_MET if indicator.criterion.number in unmet else Score.Status.MET,
                )
                for commune in communes
                for indicator in indicators
            ],
            Score,
        )
