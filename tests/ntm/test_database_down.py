"""When the database stops answering, every page says so in Vietnamese with a 503 and
Retry-After, never a 500; /healthz keeps answering 503 for the load balancer."""

import itertools
from unittest import mock

from django.contrib.sessions.middleware import SessionMiddleware
from django.db import InterfaceError, OperationalError, connection
from django.db.backends.utils import CursorWrapper
from django.test import Client, TransactionTestCase
from django.urls import reverse

from tests.base import Personas, PersonasTestCase

DOWN_TEXT = "Hệ thống tạm thời gián đoạn"


def fail_after(queries: int, error=OperationalError):
    """A cursor that answers `queries` queries, then finds the database gone."""
    calls = itertools.count()
    original = CursorWrapper.execute

    def execute(self, sql, params=None):
        if next(calls) >= queries:
            raise error("server closed the connection unexpectedly")
        return original(self, sql, params)

    return mock.patch.object(CursorWrapper, "execute", execute)


class DatabaseDownTests(PersonasTestCase):
    def setUp(self):
        # The page must come back as a response, not as an exception raised in the test.
        self.client = Client(raise_request_exception=False)

    def assertDatabaseDown(self, response):
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "30")
        self.assertContains(response, DOWN_TEXT, status_code=503)
        self.assertContains(response, "Vui lòng thử lại sau khoảng 30 giây", status_code=503)

    def test_a_page_answers_503_when_the_database_is_gone(self):
        self.client.force_login(self.coordinator)
        with fail_after(0):
            self.assertDatabaseDown(self.client.get(reverse("reports:dashboard")))

    def test_a_page_answers_503_when_the_database_goes_away_mid_request(self):
        self.client.force_login(self.coordinator)
        # The session and the user load; the dashboard's own queries find the database gone.
        with fail_after(3):
            response = self.client.get(reverse("reports:dashboard"))
        self.assertDatabaseDown(response)

    def test_a_lost_connection_is_a_503_too(self):
        self.client.force_login(self.official_a)
        with fail_after(2, InterfaceError):
            self.assertDatabaseDown(self.client.get(reverse("communes:commune_list")))

    def test_a_form_post_answers_503(self):
        with fail_after(0):
            response = self.client.post(reverse("login"), {"username": "dieuphoi", "password": "x"})
        self.assertDatabaseDown(response)

    def test_a_failure_outside_the_view_answers_503(self):
        self.client.force_login(self.coordinator)
        with mock.patch.object(SessionMiddleware, "process_response", side_effect=OperationalError("gone")):
            self.assertDatabaseDown(self.client.get(reverse("reports:dashboard")))

    def test_the_page_is_vietnamese_whatever_the_browser_asks(self):
        self.client.force_login(self.leader)
        with fail_after(0):
            response = self.client.get(reverse("reports:dashboard"), HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, '<html lang="vi">', status_code=503)

    def test_other_errors_are_still_500(self):
        self.client.force_login(self.coordinator)
        with mock.patch("reports.views.render", side_effect=RuntimeError("bug")):
            response = self.client.get(reverse("reports:dashboard"))
        self.assertEqual(response.status_code, 500)
        self.assertNotIn("Retry-After", response)

    def test_healthz_answers_503(self):
        with fail_after(0):
            response = self.client.get("/healthz")
        self.assertEqual((response.status_code, response.content), (503, b"database unavailable\n"))


class DatabaseUnreachableTests(Personas, TransactionTestCase):
    """The connection itself is pointed at a database that is not there: PostgreSQL at a
    closed port, SQLite at a file in a folder that does not exist."""

    def test_a_page_answers_503_when_no_connection_can_be_made(self):
        self.create_personas()
        client = Client(raise_request_exception=False)
        client.force_login(self.coordinator)
        connection.ensure_connection()
        live, settings = connection.connection, connection.settings_dict
        unreachable = (
            {"HOST": "127.0.0.1", "PORT": "1"}
            if connection.vendor == "postgresql"
            else {"NAME": "/nonexistent-ntm-folder/ntm.sqlite3"}
        )
        connection.settings_dict = {**settings, **unreachable}
        connection.connection = None
        try:
            response = client.get(reverse("reports:dashboard"))
        finally:
            connection.close()
            connection.settings_dict, connection.connection = settings, live
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "30")
        self.assertContains(response, DOWN_TEXT, status_code=503)
