import datetime
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.db import DatabaseError
from django.template import Context, Template
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from ntm.lib.text import fold
from tests.base import PASSWORD, PersonasTestCase

BASE_DIR = Path(__file__).resolve().parents[2]


class HealthzTests(TestCase):
    def test_it_answers_200_when_the_database_answers(self):
        response = self.client.get("/healthz")
        self.assertEqual((response.status_code, response.content), (200, b"ok\n"))

    def test_it_answers_503_when_the_database_does_not(self):
        with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=DatabaseError):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 503)


class LoginTests(PersonasTestCase):
    def test_login_page_is_vietnamese_whatever_the_browser_asks(self):
        response = self.client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        self.assertContains(response, "Đăng nhập")
        self.assertContains(response, "Tên đăng nhập")
        self.assertContains(response, '<html lang="vi">')

    def test_a_persona_logs_in_and_lands_on_the_overview(self):
        response = self.client.post(
            reverse("login"), {"username": "lanhdao", "password": PASSWORD}, follow=True
        )
        self.assertContains(response, "Tiến độ xây dựng nông thôn mới")
        self.assertEqual(response.context["user"], self.leader)

    def test_a_wrong_password_is_explained_in_vietnamese(self):
        response = self.client.post(reverse("login"), {"username": "lanhdao", "password": "sai"})
        self.assertContains(response, "Vui lòng điền vào Tên đăng nhập và mật khẩu chính xác")

    def test_the_account_locks_after_repeated_failures(self):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            self.client.post(reverse("login"), {"username": "lanhdao", "password": "sai"})
        response = self.client.post(reverse("login"), {"username": "lanhdao", "password": PASSWORD})
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "Tài khoản đã bị tạm khóa", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_logout_needs_post_and_ends_the_session(self):
        self.client.force_login(self.leader)
        response = self.client.post(reverse("logout"))
        self.assertRedirects(response, reverse("login"))
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_password_change_is_vietnamese_and_works(self):
        self.client.force_login(self.official_a)
        self.assertContains(self.client.get(reverse("password_change")), "Mật khẩu cũ")
        response = self.client.post(
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "Thon-Nhat-2025!",
                "new_password2": "Thon-Nhat-2025!",
            },
        )
        self.assertRedirects(response, reverse("password_change_done"))
        self.official_a.refresh_from_db()
        self.assertTrue(self.official_a.check_password("Thon-Nhat-2025!"))


class NavigationTests(PersonasTestCase):
    def nav_labels(self, user):
        self.client.force_login(user)
        return [item["label"] for item in self.client.get(reverse("reports:dashboard")).context["nav_items"]]

    def test_coordinator_sees_the_district(self):
        self.assertEqual(
            self.nav_labels(self.coordinator),
            [
                "Tổng quan",
                "Xã",
                "Hồ sơ",
                "Cuộc họp",
                "Nhiệm vụ",
                "Báo cáo",
                "Bộ tiêu chí",
                "Nhật ký thay đổi",
            ],
        )

    def test_commune_official_sees_own_commune(self):
        self.assertEqual(
            self.nav_labels(self.official_a),
            ["Tổng quan", "Xã của tôi", "Hồ sơ", "Nhiệm vụ", "Báo cáo", "Bộ tiêu chí"],
        )

    def test_superuser_also_sees_the_admin(self):
        self.assertIn("Quản trị hệ thống", self.nav_labels(self.admin))

    def test_leader_is_labelled_read_only(self):
        self.client.force_login(self.leader)
        self.assertContains(self.client.get(reverse("reports:dashboard")), "Chỉ xem")


class HomeTests(PersonasTestCase):
    def test_it_requires_login(self):
        self.assertRedirects(self.client.get("/"), f"{reverse('login')}?next=/")

    def test_without_criteria_sets_it_says_how_to_load_them(self):
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get("/"), "python manage.py load_criteria --all")


class LanguageTests(PersonasTestCase):
    def test_english_is_chosen_with_the_switcher(self):
        self.client.force_login(self.leader)
        self.client.post(reverse("set_language"), {"language": "en", "next": "/"})
        response = self.client.get("/")
        self.assertContains(response, '<html lang="en">')
        self.assertContains(response, "Overview")

    def test_an_unknown_language_falls_back_to_vietnamese(self):
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
        self.assertContains(self.client.get(reverse("login")), '<html lang="vi">')

    def test_dates_show_as_day_month_year(self):
        rendered = Template('{{ d|date:"SHORT_DATE_FORMAT" }} {{ d|date }}').render(
            Context({"d": datetime.date(2018, 11, 2)})
        )
        self.assertEqual(rendered, "02/11/2018 02/11/2018")

    def test_dates_show_as_day_month_year_in_english_too(self):
        with translation.override("en"):
            rendered = Template("{{ d|date }}").render(Context({"d": datetime.date(2023, 4, 30)}))
        self.assertEqual(rendered, "30/04/2023")

    def test_time_zone_is_vietnam(self):
        self.assertEqual(settings.TIME_ZONE, "Asia/Ho_Chi_Minh")


class FoldTests(TestCase):
    def test_it_strips_vietnamese_diacritics(self):
        self.assertEqual(fold("Dân Lý"), "dan ly")
        self.assertEqual(fold("ĐỒNG TIẾN"), "dong tien")
        self.assertEqual(fold("  Thọ   Cường "), "tho cuong")

    def test_it_handles_precomposed_and_decomposed_input(self):
        self.assertEqual(fold("Khuye\u0302\u0301n Nông"), fold("Khuyến Nông"))


class ProductionSettingsTests(TestCase):
    """Production settings are read at start-up, so these run manage.py in a fresh process."""

    def run_manage(self, *args, **env):
        environment = {
            k: v
            for k, v in os.environ.items()
            if k not in ("SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
        }
        environment.update(env)
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def test_check_deploy_reports_no_issues(self):
        result = self.run_manage(
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            DEBUG="false",
            SECRET_KEY="a-long-random-production-key-" + "x" * 40,
            ALLOWED_HOSTS="ntm.example.gov.vn",
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("no issues", result.stdout)

    def test_missing_secret_key_stops_start_up_with_a_clear_message(self):
        result = self.run_manage("check", DEBUG="false")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SECRET_KEY is not set", result.stderr)
