"""What one person does on the site: sign in as a demo account, then read.

The site runs as in production (DEBUG off, behind an HTTPS proxy), so its cookies are
marked Secure. The load goes over plain HTTP on the loopback, as from nginx to
gunicorn: each user says the proxy's `X-Forwarded-Proto: https` and carries its
session cookie by hand (an HTTP client keeps Secure cookies to itself).
"""

import os
import random
import re

from locust import HttpUser, between, task

PASSWORD = os.environ["NTM_LOAD_PASSWORD"]
# Who reads what: the district's offices and one commune official.
ACCOUNTS = ["dieuphoi", "lanhdao", "phongkt", "phongnn", "xa_danly", "xa_thothe"]
COMMUNE = re.compile(r'href="/communes/(\d+)/(?:\?[^"]*)?"')
DOSSIER = re.compile(r'href="/dossiers/(\d+)/"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Person(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        self.client.headers["X-Forwarded-Proto"] = "https"
        self.sign_in(random.choice(ACCOUNTS))
        dashboard = self.read("/", "dashboard")
        self.communes = sorted(set(COMMUNE.findall(dashboard.text))) or [None]
        self.dossiers = sorted(set(DOSSIER.findall(self.read("/dossiers/", "dossier list").text))) or [None]

    def sign_in(self, username):
        login = "/accounts/login/"
        page = self.client.get(login, name="sign in")
        csrf = page.cookies["csrftoken"]
        response = self.client.post(
            login,
            {
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": CSRF.search(page.text).group(1),
            },
            headers={"Cookie": f"csrftoken={csrf}", "Referer": f"https://{self.host_name}{login}"},
            allow_redirects=False,
            name="sign in",
        )
        if response.status_code != 302:
            raise RuntimeError(f"{username} could not sign in: {response.status_code}")
        self.client.headers["Cookie"] = f"sessionid={response.cookies['sessionid']}"

    @property
    def host_name(self) -> str:
        return self.host.split("://", 1)[-1].rstrip("/")

    def read(self, path, name):
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {path}")
            return response

    @task(4)
    def dashboard(self):
        self.read("/", "dashboard")

    @task(4)
    def scorecard(self):
        code = random.choice(self.communes)
        if code:
            self.read(f"/communes/{code}/", "scorecard")

    @task(3)
    def dossier(self):
        pk = random.choice(self.dossiers)
        if pk:
            self.read(f"/dossiers/{pk}/", "dossier")

    @task(2)
    def report_preview(self):
        self.read("/reports/district/", "report preview")

    @task(1)
    def pdf(self):
        code = random.choice(self.communes)
        if code:
            self.read(f"/reports/communes/{code}.pdf", "commune PDF")
