"""Every URL pattern of the site, walked as the people who must not get in.

Like Zulip's URL coverage test: each named pattern of ntm/urls.py is listed below with
the arguments that point it at commune A's objects, and what kind of page it is. A new
pattern that is not listed fails `test_every_url_pattern_is_listed`, so no view can be
added without its access being walked here:

- anonymous: redirected to the login page, whatever the page;
- a signed-in user with no role: 404 for anything of commune A, and nothing of commune A
  on a list or report (the library of criteria sets is public to signed-in users);
- commune B's official: the same as the user with no role, for commune A's things;
- the read-only leader: 403 on every page that changes something.
"""

import datetime

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.http import urlencode

from criteria.models import Recognition, Registration, Score
from jobs.models import Job
from meetings.models import Meeting
from meetings.services import close_task, create_task
from reports.content import build_report
from reports.models import ReportKind
from reports.services import save_snapshot
from tests.dossiers.base import YEAR, DossierTestCase, tiny_pdf
from tests.reports.documents import pdf_text, sheet_rows, workbook

# Kinds of page.
COMMUNE_OBJECT = "commune"  # an object of commune A: 404 to outsiders
SCOPE = "scope"  # a list, dashboard, report or export over what the user sees
LIBRARY = "library"  # the criteria library: read by every signed-in user
COORDINATORS = "coordinators"  # a page only coordinators use: 403 to the others
PUBLIC = "public"  # login, logout, health: not about anybody's data
OWN = "own"  # the signed-in user's own notices and email choice: nobody else's data

# Names that are outside this walk, with the reason.
EXEMPT = {
    "login": PUBLIC,
    "logout": PUBLIC,
    "password_change": PUBLIC,  # the signed-in user's own password
    "password_change_done": PUBLIC,
    # Reset by e-mail is for people who cannot sign in: public by nature. It reveals
    # nothing (the same answer for a known and an unknown address) and a link works
    # once, for one account.
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    "password_reset_confirm": PUBLIC,
    "password_reset_complete": PUBLIC,
    "healthz": PUBLIC,
}


