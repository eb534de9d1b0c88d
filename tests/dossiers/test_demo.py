"""`manage.py load_demo` tells the truth: what the README and the demo modules promise is
what the database holds after one load, and a second load adds nothing."""

import datetime
import re
from io import StringIO
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count
from django.test import TestCase
from django.urls import reverse

from communes.demo import DEMO_ACCOUNTS, DISTRICT_CODE
from communes.models import Commune, Department, Membership
from criteria.demo import DEMO_SCORE_SET, DEMO_SETS, PROVINCE_DEPARTMENT_CRITERIA, appraised_criteria
from criteria.models import CriteriaSet, CriterionOwner, Recognition, Registration, Score
from criteria.owners import ownership_for, province_ownership
from criteria.standing import commune_standings
from dossiers.models import Appraisal, Document, Dossier, DossierItem, Transition
from dossiers.progress import progress_of, with_progress_data
from meetings.models import Meeting, Task
from notifications.models import Notification
from tests.base import load_shipped_set

README = Path(__file__).resolve().parents[2] / "README.md"
Status = Dossier.Status
Role = Membership.Role
REVIEWED = [Status.ACCEPTED, Status.SENT, Status.APPRAISED, Status.RECOGNISED]
VERIFIED_ON = datetime.date(2024, 9, 10)


def load_demo():
    call_command("load_demo", stdout=StringIO())


class DemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        for code in DEMO_SETS:
            load_shipped_set(code)
        load_demo()
        cls.progress = {
            p.dossier.commune.name: p for p in progress_of(with_progress_data(Dossier.objects.all()))
        }

    def appraisals_of(self, short_name):
        return Appraisal.objects.filter(department__short_name=short_name).prefetch_related("criteria")

    # The meeting of 02/11/2018 ---------------------------------------------------

    def test_the_meeting_spread_sits_on_the_communes_it_names(self):
        # criterion files complete, general dossier complete, departments sent, inspected
        spread = {
            name: (p.criteria_complete, p.general_complete, p.sent_count, p.inspected_count)
            for name, p in self.progress.items()
            if name in ("Dân Lý", "Tân Ninh", "Thọ Thế", "Minh Châu")
        }
        self.assertEqual(
            spread,
            {
                "Dân Lý": (19, True, 8, 5),
                "Tân Ninh": (19, True, 17, 17),
                "Thọ Thế": (19, False, 17, 4),
                # The meeting's 2 inspections cannot be recorded before the district accepts.
                "Minh Châu": (5, False, 0, 0),
            },
        )
        self.assertEqual({p.department_total for p in self.progress.values()}, {17})

    def test_the_leaders_dashboard_shows_the_spread(self):
        self.client.force_login(get_user_model().objects.get(username="lanhdao"))
        response = self.client.get(reverse("reports:dashboard"), {"set": DEMO_SCORE_SET, "year": 2024})
        rows = {row.commune.name: row for row in response.context["grid"].rows}
        self.assertEqual((rows["Dân Lý"].dossier.sent_count, rows["Dân Lý"].dossier.inspected_count), (8, 5))
        self.assertContains(response, "đã gửi 8/17 ngành, 5 ngành đã về kiểm tra")
        self.assertContains(response, "đã gửi 17/17 ngành, 4 ngành đã về kiểm tra")

    def test_thothe_went_without_its_minutes_through_the_demos_one_logged_override(self):
        minutes = Document.objects.select_related("item").get(
            item__dossier__commune__name="Thọ Thế", item__general_kind=DossierItem.GeneralKind.MEETING_MINUTES
        )
        self.assertTrue(minutes.is_withdrawn)
        self.assertEqual(minutes.item.review, DossierItem.Review.INCOMPLETE)
        self.assertIn("chưa đủ chữ ký", minutes.item.review_comment)
        (override,) = Transition.objects.exclude(override_reason="")
        self.assertEqual((override.dossier, override.to_status), (minutes.item.dossier, Status.ACCEPTED))
        self.assertEqual(override.actor.username, "dieuphoi")
        self.assertIn("biên bản họp", override.override_reason)
        self.assertLess(minutes.withdrawn_at, override.at)
        self.assertFalse(Transition.objects.exclude(on_behalf_reason="").exists())

    # The workflow ----------------------------------------------------------------

    def test_every_dossier_state_appears(self):
        self.assertEqual(set(Dossier.objects.values_list("status", flat=True)), set(Status.values))

    def test_communes_submit_as_their_own_officials(self):
        submissions = Transition.objects.filter(to_status=Status.SUBMITTED).select_related("dossier")
        self.assertEqual(submissions.count(), 7)
        for transition in submissions:
            with self.subTest(transition.dossier.commune_id):
                roles = Membership.objects.filter(user=transition.actor_id).values_list("role", "commune")
                self.assertEqual(list(roles), [(Role.COMMUNE, transition.dossier.commune_id)])

    def test_each_commune_with_a_dossier_has_its_official_in_the_readme(self):
        readme = README.read_text(encoding="utf-8")
        for dossier in Dossier.objects.select_related("commune"):
            official = Membership.objects.get(role=Role.COMMUNE, commune=dossier.commune).user
            with self.subTest(dossier.commune.name):
                self.assertRegex(readme, rf"`{official.username}` \| cán bộ xã {dossier.commune.name} ")

    def test_the_returned_dossier_says_why(self):
        returned = Transition.objects.get(to_status=Status.RETURNED)
        self.assertEqual(returned.dossier.status, Status.RETURNED)
        self.assertEqual(returned.comment, "Bổ sung hồ sơ tiêu chí 11 và 17")
        asked = returned.dossier.items.filter(review=DossierItem.Review.INCOMPLETE)
        self.assertEqual(sorted(asked.values_list("criterion__number", flat=True)), [11, 17])
        self.assertNotIn("", asked.values_list("review_comment", flat=True))

    def test_no_reviewed_dossier_has_an_item_left_unreviewed(self):
        items = DossierItem.objects.filter(dossier__status__in=REVIEWED)
        self.assertEqual(items.values("dossier").distinct().count(), 5)
        # Every one "Đạt yêu cầu" but Thọ Thế's minutes, which the commune is redoing.
        short = items.exclude(review=DossierItem.Review.COMPLETE)
        self.assertEqual(
            list(short.values_list("dossier__commune__name", "general_kind", "review")),
            [("Thọ Thế", DossierItem.GeneralKind.MEETING_MINUTES, DossierItem.Review.INCOMPLETE)],
        )

    def test_each_criterion_item_is_reviewed_by_the_department_that_owns_it(self):
        items = DossierItem.objects.filter(criterion__isnull=False, reviewed_by__isnull=False)
        # every criterion of the 5 reviewed dossiers; Phòng KT&HT's 5 criteria of the submitted
        # one; the 2 criteria the returned one must supplement
        self.assertEqual(items.count(), 5 * 19 + 5 + 2)
        for item in items.select_related("dossier__commune"):
            with self.subTest(item=item.pk):
                membership = Membership.objects.get(user=item.reviewed_by_id)
                owner = ownership_for(item.dossier.commune, item.dossier.criteria_set_id).of_criterion(
                    item.criterion_id
                )
                self.assertEqual((membership.role, membership.department), (Role.DEPARTMENT, owner))

    def test_the_coordination_office_reviews_the_general_items(self):
        reviewers = DossierItem.objects.filter(criterion__isnull=True, reviewed_by__isnull=False).values_list(
            "reviewed_by__username", flat=True
        )
        self.assertEqual(set(reviewers), {"dieuphoi"})
        self.assertEqual(len(reviewers), 5 * 4)

    def test_communes_past_the_draft_meet_every_criterion_in_their_own_assessment(self):
        communes = Commune.objects.filter(dossiers__status__in=[*REVIEWED, Status.SUBMITTED, Status.RETURNED])
        standings = commune_standings(
            communes, criteria_set=CriteriaSet.objects.get(code=DEMO_SCORE_SET), year=2024
        )
        self.assertEqual(len(standings), 7)
        self.assertEqual({s.criteria_met for s in standings.values()}, {19})
        self.assertFalse(
            Score.objects.filter(commune__in=communes, year=2024)
            .exclude(verification=Score.Verification.VERIFIED)
            .exists()
        )

    def test_owning_departments_verify_each_result_2024_through_the_service(self):
        scores = Score.objects.filter(verification=Score.Verification.VERIFIED).select_related(
            "commune", "indicator"
        )
        ownership = ownership_for(scores[0].commune, scores[0].indicator.criterion.criteria_set_id)
        officers = {m.user_id: m.department for m in Membership.objects.filter(role=Role.DEPARTMENT)}
        for score in scores:
            with self.subTest(score=score.pk):
                self.assertEqual(officers.get(score.verified_by_id), ownership.of_indicator(score.indicator))
        # verify_score, as the department's queue calls it, records each confirmation.
        verified_2024 = scores.filter(year=2024)
        self.assertGreaterEqual(verified_2024.count(), 7 * 57)
        confirmations = Score.history.filter(year=2024, history_change_reason__startswith="Thẩm tra")
        self.assertEqual(confirmations.count(), verified_2024.count())
        days = {moment.date() for moment in confirmations.values_list("history_date", flat=True)}
        self.assertEqual(days, {VERIFIED_ON})

    def test_results_the_district_entered_for_a_commune_say_so(self):
        officials = Membership.objects.filter(role=Role.COMMUNE).values_list("commune", flat=True)
        by_district = Score.objects.exclude(commune__in=officials)
        self.assertEqual(set(by_district.values_list("entered_by__username", flat=True)), {"dieuphoi"})
        self.assertFalse(by_district.filter(on_behalf_reason="").exists())
        self.assertFalse(Score.objects.filter(commune__in=officials).exclude(on_behalf_reason="").exists())

    def test_steps_are_dated_in_their_order_in_2024(self):
        for dossier in Dossier.objects.all():
            with self.subTest(dossier.commune.name):
                moments = list(dossier.transitions.order_by("pk").values_list("at", flat=True))
                self.assertEqual(moments, sorted(moments))
                self.assertEqual({moment.year for moment in moments} | {dossier.created_at.year}, {2024})
        # and so are the notices those steps sent
        moments = Notification.objects.values_list("created_at", flat=True)
        self.assertEqual({moment.year for moment in moments}, {2024})

    # The provincial departments --------------------------------------------------

    def test_each_provincial_department_appraises_the_criteria_of_its_field(self):
        fields = {
            "SGTVT": {"Giao thông"},
            "SYT": {"Y tế"},
            "SXD": {"Quy hoạch", "Nhà ở dân cư"},
            "SNN": {
                "Thủy lợi và phòng, chống thiên tai",
                "Tổ chức sản xuất và phát triển kinh tế nông thôn",
                "Môi trường và an toàn thực phẩm",
            },
        }
        for short_name, names in fields.items():
            with self.subTest(short_name):
                appraisals = self.appraisals_of(short_name)
                self.assertEqual(appraisals.count(), 4)
                for appraisal in appraisals:
                    self.assertEqual({c.name for c in appraisal.criteria.all()}, names)

    def test_every_appraisal_covers_its_departments_criteria(self):
        appraisals = Appraisal.objects.select_related("department").prefetch_related("criteria")
        self.assertEqual(appraisals.count(), 8 + 17 * 3)
        for appraisal in appraisals:
            with self.subTest(appraisal.pk):
                self.assertEqual(
                    {c.number for c in appraisal.criteria.all()},
                    appraised_criteria(PROVINCE_DEPARTMENT_CRITERIA[appraisal.department.short_name]),
                )

    def test_the_field_table_names_every_provincial_department_and_criterion(self):
        departments = Department.objects.filter(level=Department.Level.PROVINCE)
        self.assertEqual(
            set(departments.values_list("short_name", flat=True)), set(PROVINCE_DEPARTMENT_CRITERIA)
        )
        covered = set().union(*map(appraised_criteria, PROVINCE_DEPARTMENT_CRITERIA.values()))
        self.assertEqual(covered, set(range(1, 20)))

    def test_the_provinces_owners_are_the_field_table(self):
        # What the owners page shows and what "Gửi hồ sơ lên tỉnh" pre-fills, for both demo sets.
        departments = Department.objects.filter(level=Department.Level.PROVINCE)
        for code in DEMO_SETS:
            criteria_set = CriteriaSet.objects.get(code=code)
            numbers = dict(criteria_set.criteria.values_list("pk", "number"))
            ownership = province_ownership(departments[0].province_id, criteria_set)
            for department in departments:
                with self.subTest(code=code, department=department.short_name):
                    self.assertEqual(
                        {numbers[pk] for pk in ownership.criteria_of(department.pk)},
                        appraised_criteria(PROVINCE_DEPARTMENT_CRITERIA[department.short_name]),
                    )

    # Scores ----------------------------------------------------------------------

    def test_the_dashboard_shows_what_the_readme_says(self):
        self.client.force_login(get_user_model().objects.get(username="lanhdao"))
        response = self.client.get(reverse("reports:dashboard"), {"set": DEMO_SCORE_SET, "year": 2024})
        rows = {row.commune.name: row for row in response.context["grid"].rows}
        # The 13 xã; Thị trấn Triệu Sơn has its own programme and is listed apart.
        self.assertEqual(len(rows), 13)
        self.assertEqual([c.name for c in response.context["outside"]], ["Triệu Sơn"])
        self.assertContains(response, "Thị trấn Triệu Sơn")
        at_risk = [name for name, row in rows.items() if row.at_risk]
        self.assertEqual(at_risk, ["Minh Châu"])
        self.assertEqual(rows["Minh Châu"].standing.criteria_met, 17)
        standing = rows["Đồng Tiến"].standing
        self.assertEqual((standing.criteria_met, standing.indicators_met), (15, 52))

    def test_the_thi_tran_gets_no_xa_ntm_report(self):
        self.client.force_login(get_user_model().objects.get(username="lanhdao"))
        query = {"set": DEMO_SCORE_SET, "year": 2024}
        preview = self.client.get(reverse("reports:commune", args=["15955"]), query)
        self.assertContains(preview, "thị trấn Triệu Sơn không thuộc phạm vi")
        self.assertNotContains(preview, "Tiêu chí 1")
        pdf = self.client.get(reverse("reports:commune_pdf", args=["15955"]), query)
        self.assertEqual(pdf.status_code, 404)

    def test_thocuong_was_recognised_in_2023(self):
        recognitions = Recognition.objects.values_list("commune__name", "decided_on__year")
        self.assertEqual(sorted(recognitions), [("Thọ Cường", 2023), ("Tân Ninh", 2024)])

    # Accounts and reloading ------------------------------------------------------

    def test_the_readme_lists_every_demo_account(self):
        readme = README.read_text(encoding="utf-8").split("## Demo accounts")[1].split("\n## ")[0]
        listed = re.findall(r"^\| `([^`]+)` \|", readme, flags=re.MULTILINE)
        self.assertEqual(sorted(listed), sorted(["admin", *(username for username, *_rest in DEMO_ACCOUNTS)]))

    def test_every_demo_account_has_the_demo_password(self):
        for username in ["admin", *(username for username, *_rest in DEMO_ACCOUNTS)]:
            with self.subTest(username):
                self.assertTrue(
                    get_user_model().objects.get(username=username).check_password("NtmDemo@2024")
                )

    def test_loading_again_duplicates_nothing(self):
        models = [get_user_model(), Membership, Score, Score.history.model, Registration, Recognition]
        models += [Dossier, DossierItem, Document, Transition, Appraisal, Department, Commune, CriterionOwner]
        models += [Notification, Meeting, Task]

        def counts():
            return {model.__name__: model.objects.count() for model in models}

        before = counts()
        load_demo()
        self.assertEqual(counts(), before)
        self.assertEqual(
            Commune.objects.filter(district__code=DISTRICT_CODE).aggregate(n=Count("dossiers"))["n"], 8
        )
