"""Warn before deadlines: run once a day (cron). A commune is told DEADLINE_NOTICE_DAYS
before its dossier is due and again the day before, while it still holds the dossier; the
coordinators likewise before a department's appraisal answer is due."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.models import Membership
from dossiers.models import Appraisal, Dossier
from notifications.services import Kind, notify, people

Role = Membership.Role


class Command(BaseCommand):
    help = "Gửi thông báo sắp đến hạn nộp hồ sơ và hạn sở, ngành trả kết quả thẩm định. Chạy mỗi ngày."

    def handle(self, *args, **options):
        today = timezone.localdate()
        days = {settings.DEADLINE_NOTICE_DAYS, 1}
        due_days = [today + datetime.timedelta(days=n) for n in days]
        sent = 0
        editable = (Dossier.Status.DRAFT, Dossier.Status.RETURNED)
        for dossier in Dossier.objects.filter(due_on__in=due_days, status__in=editable).select_related(
            "commune"
        ):
            notify(
                recipients=people(dossier.commune, Role.COMMUNE),
                kind=Kind.DEADLINE_NEAR,
                message=_("Hồ sơ xã %(commune)s năm %(year)s phải nộp cho huyện trước ngày %(date)s.")
                % {
                    "commune": dossier.commune.name,
                    "year": dossier.year,
                    "date": dossier.due_on.strftime("%d/%m/%Y"),
                },
                url=dossier.get_absolute_url(),
            )
            sent += 1
        appraisals = Appraisal.objects.filter(
            due_on__in=due_days, result=Appraisal.Result.PENDING
        ).select_related("dossier__commune", "department")
        for appraisal in appraisals:
            notify(
                recipients=people(appraisal.dossier.commune, Role.COORDINATOR),
                kind=Kind.DEADLINE_NEAR,
                message=_("%(dept)s phải trả kết quả thẩm định hồ sơ xã %(commune)s trước ngày %(date)s.")
                % {
                    "dept": appraisal.department.name,
                    "commune": appraisal.dossier.commune.name,
                    "date": appraisal.due_on.strftime("%d/%m/%Y"),
                },
                url=reverse("dossiers:appraisals", args=[appraisal.dossier_id]),
            )
            sent += 1
        self.stdout.write(f"{sent} thông báo sắp đến hạn.")
