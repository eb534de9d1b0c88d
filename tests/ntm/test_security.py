"""Headers every page carries, lockout, password reset and the demo password."""

import datetime
import re
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import RequestFactory, override_settings
from django.urls import reverse

from communes.demo import DEMO_PASSWORD
from ntm.lib.accounts import client_ip
from reports.content import build_report
from reports.models import ReportKind
from reports.services import save_snapshot
from tests.base import PASSWORD, PersonasTestCase
from tests.dossiers.base import YEAR, DossierTestCase

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Rendered on the server for WeasyPrint and never sent to a browser: it inlines the
# report stylesheet and the page rules (@page), which a PDF needs.
PDF_ONLY = {"reports/print/document.html"}
INLINE = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE)


class HeaderTests(PersonasTestCase):
    def test_pages_carry_a_content_security_policy_of_this_site_only(self):
        self.client.force_login(self.coordinator)
        policy = self.client.get(reverse("reports:dashboard"))["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        self.assertEqual(directives["default-src"], "'self'")
        self.assertEqual(directives["frame-ancestors"], "'none'")
        self.assertNotIn("unsafe-inline", policy)

    def test_the_login_page_carries_it_too(self):
        self.assertIn("default-src 'self'", self.client.get(reverse("login"))["Content-Security-Policy"])

    def test_pages_deny_camera_microphone_and_location(self):
        policy = self.client.get(reverse("login"))["Permissions-Policy"]
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
            self.assertIn(feature, policy)

    def test_signed_in_pages_are_never_cached(self):
        self.client.force_login(self.official_a)
        for url in (reverse("reports:dashboard"), reverse("communes:commune_list"), "/healthz"):
            with self.subTest(url):
                cache_control = self.client.get(url)["Cache-Control"]
                self.assertIn("private", cache_control)
                self.assertIn("no-store", cache_control)

    def test_the_login_that_opens_a_session_is_not_cached(self):
        response = self.client.post(reverse("login"), {"username": "xa_a", "password": PASSWORD})
        self.assertIn("no-store", response["Cache-Control"])

    def test_no_template_a_browser_receives_has_inline_script_or_style(self):
        """The policy refuses inline scripts, <style>, style="" and onclick=: a template
        that used them would silently lose them."""
        offenders = []
        for path in sorted(TEMPLATES.rglob("*.html")):
            name = path.relative_to(TEMPLATES).as_posix()
            if name not in PDF_ONLY and INLINE.search(path.read_text(encoding="utf-8")):
                offenders.append(name)
        self.assertEqual(offenders, [])


class DownloadCacheTests(DossierTestCase):
    def test_evidence_downloads_are_never_cached(self):
        document = self.upload(self.item(self.open_dossier(), 2))
        self.client.force_login(self.official_a)
        response = self.client.get(document.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(set(response["Cache-Control"].split(", ")), {"private", "no-store"})

    def test_saved_report_downloads_are_never_cached(self):
        # Dân Lý's scores for YEAR come with the dossier tests' setup.
        report = build_report(
            ReportKind.COMMUNE, communes=None, commune=self.commune_a, criteria_set=self.ntm, year=YEAR
        )
        snapshot = save_snapshot(report=report, user=self.coordinator, meeting_date=datetime.date(2024, 6, 2))
        self.client.force_login(self.official_a)
        response = self.client.get(snapshot.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        self.assertIn("no-store", response["Cache-Control"])


class LockoutTests(PersonasTestCase):
    def fail(self, username, address):
        return self.client.post(
            reverse("login"), {"username": username, "password": "sai"}, REMOTE_ADDR=address
        )

    def log_in(self, username, address):
        return self.client.post(
            reverse("login"), {"username": username, "password": PASSWORD}, REMOTE_ADDR=address
        )

    def test_a_stranger_cannot_lock_the_administrator_out(self):
        for _ in range(settings.AXES_FAILURE_LIMIT + 2):
            self.fail("quantri", "203.0.113.9")
        self.assertEqual(self.log_in("quantri", "203.0.113.9").status_code, 429)
        response = self.log_in("quantri", "10.1.2.3")
        self.assertRedirects(response, reverse("reports:dashboard"), fetch_redirect_response=False)

    def test_one_persons_typos_do_not_lock_out_colleagues_behind_the_same_address(self):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            self.fail("xa_a", "10.1.2.3")
        self.assertEqual(self.log_in("xa_a", "10.1.2.3").status_code, 429)
        self.assertEqual(self.log_in("xa_b", "10.1.2.3").status_code, 302)

    @override_settings(BEHIND_PROXY=True)
    def test_behind_the_proxy_the_address_is_the_one_the_proxy_saw(self):
        request = RequestFactory().get(
            "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7"
        )
        self.assertEqual(client_ip(request), "198.51.100.7")

    def test_without_a_proxy_a_forwarded_header_is_ignored(self):
        request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="6.6.6.6")
        self.assertEqual(client_ip(request), "10.1.2.3")


class PasswordResetTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.official_a.email = "xa.danly@example.gov.vn"
        cls.official_a.save(update_fields=["email"])

    def test_the_login_page_links_to_it(self):
        self.assertContains(self.client.get(reverse("login")), reverse("password_reset"))

    def test_a_person_resets_a_forgotten_password_by_email(self):
        response = self.client.post(reverse("password_reset"), {"email": "xa.danly@example.gov.vn"})
        self.assertRedirects(response, reverse("password_reset_done"))
        (message,) = mail.outbox
        self.assertEqual(message.subject, "Đặt lại mật khẩu NTM Tracker")
        self.assertEqual(message.to, ["xa.danly@example.gov.vn"])
        self.assertIn("Tên đăng nhập của bạn: xa_a", message.body)
        link = re.search(r"http://testserver(/accounts/password/reset/\S+)", message.body).group(1)
        form_url = self.client.get(link).url  # Django swaps the token for a session marker
        self.assertContains(self.client.get(form_url), "Đặt mật khẩu mới")
        response = self.client.post(
            form_url, {"new_password1": "Thon-Nhat-2025!", "new_password2": "Thon-Nhat-2025!"}
        )
        self.assertRedirects(response, reverse("password_reset_complete"))
        self.official_a.refresh_from_db()
        self.assertTrue(self.official_a.check_password("Thon-Nhat-2025!"))

    def test_a_link_works_once(self):
        self.client.post(reverse("password_reset"), {"email": "xa.danly@example.gov.vn"})
        link = re.search(r"http://testserver(/accounts/password/reset/\S+)", mail.outbox[0].body).group(1)
        form_url = self.client.get(link).url
        self.client.post(form_url, {"new_password1": "Thon-Nhat-2025!", "new_password2": "Thon-Nhat-2025!"})
        self.client.logout()
        response = self.client.get(link, follow=True)
        self.assertContains(response, "Liên kết đặt lại mật khẩu không hợp lệ")

    def test_an_unknown_address_sends_nothing_and_says_the_same(self):
        response = self.client.post(reverse("password_reset"), {"email": "ai.do@example.com"}, follow=True)
        self.assertContains(response, "Hãy kiểm tra hộp thư")
        self.assertEqual(mail.outbox, [])


class DemoPasswordTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.leader.set_password(DEMO_PASSWORD)
        cls.leader.save(update_fields=["password"])

    def log_in(self, password=DEMO_PASSWORD):
        return self.client.post(reverse("login"), {"username": "lanhdao", "password": password})

    def test_outside_debug_the_demo_password_must_be_changed_before_anything_else(self):
        self.log_in()
        for url in (reverse("reports:dashboard"), reverse("communes:commune_list"), "/admin/"):
            with self.subTest(url):
                self.assertRedirects(self.client.get(url), reverse("password_change"))
        response = self.client.get(reverse("password_change"))
        self.assertContains(response, "Bạn đang dùng mật khẩu mặc định của bản trình diễn")

    def test_a_post_elsewhere_changes_nothing(self):
        self.log_in()
        response = self.client.post(reverse("criteria:registration_create", args=[self.commune_a.code]))
        self.assertRedirects(response, reverse("password_change"))

    def test_after_the_change_the_person_works_normally(self):
        self.log_in()
        response = self.client.post(
            reverse("password_change"),
            {
                "old_password": DEMO_PASSWORD,
                "new_password1": "Lanh-Dao-2025!",
                "new_password2": "Lanh-Dao-2025!",
            },
        )
        self.assertRedirects(response, reverse("password_change_done"))
        self.assertEqual(self.client.get(reverse("reports:dashboard")).status_code, 200)

    def test_the_demo_password_is_refused_as_a_new_one(self):
        user = get_user_model().objects.get(username="xa_a")
        self.client.force_login(user)
        response = self.client.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": DEMO_PASSWORD, "new_password2": DEMO_PASSWORD},
        )
        self.assertContains(response, "mật khẩu mặc định của bản trình diễn")
        user.refresh_from_db()
        self.assertTrue(user.check_password(PASSWORD))

    def test_other_passwords_are_not_asked_to_change(self):
        self.client.post(reverse("login"), {"username": "xa_a", "password": PASSWORD})
        self.assertEqual(self.client.get(reverse("reports:dashboard")).status_code, 200)

    @override_settings(DEBUG=True)
    def test_in_debug_the_demo_accounts_work_as_shipped(self):
        self.log_in()
        self.assertEqual(self.client.get(reverse("reports:dashboard")).status_code, 200)
