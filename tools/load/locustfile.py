"""What one person does on the site, signed in as a demo account: read.

The site runs as in production (DEBUG off, behind an HTTPS proxy), so its cookies are
marked Secure. The load goes over plain HTTP on the loopback, as from nginx to
gunicorn: each user says the proxy's `X-Forwarded-Proto: https` and carries its
session cookie by hand (an HTTP client keeps Secure cookies to itself). The sessions
were opened before the run (sessions.py).
"""

import itertools
import json
import os
import random
import re

from locust import HttpUser, between, task

with open(os.environ["NTM_LOAD_SESSIONS"], encoding="utf-8") as file:
    SESSIONS = itertools.cycle(json.load(file))
COMMUNE = re.compile(r'href="/communes/(\d+)/(?:\?[^"]*)?"')
DOSSIER = re.compile(r'href="/dossiers/(\d+)/"')


class Person(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        session = next(SESSIONS)
        self.client.headers["X-Forwarded-Proto"] = "https"
        self.client.headers["Cookie"] = f"sessionid={session['session']}"
        self.communes = sorted(set(COMMUNE.findall(self.read("/", "dashboard").text))) or [None]
        self.dossiers = sorted(set(DOSSIER.findall(self.read("/dossiers/", "dossier list").text))) or [None]

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
