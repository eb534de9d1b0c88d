"""Demo meeting: the Triệu Sơn steering committee, 02/11/2018, and the tasks it gave.

Illustrative data, marked as such in the meeting's minutes: the three conclusions
follow the example the product was specified with (an inspection of Dân Lý by a
department by 15/11/2018; Dân Lý and Thọ Thế complete the general dossier by
10/11/2018), not the minutes of the real meeting. No one is named as chair or signer.
Idempotent: nothing is added when the meeting exists.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from communes.models import Department, District
from criteria.models import CriteriaSet

from .models import Conclusion, Meeting, Task, TaskNote
from .services import add_conclusion, close_task, report_progress

MEETING_DAY = datetime.date(2018, 11, 2)
SET_CODE = "QD1980-2016-XA-NTM"


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@transaction.atomic
def build_demo_meeting(district: District) -> int:
    """The meeting and its tasks; returns the number of tasks created (0 if it exists)."""
    if Meeting.objects.filter(district=district, held_on=MEETING_DAY).exists():
        return 0
    User = get_user_model()
    coordinator = User.objects.get(username="dieuphoi")
    communes = {c.name: c for c in district.communes.filter(name__in=["Dân Lý", "Thọ Thế"])}
    departments = {d.short_name: d for d in Department.objects.filter(district=district)}
    meeting = Meeting.objects.create(
        district=district,
        held_on=MEETING_DAY,
        title=(
            "Nghe báo cáo tiến độ hoàn thiện hồ sơ, thẩm định xét công nhận xã đạt chuẩn "
            "nông thôn mới năm 2018"
        ),
        chair="Lãnh đạo UBND huyện, Trưởng Ban Chỉ đạo",
        agenda=(
            "Tiến độ hồ sơ của từng xã đăng ký về đích năm 2018; "
            "kết quả gửi hồ sơ và kiểm tra của các sở, ngành."
        ),
        minutes=(
            "DỮ LIỆU MINH HỌA: cuộc họp và các kết luận được dựng theo ví dụ dùng để mô tả sản phẩm, "
            "không phải biên bản gốc của cuộc họp."
        ),
        criteria_set=CriteriaSet.objects.get(code=SET_CODE),
        year=2018,
        recorded_by=coordinator,
    )
    meeting.attending_departments.set([departments["NN&PTNT"], departments["KT&HT"]])
    meeting.attending_communes.set(communes.values())
    for text, owner, deadline, commune in (
        (
            "Phòng Nông nghiệp và PTNT hoàn thành kiểm tra hồ sơ xã Dân Lý",
            departments["NN&PTNT"],
            datetime.date(2018, 11, 15),
            communes["Dân Lý"],
        ),
        (
            "Xã Dân Lý hoàn thiện hồ sơ chung",
            communes["Dân Lý"],
            datetime.date(2018, 11, 10),
            communes["Dân Lý"],
        ),
        (
            "Xã Thọ Thế hoàn thiện hồ sơ chung",
            communes["Thọ Thế"],
            datetime.date(2018, 11, 10),
            communes["Thọ Thế"],
        ),
    ):
        task = {"title": text, "owner": owner, "deadline": deadline, "commune": commune}
        add_conclusion(meeting=meeting, text=text, task=task, user=coordinator)
    tasks = {
        t.owner_commune.name if t.owner_commune else "": t
        for t in Task.objects.filter(conclusion__meeting=meeting)
    }
    report_progress(
        task=tasks["Dân Lý"],
        text="Đã có tờ trình; đang lập biên bản họp lấy ý kiến nhân dân.",
        user=coordinator,
    )
    close_task(task=tasks["Thọ Thế"], note="Đã nộp đủ bốn thành phần hồ sơ chung.", user=coordinator)
    _date_in_2018(meeting, tasks)
    return len(tasks)


def _date_in_2018(meeting: Meeting, tasks: dict) -> None:
    """The demo happened in November 2018, not on the day it is loaded: rows and their
    history carry those days, so the brief as of 20/11/2018 shows what was known then."""
    held = _at(MEETING_DAY, 15)
    Meeting.objects.filter(pk=meeting.pk).update(created_at=held)
    Meeting.history.filter(id=meeting.pk).update(history_date=held)
    Conclusion.history.filter(meeting_id=meeting.pk).update(history_date=held)
    task_ids = [task.pk for task in tasks.values()]
    Task.objects.filter(pk__in=task_ids).update(created_at=held)
    Task.history.filter(id__in=task_ids, history_type="+").update(history_date=held)
    progress = _at(datetime.date(2018, 11, 6), 10)
    TaskNote.objects.filter(task=tasks["Dân Lý"]).update(at=progress)
    Task.history.filter(id=tasks["Dân Lý"].pk, history_type="~").update(history_date=progress)
    closed = _at(datetime.date(2018, 11, 8), 16)
    Task.objects.filter(pk=tasks["Thọ Thế"].pk).update(closed_at=closed)
    Task.history.filter(id=tasks["Thọ Thế"].pk, history_type="~").update(
        history_date=closed, closed_at=closed
    )
