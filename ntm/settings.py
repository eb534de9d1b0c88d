"""Settings for NTM Tracker.

Everything that differs between a laptop and an office server comes from the
environment (see .env.example). With no configuration the app runs in DEBUG on
SQLite under var/, which is what `make run` and `make test` use.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        # A guessable key in production would let anyone forge sessions.
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment or in .env "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "simple_history",
    "import_export",
    "django_tasks",
    "django_tasks_db",
    "communes",
    "jobs",
    "criteria",
    "dossiers",
    "reports",
    "notifications",
    "meetings",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ntm.lib.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After whitenoise: static files keep their long cache and need no policy.
    "csp.middleware.CSPMiddleware",
    "ntm.lib.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ntm.lib.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which reads the form: an upload is allowed, or refused,
    # before its body is read (ntm/lib/uploads.py).
    "ntm.lib.uploads.UploadMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ntm.lib.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ntm.urls"
WSGI_APPLICATION = "ntm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ntm.lib.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ntm.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Local memory by default (one process); several processes share one backend, for
# example CACHE_URL=redis://cache:6379/1 or pymemcache://cache:11211.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out user before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "ntm.lib.accounts.NotShippedPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reports:dashboard"
LOGOUT_REDIRECT_URL = "login"

# django-axes: after AXES_FAILURE_LIMIT failures, lock that username from that
# address. Not the username everywhere: a stranger typing wrong passwords for
# `admin` would lock the real administrator out. Not the address alone: a
# district office reaches the app through one NAT address, and one person's
# typos would lock out every colleague. Behind the reverse proxy the address is
# the one the proxy saw (ntm.lib.accounts.client_ip).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "ntm.lib.accounts.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

# History (django-simple-history): the reason of a change is the person's own words (a
# return comment, "thay mặt xã", an override), kept whole for the audit page; the
# library's default is 100 characters, which PostgreSQL refuses to exceed.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Language, time and formats: Vietnamese first; dates as dd/mm/yyyy.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["ntm.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
# Every file the app keeps (evidence, saved reports): on the local disk under
# MEDIA_ROOT (outside the static root, never served directly: downloads go through
# views that check access), or with MEDIA_STORAGE=s3 in an S3-compatible bucket
# (django-storages). Code reaches them only through Django's storage API.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="local")
if MEDIA_STORAGE == "local":
    # Writes under a temporary name and links the complete file into place.
    MEDIA_BACKEND = {"BACKEND": "ntm.lib.storage.AtomicFileSystemStorage"}
elif MEDIA_STORAGE == "s3":
    MEDIA_BACKEND = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "access_key": env.str("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default=None),
            "region_name": env.str("AWS_S3_REGION_NAME", default=None),
            # A prefix inside the bucket, when the bucket is shared.
            "location": env.str("AWS_LOCATION", default=""),
            # "path" for most self-hosted servers (SeaweedFS, MinIO), "virtual" for AWS.
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default=None),
            "signature_version": env.str("AWS_S3_SIGNATURE_VERSION", default="s3v4"),
            # Like the disk: a name is never written twice (names are random anyway).
            "file_overwrite": False,
            "default_acl": None,
        },
    }
else:
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be 'local' or 's3', not {MEDIA_STORAGE!r}.")
STORAGES = {
    "default": MEDIA_BACKEND,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads: one file at most UPLOAD_MAX_MB, the files of one form together at most
# UPLOAD_MAX_REQUEST_MB; the server stops reading a body past either (ntm/lib/uploads.py).
# Keep nginx's client_max_body_size at UPLOAD_MAX_REQUEST_MB + 1 (deploy/nginx.conf).
UPLOAD_MAX_MB = env.int("UPLOAD_MAX_MB", default=50)
UPLOAD_MAX_REQUEST_MB = env.int("UPLOAD_MAX_REQUEST_MB", default=200)
FILE_UPLOAD_HANDLERS = [
    "ntm.lib.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Bodies being received are kept here, on this server's disk; `check_documents
# --clean-temporaries` (run at start-up) removes what a killed worker left.
FILE_UPLOAD_TEMP_DIR = env.path("UPLOAD_TEMP_DIR", default=VAR_DIR / "tmp" / "uploads")
# Django checks at start-up that the directory exists (files.E001).
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
FILE_UPLOAD_TEMP_DIR = str(FILE_UPLOAD_TEMP_DIR)

# Mail: notices of workflow steps and task reminders. With no EMAIL_HOST, mail is
# printed on the console.
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ntm-tracker@localhost")
# The address people open the app at, for links in emails (mail is sent with no request
# to take it from; e.g. https://ntm.example.gov.vn).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# How many days before a deadline `notify_deadlines` warns (and again the day before).
DEADLINE_NOTICE_DAYS = env.int("DEADLINE_NOTICE_DAYS", default=7)

# Spreadsheet imports (units, scores): a file is measured against these before any
# row is built, so a bad file is refused in seconds and bounded memory.
IMPORT_MAX_MB = env.int("IMPORT_MAX_MB", default=20)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=250_000)
IMPORT_MAX_CELL_CHARS = env.int("IMPORT_MAX_CELL_CHARS", default=2_000)
# An .xlsx keeps its texts in one shared table that must be read whole: its budget.
IMPORT_MAX_SHARED_STRINGS_MB = env.int("IMPORT_MAX_SHARED_STRINGS_MB", default=16)
# What an .xlsx may unpack to (it is a zip): a small file must not hide a huge sheet.
IMPORT_MAX_UNZIPPED_MB = env.int("IMPORT_MAX_UNZIPPED_MB", default=256)

# Background work (django-tasks, database backend): `manage.py db_worker` runs the
# queue, on the same database as the site (SQLite in development, PostgreSQL with
# several workers in production). `make run` starts one worker beside the server.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Files with more data rows than this import in the background, with their progress on a
# page; smaller ones are previewed and confirmed within the request, as always.
BACKGROUND_IMPORT_ROWS = env.int("BACKGROUND_IMPORT_ROWS", default=5_000)
# Days a finished background job (its result and its file) is kept; `prune_jobs` removes
# older ones, and `make run` runs it before the worker starts.
JOBS_KEEP_DAYS = env.int("JOBS_KEEP_DAYS", default=7)
# Seconds a running job may go without a sign of life from its worker (it reports its
# progress at least every few seconds) before its page tells it was interrupted.
JOBS_STALE_AFTER = env.int("JOBS_STALE_AFTER", default=300)

# Security. Production (DEBUG off) is HTTPS behind a reverse proxy; every
# setting that `check --deploy` asks for is on there and can be relaxed by env.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
BEHIND_PROXY = not DEBUG and env.bool("BEHIND_PROXY", default=True)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): pages load scripts, styles, images and fonts
# from this site only, and run no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
    }
}
# Browser features no page uses (ntm.lib.middleware.SecurityHeadersMiddleware).
PERMISSIONS_POLICY = [
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "usb",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Mail (password reset): the console by default, SMTP from the environment in production.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="NTM Tracker <ntm@localhost>")
# A reset link works once and for this long.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 24)

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
