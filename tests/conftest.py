import os
import shutil
import tempfile

import pytest

# Playwright's sync API runs an event loop in the test thread; Django refuses
# ORM calls from such threads unless told the tests know what they do.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

MEDIA_ROOT = tempfile.mkdtemp(prefix="ntm-test-media-")
UPLOAD_TEMP_DIR = tempfile.mkdtemp(prefix="ntm-test-upload-bodies-")


def pytest_configure(config):
    from django.conf import settings

    # Every persona is created with a password; the production hasher is slow on
    # purpose, and would spend most of the suite's time hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Uploads and saved reports made by tests never land in the developer's var/ (nor do
    # the upload bodies Django receives into temporary files).
    settings.MEDIA_ROOT = MEDIA_ROOT
    settings.FILE_UPLOAD_TEMP_DIR = UPLOAD_TEMP_DIR
    # Whatever .env says (MEDIA_STORAGE=s3): tests never write to a real bucket. The object
    # storage tests start a server of their own.
    local = {"BACKEND": "ntm.lib.storage.AtomicFileSystemStorage"}
    settings.STORAGES = {**settings.STORAGES, "default": local}


def pytest_unconfigure(config):
    shutil.rmtree(MEDIA_ROOT, ignore_errors=True)
    shutil.rmtree(UPLOAD_TEMP_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: a test database rolled back on SQLite hands
    out the same history ids again, so a data version seen by one test can recur in the
    next with other data behind it."""
    from django.core.cache import cache

    cache.clear()