def named_patterns(patterns=None, namespace=None):
    """(name, pattern) for every named URL pattern of the site but the admin and i18n."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith(("admin/", "i18n/")):
                continue
            yield from named_patterns(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


class UrlAccessTests(DossierTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dossier = cls.open_dossier(cls.commune_a)
        cls.document = cls.upload(cls.item(cls.dossier, 2))
        cls.registration = Registration.objects.create(
            commune=cls.commune_a,
            criteria_set=cls.ntm,
            target_year=YEAR,
            registered_on=datetime.date(2023, 12, 1),
        )
        cls.recognition = Recognition.objects.create(
            commune=cls.commune_a,
            criteria_set=cls.ntm,
            decision_number="1/QĐ",
            decided_on=datetime.date(2024, 6, 1),
        )
        report = build_report(
            ReportKind.COMMUNE, communes=None, commune=cls.commune_a, criteria_set=cls.ntm, year=YEAR
        )
        cls.snapshot = save_snapshot(
            report=report, user=cls.coordinator, meeting_date=datetime.date(2024, 6, 2)
        )
        cls.score = Score.objects.get(commune=cls.commune_a, year=YEAR, indicator__code="3.1")
        cls.meeting = Meeting.objects.create(
            district=cls.district,
            held_on=datetime.date(2024, 6, 2),
            title="Họp Ban Chỉ đạo",
            criteria_set=cls.ntm,
            year=YEAR,
            recorded_by=cls.coordinator,
        )
        cls.task = create_task(
            unit=cls.district,
            title="Hoàn thiện hồ sơ chung",
            owner=cls.commune_a,
            commune=cls.commune_a,
            deadline=datetime.date(2024, 6, 30),
            user=cls.coordinator,
        )
        evidence = SimpleUploadedFile("bien-ban.pdf", tiny_pdf("bien ban"))
        close_task(task=cls.task, note="Đã hoàn thiện", user=cls.official_a, evidence=evidence)
        # A background job about the district, with its file: the coordinator's.
        cls.job = Job.objects.create(
            kind=Job.Kind.SCORES_IMPORT,
            title="ket-qua.csv",
            started_by=cls.coordinator,
            district=cls.district,
            status=Job.Status.SUCCEEDED,
            result={"summary": [f"Thêm mới 57 kết quả của {cls.commune_a.name}."]},
        )
        cls.job.file.save("ket-qua.csv", ContentFile(cls.commune_a.name.encode()))
        a, s, y = cls.commune_a.code, cls.ntm.code, YEAR
        indicator = cls.score.indicator
        d, item = cls.dossier.pk, cls.document.item_id
        # name: (kwargs, kind, changes data)
        cls.urls = {
            "reports:dashboard": ({}, SCOPE, False),
            "reports:scorecard": ({"code": a}, COMMUNE_OBJECT, False),
            "reports:index": ({}, SCOPE, False),
            "reports:district": ({}, SCOPE, False),
            "reports:district_pdf": ({}, SCOPE, False),
            "reports:district_xlsx": ({}, SCOPE, False),
            "reports:district_snapshot": ({}, SCOPE, True),
            "reports:dossiers": ({}, SCOPE, False),
            "reports:dossiers_pdf": ({}, SCOPE, False),
            "reports:dossiers_xlsx": ({}, SCOPE, False),
            "reports:dossiers_snapshot": ({}, SCOPE, True),
            "reports:district_job": ({}, SCOPE, True),
            "reports:dossiers_job": ({}, SCOPE, True),
            "reports:commune_job": ({"code": a}, COMMUNE_OBJECT, True),
            "reports:commune": ({"code": a}, COMMUNE_OBJECT, False),
            "reports:commune_pdf": ({"code": a}, COMMUNE_OBJECT, False),
            "reports:commune_xlsx": ({"code": a}, COMMUNE_OBJECT, False),
            "reports:commune_snapshot": ({"code": a}, COMMUNE_OBJECT, True),
            "reports:snapshot_list": ({}, SCOPE, False),
            "reports:snapshot_download": ({"pk": cls.snapshot.pk}, COMMUNE_OBJECT, False),
            "criteria:set_list": ({}, LIBRARY, False),
            "criteria:set_detail": ({"code": s}, LIBRARY, False),
            "criteria:set_copy": ({"code": s}, LIBRARY, True),
            "criteria:set_edit": ({"code": s}, LIBRARY, True),
            "criteria:criterion_edit": ({"code": s, "number": 3}, LIBRARY, True),
            "criteria:indicator_edit": ({"code": s, "pk": indicator.pk}, LIBRARY, True),
            "criteria:set_workbook": ({"code": s}, LIBRARY, False),
            "criteria:criteria_import": ({}, COORDINATORS, True),
            "criteria:criteria_template": ({}, COORDINATORS, False),
            "criteria:scores_import": ({}, COORDINATORS, True),
            "criteria:scores_export": ({"format": "csv"}, SCOPE, False),
            "criteria:scores_template": ({"code": a, "set_code": s, "year": y}, COMMUNE_OBJECT, False),
            "criteria:score_entry": (
                {"code": a, "set_code": s, "year": y, "number": 3},
                COMMUNE_OBJECT,
                True,
            ),
            "criteria:score_verify": (
                {"code": a, "set_code": s, "year": y, "number": 3, "indicator_pk": indicator.pk},
                COMMUNE_OBJECT,
                True,
            ),
            "criteria:registration_create": ({"code": a}, COMMUNE_OBJECT, True),
            "criteria:registration_confirm": ({"code": a, "pk": cls.registration.pk}, COMMUNE_OBJECT, True),
            "criteria:recognition_create": ({"code": a}, COMMUNE_OBJECT, True),
            "criteria:recognition_revoke": ({"code": a, "pk": cls.recognition.pk}, COMMUNE_OBJECT, True),
            "dossiers:progress": ({}, SCOPE, False),
            "dossiers:dossier_open": ({"code": a}, COMMUNE_OBJECT, True),
            "dossiers:dossier_detail": ({"pk": d}, COMMUNE_OBJECT, False),
            "dossiers:dossier_action": ({"pk": d, "action": "accept"}, COMMUNE_OBJECT, True),
            "dossiers:item_detail": ({"pk": d, "item_pk": item}, COMMUNE_OBJECT, False),
            "dossiers:item_upload": ({"pk": d, "item_pk": item}, COMMUNE_OBJECT, True),
            "dossiers:document_download": ({"pk": d, "document_pk": cls.document.pk}, COMMUNE_OBJECT, False),
            "dossiers:document_withdraw": ({"pk": d, "document_pk": cls.document.pk}, COMMUNE_OBJECT, True),
            "dossiers:appraisals": ({"pk": d}, COMMUNE_OBJECT, False),
            "dossiers:recognition": ({"pk": d}, COMMUNE_OBJECT, True),
            "dossiers:package": ({"pk": d}, COMMUNE_OBJECT, False),
            "dossiers:package_job": ({"pk": d}, COMMUNE_OBJECT, True),
            "communes:commune_list": ({}, SCOPE, False),
            "communes:commune_merge": ({}, COORDINATORS, True),
            "communes:units_import": ({}, COORDINATORS, True),
            "criteria:owners": (
                {"code": s, "level": "district", "unit_code": cls.district.code},
                COMMUNE_OBJECT,
                True,
            ),
            "criteria:verification_queue": ({}, SCOPE, False),
            "dossiers:dossier_due": ({"pk": d}, COMMUNE_OBJECT, True),
            "dossiers:document_view": ({"pk": d, "document_pk": cls.document.pk}, COMMUNE_OBJECT, False),
            "dossiers:document_inline": ({"pk": d, "document_pk": cls.document.pk}, COMMUNE_OBJECT, False),
            "reports:signature_edit": ({"kind": "district", "pk": cls.district.pk}, COMMUNE_OBJECT, True),
            "meetings:meeting_list": ({}, SCOPE, False),
            "meetings:meeting_create": ({}, COORDINATORS, True),
            "meetings:meeting_detail": ({"pk": cls.meeting.pk}, COMMUNE_OBJECT, False),
            "meetings:meeting_edit": ({"pk": cls.meeting.pk}, COMMUNE_OBJECT, True),
            "meetings:conclusion_add": ({"pk": cls.meeting.pk}, COMMUNE_OBJECT, True),
            "meetings:notice": ({"pk": cls.meeting.pk}, COMMUNE_OBJECT, False),
            "meetings:notice_pdf": ({"pk": cls.meeting.pk}, COMMUNE_OBJECT, False),
            "meetings:brief": ({"pk": cls.meeting.pk}, COMMUNE_OBJECT, False),
            "meetings:brief_pdf": ({"pk": cls.meeting.pk}, COMMUNE_OBJECT, False),
            "meetings:brief_xlsx": ({"pk": cls.meeting.pk}, COMMUNE_OBJECT, False),
            "meetings:task_list": ({}, SCOPE, False),
            "meetings:task_create": ({}, COMMUNE_OBJECT, True),
            "meetings:task_detail": ({"pk": cls.task.pk}, COMMUNE_OBJECT, False),
            "meetings:task_edit": ({"pk": cls.task.pk}, COMMUNE_OBJECT, True),
            "meetings:task_progress": ({"pk": cls.task.pk}, COMMUNE_OBJECT, True),
            "meetings:task_close": ({"pk": cls.task.pk}, COMMUNE_OBJECT, True),
            "meetings:task_reopen": ({"pk": cls.task.pk}, COMMUNE_OBJECT, True),
            "meetings:task_evidence": ({"pk": cls.task.pk}, COMMUNE_OBJECT, False),
            "notifications:list": ({}, OWN, False),
            "notifications:mark_read": ({}, OWN, True),
            "notifications:settings": ({}, OWN, True),
            "audit:list": ({}, COORDINATORS, False),
            "audit:export": ({"format": "csv"}, COORDINATORS, False),
            "jobs:job_list": ({}, OWN, False),
            "jobs:job_detail": ({"pk": cls.job.pk}, COMMUNE_OBJECT, False),
            "jobs:job_file": ({"pk": cls.job.pk}, COMMUNE_OBJECT, False),
            "jobs:job_run_again": ({"pk": cls.job.pk}, COMMUNE_OBJECT, True),
        }
        # Filing a meeting copy changes no programme data: leaders may (README, "Demo accounts").
        cls.leader_may = {
            "reports:district_snapshot",
            "reports:dossiers_snapshot",
            "reports:commune_snapshot",
            # Having a report rendered in the background changes no data either.
            "reports:district_job",
            "reports:dossiers_job",
            "reports:commune_job",
            # Their own notices and email choice.
            "notifications:mark_read",
            "notifications:settings",
        }
        # Query strings some pages need to point at commune A (a task is born from something).
        cls.queries = {"meetings:task_create": {"commune": a}}
        # Read, but only by the coordination office: the package goes to the province, the
        # audit trail is theirs (and the administrator's); a background job is followed by whoever
        # started it and the unit's coordinators.
        cls.coordinator_only = {
            "dossiers:package",
            "audit:list",
            "audit:export",
            "criteria:criteria_template",
            "jobs:job_detail",
            "jobs:job_file",
        }

    def url(self, name) -> str:
        kwargs, _kind, _changes = self.urls[name]
        return reverse(name, kwargs=kwargs)

    def request(self, name, user=None, *, post=False):
        """GET the page (or POST to it, asked for or when it only takes POST)."""
        self.client.logout()
        if user is not None:
            self.client.force_login(user)
        url = self.url(name)
        query = {"set": self.ntm.code, "year": YEAR, **self.queries.get(name, {})}
        response = None if post else self.client.get(url, query)
        if response is None or response.status_code == 405:
            response = self.client.post(f"{url}?{urlencode(query)}", {})
        return response

    def shows_commune_a(self, response) -> bool:
        """Whether anything of commune A is in a page, a CSV, a PDF or a workbook."""
        content_type = response.get("Content-Type", "")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if content_type.startswith("application/pdf"):
            text = pdf_text(body)
        elif "spreadsheetml" in content_type:
            text = " ".join(
                str(cell) for sheet in workbook(body) for row in sheet_rows(sheet) for cell in row
            )
        else:
            text = body.decode("utf-8-sig", errors="replace")
        return self.commune_a.name in text or f"/{self.commune_a.code}/" in text

    def test_every_url_pattern_is_listed(self):
        names = {name for name, _pattern in named_patterns()}
        unlisted = names - set(self.urls) - set(EXEMPT)
        self.assertEqual(unlisted, set(), "Add these URL names to UrlAccessTests.urls with their kind.")

    def test_anonymous_users_are_sent_to_the_login_page(self):
        for name in self.urls:
            with self.subTest(name):
                response = self.request(name)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(reverse("login")), response["Location"])

    def test_a_user_with_no_role_gets_nothing_of_commune_a(self):
        self.assert_outsider_gets_nothing(self.nobody)

    def test_another_communes_official_gets_nothing_of_commune_a(self):
        self.assert_outsider_gets_nothing(self.official_b)

    def assert_outsider_gets_nothing(self, user):
        for name, (_kwargs, kind, changes) in self.urls.items():
            with self.subTest(name):
                response = self.request(name, user)
                if kind == COMMUNE_OBJECT:
                    self.assertEqual(response.status_code, 404)
                elif kind == OWN:
                    self.assertIn(response.status_code, (200, 302))
                    self.assertFalse(response.status_code == 200 and self.shows_commune_a(response))
                elif kind == COORDINATORS:
                    # Refused: 403 to one who reads the unit, 404 to one who reads nothing of it.
                    self.assertIn(response.status_code, (403, 404))
                elif kind in (LIBRARY, SCOPE) and changes:
                    self.assertEqual(response.status_code, 403)
                elif kind == LIBRARY:
                    self.assertEqual(response.status_code, 200)
                elif response.status_code == 200:
                    self.assertFalse(self.shows_commune_a(response))
                else:
                    # A report or copy with no commune to show does not exist for this user.
                    self.assertIn(response.status_code, (400, 404))

    def test_the_leader_reads_and_changes_nothing(self):
        for name, (_kwargs, _kind, changes) in self.urls.items():
            with self.subTest(name):
                if name in self.leader_may:
                    self.assertIn(self.request(name, self.leader, post=True).status_code, (200, 302, 400))
                elif changes:
                    self.assertEqual(self.request(name, self.leader, post=True).status_code, 403)
                elif name in self.coordinator_only:
                    self.assertEqual(self.request(name, self.leader).status_code, 403)
                else:
                    self.assertIn(self.request(name, self.leader).status_code, (200, 400))

    def test_the_walk_reaches_real_objects(self):
        # Guard against a walk that passes because every page is a 404 for everybody.
        self.client.force_login(self.coordinator)
        for name, (_kwargs, kind, _changes) in self.urls.items():
            if kind == COMMUNE_OBJECT and name not in ("dossiers:dossier_action",):
                with self.subTest(name):
                    response = self.request(name, self.coordinator)
                    self.assertNotEqual(response.status_code, 404)
