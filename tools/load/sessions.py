"""Signed-in sessions for the load's users, opened before the clock starts.

A real sign-in hashes the password on purpose slowly (PBKDF2, about a second of CPU):
fifty people arriving in the same second would measure the hash, not the pages. People
sign in once a day and then read, so each simulated person gets a session the way
Django's test client opens one (`force_login`), for the demo accounts in turn.
"""

import json
import os
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

ACCOUNTS = ["dieuphoi", "lanhdao", "phongkt", "phongnn", "xa_danly", "xa_thothe"]


def write_sessions() -> None:
    """One session per user of the run (NTM_LOAD_USERS), keys written to NTM_LOAD_SESSIONS."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=ACCOUNTS)}
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    keys = []
    for n in range(int(os.environ["NTM_LOAD_USERS"])):
        user = users[ACCOUNTS[n % len(ACCOUNTS)]]
        session = store_class()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append({"username": user.username, "session": session.session_key})
    with open(os.environ["NTM_LOAD_SESSIONS"], "w", encoding="utf-8") as file:
        json.dump(keys, file)
