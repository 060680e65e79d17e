"""Settings for Rumah Belajar, read from the environment (and `.env`).

Production is the default: DEBUG off, HTTPS-only cookies, HSTS, a strict Content-Security-Policy.
`make run` opts into what plain-HTTP localhost needs through SECURE_HTTPS=0 in `.env`.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from rumahbelajar.env import envbool, envint, envlist, envstr, load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
# DOTENV_FILE names another file, or none when empty (the suite's production-settings checks).
_dotenv = os.environ.get("DOTENV_FILE", str(BASE_DIR / ".env"))
if _dotenv:
    load_dotenv(Path(_dotenv))

DEBUG = envbool("DEBUG", False)
SECRET_KEY = envstr("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is not set (make run writes a random one to .env)")
    SECRET_KEY = "insecure-development-key-only-with-DEBUG-on"  # noqa: S105
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

# Seed data with known passwords may only be created where this is on (never in production).
DEMO_DATA = envbool("DEMO_DATA", False)
# Public self-signup is off: HR provisions accounts. When on, email verification is mandatory.
ACCOUNT_ALLOW_SIGNUP = envbool("ACCOUNT_ALLOW_SIGNUP", False)
# Staff must set up TOTP before anything else (people.middleware): on in production, where a
# staff account is worth more than a password and an emailed code. Off by default with DEMO_DATA,
# whose staff accounts share a published password and have no authenticator.
MFA_REQUIRED_FOR_STAFF = envbool("MFA_REQUIRED_FOR_STAFF", not DEMO_DATA)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "import_export",
    "rumahbelajar",
    "rumahbelajar.people",
    "notifications",
    "competency",
    "ebooks",
    "training",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Pages that read the session are someone's own: never stored by caches or history.
    "rumahbelajar.middleware.PrivatePagesMiddleware",
    "rumahbelajar.middleware.IndonesianFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "rumahbelajar.people.middleware.SessionIdleTimeoutMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "rumahbelajar.people.middleware.StaffMfaRequiredMiddleware",
    # Last: the loaded person replaces the lazy proxy around it for the view and its templates.
    "rumahbelajar.people.middleware.PersonMiddleware",
]

ROOT_URLCONF = "rumahbelajar.urls"
WSGI_APPLICATION = "rumahbelajar.wsgi.application"

TEMPLATES = [
    {
        # Django's, with our `i18n` library known as deliberate (rumahbelajar/templates_backend.py).
        "BACKEND": "rumahbelajar.templates_backend.DjangoTemplates",
        "NAME": "django",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # `{% load i18n %}` loads Django's library with constant `{% translate %}` messages
            # kept per language (rumahbelajar/templatetags/i18n_kept.py).
            "libraries": {"i18n": "rumahbelajar.templatetags.i18n_kept"},
            # `{% url %}` with constant arguments kept per process (rumahbelajar/templatetags/url_kept.py).
            "builtins": ["rumahbelajar.templatetags.url_kept"],
        },
    },
]
# Django's form templates, the smallest of them written in Python (rumahbelajar/forms_renderer.py).
FORM_RENDERER = "rumahbelajar.forms_renderer.FormRenderer"

# --- Data -------------------------------------------------------------------------------------
DATABASE_URL = envstr("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rumahbelajar")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=envint("DB_CONN_MAX_AGE", 600, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(f"DATABASE_URL must point at PostgreSQL, not {DATABASE_URL!r}")
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = envint("DB_CONNECT_TIMEOUT", 5)
# Server-side parameters and prepared statements: every page runs the same few queries, and
# PostgreSQL spent as long planning them as running them (profiled: about half of the database's
# CPU on the dashboard). psycopg prepares a query on a connection after it has run
# DB_PREPARE_THRESHOLD times there. 0 turns both off: Django's default, client-side binding, for a
# pooler that cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
# A queryset's .iterator() (every model choice list a form renders: the report filters, the
# learning-log form) opened a server-side cursor WITH HOLD in autocommit: DECLARE, FETCH and CLOSE
# round trips and a materialised result for a dozen rows (profiled: 3.7 ms a report filter). The
# one long iteration (the SIASN export, a year of one HR's units) reads its rows in one result.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DB_PREPARE_THRESHOLD = envint("DB_PREPARE_THRESHOLD", 2, minimum=0)
if DB_PREPARE_THRESHOLD:
    DATABASES["default"]["OPTIONS"].update(
        server_side_binding=True, prepare_threshold=DB_PREPARE_THRESHOLD
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = envstr("REDIS_URL", "redis://127.0.0.1:6379/0")
if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL must be a redis:// URL, not {REDIS_URL!r}")
CACHES = {
    "default": {
        "BACKEND": "rumahbelajar.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "rb",
        "TIMEOUT": 300,
        # Fail fast when Redis is away: a cache error is a miss (rumahbelajar.cache), and after
        # one the process leaves Redis alone for a few seconds, so an outage costs milliseconds.
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 1},
    }
}
# PostgreSQL is the record of a session, Redis its cache: a session survives a Redis restart and
# is read from the database while Redis is away. Written only when it changes (at login, logout
# and when the idle clock moves, at most every 5 minutes): never on every request.
SESSION_ENGINE = "rumahbelajar.sessions"
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_AGE = 60 * 60 * 12
# A logged-in session left alone this long ends (people.middleware.SessionIdleTimeoutMiddleware):
# office PCs are shared. The clock is written at most every few minutes, not on every request.
SESSION_IDLE_SECONDS = envint("SESSION_IDLE_SECONDS", 30 * 60, minimum=60)

MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Uploaded files are private: there is deliberately no MEDIA_URL route; views stream them after a
# permission check.
MEDIA_URL = "/media-not-served/"
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/pdfjs", BASE_DIR / "node_modules" / "pdfjs-dist" / "build"),
    # Older phone browsers lack what the modern build needs; the reader falls back to this one.
    ("vendor/pdfjs-legacy", BASE_DIR / "node_modules" / "pdfjs-dist" / "legacy" / "build"),
]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    },
    "staticfiles": {"BACKEND": "rumahbelajar.staticstorage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads stream to a temporary file
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
EMPLOYEE_IMPORT_MAX_BYTES = envint("EMPLOYEE_IMPORT_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)

# --- People and login -------------------------------------------------------------------------
AUTH_USER_MODEL = "people.User"
# allauth's backend first: it finds people by email (any case) or NIP. Django's own stays for code
# that names it; both are reached only through allauth's rate-limited forms (the admin has none).
AUTHENTICATION_BACKENDS = [
    # allauth's, loading the person's unit and position with them (one query less per page).
    "rumahbelajar.people.backends.AuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

# Login by email or NIP: allauth's "username" login method looks people up by the NIP field.
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = "nip"
ACCOUNT_USERNAME_VALIDATORS = "rumahbelajar.people.validators.username_validators"
ACCOUNT_USERNAME_MIN_LENGTH = 18
ACCOUNT_FORMS = {
    "login": "rumahbelajar.people.auth.LoginForm",
    "signup": "rumahbelajar.people.auth.SignupForm",
}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
# Signup opens only with mandatory verification; the adapter re-checks both per request.
ACCOUNT_EMAIL_VERIFICATION = "mandatory" if ACCOUNT_ALLOW_SIGNUP else "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# HR-provisioned people have no password yet: they set one by reset link or log in by code.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# A reset link (allauth's reset by key uses Django's token generator) works this long, not
# Django's three days: a mailbox read later, or by someone else, should not hold a way in.
PASSWORD_RESET_TIMEOUT = envint("PASSWORD_RESET_TIMEOUT", 60 * 60, minimum=5 * 60)
# HR owns email addresses (the admin, the import): there is no self-service email page
# (people/urls.py), and allauth's change-email flow stays off.
ACCOUNT_CHANGE_EMAIL = False
ACCOUNT_ADAPTER = "rumahbelajar.people.adapters.AccountAdapter"
ACCOUNT_USER_DISPLAY = "rumahbelajar.people.adapters.user_display"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Rumah Belajar] "
# allauth's rate limits, counted in the Redis cache (CACHES["default"]), so every web process
# shares them; while Redis is away each process counts in its own memory (rumahbelajar.cache). Failed logins: 5 per account (email or NIP) per 5 minutes, 10 per IP per minute;
# the rest keep allauth's defaults.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/300s/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Rumah Belajar"

# --- Competency maps --------------------------------------------------------------------------
# Mapping bands (pemetaan): JPM >= optimal: Optimal; >= cukup_optimal: Cukup Optimal; else Kurang Optimal.
COMPETENCY_JPM_BANDS = {"optimal": 90, "cukup_optimal": 78}
# Employees per transaction when maps are recomputed in bulk (memory stays flat at any size).
COMPETENCY_BULK_CHUNK = envint("COMPETENCY_BULK_CHUNK", 5000, minimum=1)

# Requests per minute each results-API token may make (a fixed window; 429 with Retry-After
# past it). Generous: an assessment system pushes a whole session's results in bursts.
API_RATE_LIMIT_PER_MINUTE = envint("API_RATE_LIMIT_PER_MINUTE", 1200, minimum=1)

# --- E-books ----------------------------------------------------------------------------------
EBOOK_MAX_UPLOAD_BYTES = envint("EBOOK_MAX_UPLOAD_BYTES", 250 * 1024 * 1024, minimum=1024)
# When a proxy (nginx) serves the private files, views answer with X-Accel-Redirect to this prefix.
EBOOK_X_ACCEL_REDIRECT_PREFIX = envstr("EBOOK_X_ACCEL_REDIRECT_PREFIX", "")

# --- Trainings ---------------------------------------------------------------------------------
# People with an assigned training are reminded this many days before its due date or start.
TRAINING_REMINDER_DAYS = envint("TRAINING_REMINDER_DAYS", 3, minimum=0)
# How long a registration waits for the training's row lock before answering "try again".
TRAINING_LOCK_TIMEOUT_MS = envint("TRAINING_LOCK_TIMEOUT_MS", 5000, minimum=100)
# The yearly JP target of PPPK employees in the JP compliance report (PNS: 20 JP, PP 11/2017).
TRAINING_JP_TARGET_PPPK = envint("TRAINING_JP_TARGET_PPPK", 20, minimum=0)
# Certificates (e-sertifikat): the number pattern ({year}, {seq}: the year's running number, without
# gaps), the issuer printed when a training has no organising unit, and the signer.
CERTIFICATE_NUMBER_PATTERN = envstr("CERTIFICATE_NUMBER_PATTERN", "RB/{year}/{seq:06d}")
try:
    _sample = CERTIFICATE_NUMBER_PATTERN.format(year=2026, seq=1)
except (KeyError, IndexError, ValueError) as _error:
    raise ImproperlyConfigured(
        f"CERTIFICATE_NUMBER_PATTERN={CERTIFICATE_NUMBER_PATTERN!r}: {_error!r}"
    ) from None
if "{seq" not in CERTIFICATE_NUMBER_PATTERN or len(_sample) > 60:
    raise ImproperlyConfigured("CERTIFICATE_NUMBER_PATTERN must hold {seq} and stay short")
CERTIFICATE_ISSUER = envstr("CERTIFICATE_ISSUER", "BPSDM Hukum dan HAM")
CERTIFICATE_SIGNER_NAME = envstr("CERTIFICATE_SIGNER_NAME", "")
CERTIFICATE_SIGNER_POSITION = envstr("CERTIFICATE_SIGNER_POSITION", "")
# Whether an approved learning-log activity report also gets a certificate (issued with the
# approval, once per report). Off by default: the agency decides whether it certifies activities
# it did not organise itself.
CERTIFICATES_FOR_ACTIVITIES = envbool("CERTIFICATES_FOR_ACTIVITIES", False)
# Public verification (/verify/<code>/): lookups per client IP per minute.
CERTIFICATE_VERIFY_PER_MINUTE = envint("CERTIFICATE_VERIFY_PER_MINUTE", 30, minimum=1)

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# --- Security ---------------------------------------------------------------------------------
SECURE_HTTPS = envbool("SECURE_HTTPS", True)
SECURE_SSL_REDIRECT = SECURE_HTTPS and not DEBUG
# Probes (a load balancer, docker-compose's health check) ask over plain HTTP from inside.
SECURE_REDIRECT_EXEMPT = [r"^livez$", r"^healthz$"]
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000 if SECURE_HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# The header only allows a later submission to the browsers' preload list; nothing is sent.
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS >= 31536000)
BEHIND_TLS_PROXY = envbool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Per-IP rate limits must count the client, not the proxy: trust exactly that many hops of
# X-Forwarded-For, never more (a client could forge the rest).
ALLAUTH_TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 1 if BEHIND_TLS_PROXY else 0, minimum=0)
# gunicorn binds $PORT; a typo should stop the start here rather than at bind time.
PORT = envint("PORT", 8000, minimum=1)
if PORT > 65535:
    raise ImproperlyConfigured(f"PORT={PORT} is not a TCP port (1-65535)")
# Absolute links in emails and certificates (the verification URL in their QR code), e.g.
# https://rumahbelajar.example.go.id. The demo (make run) defaults to its own local address.
SITE_URL = envstr("SITE_URL", "").rstrip("/") or (f"http://127.0.0.1:{PORT}" if DEMO_DATA else "")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    # The TOTP set-up page shows its QR code as a data: SVG.
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Email (Django 6.1 MAILERS) ----------------------------------------------------------------
_EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
_EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
if _EMAIL_USE_TLS and _EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on")
_EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKEND,
        "OPTIONS": (
            {
                "host": envstr("EMAIL_HOST", "localhost"),
                "port": envint("EMAIL_PORT", 25, minimum=1),
                "username": envstr("EMAIL_HOST_USER", ""),
                "password": envstr("EMAIL_HOST_PASSWORD", ""),
                "use_tls": _EMAIL_USE_TLS,
                "use_ssl": _EMAIL_USE_SSL,
                "timeout": envint("EMAIL_TIMEOUT", 10, minimum=1),
            }
            if _EMAIL_BACKEND.endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Rumah Belajar <noreply@rumahbelajar.id>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------------------------
# Empty (as .env.example lists it) means REDIS_URL too.
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", "") or REDIS_URL
CELERY_TASK_ACKS_LATE = True
# A task whose worker process dies (OOM, a crash in a parser, SIGKILL) is sent again as a retry,
# the count travelling in the message: past the task's max_retries it fails instead of killing
# worker after worker forever. Each task states its bound (docs/architecture.md, "Tasks"): the
# sweeps 0 (their next run is the retry), recomputes and emails a few, imports also count their
# attempts in PostgreSQL. Rejecting back to the queue stays only for when sending that retry fails.
CELERY_TASK_RETRY_ON_WORKER_LOST = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# Longer than any task's time limit, so a slow task is never handed to a second worker meanwhile.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that saves a result must not hang when Redis is down: publishing gives up fast,
# the result is already committed and its map is marked stale, and the beat sweep catches up.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 250_000  # KiB; keeps a worker process under its memory bar
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "competency-sweep-stale-maps": {
        "task": "competency.sweep_stale_maps",
        # STALE_MAPS_SWEEP_SECONDS: how often (the drills shorten it; production keeps 60).
        "schedule": envint("STALE_MAPS_SWEEP_SECONDS", 60, minimum=5),
        # Sweeps queued while no worker ran are pointless once the next one is due.
        "options": {"expires": 55},
    },
    # Every import (rumahbelajar.imports): jobs whose task was lost or whose worker died are
    # queued again, old jobs and their files deleted.
    "imports-sweep": {
        "task": "imports.sweep",
        # IMPORTS_SWEEP_SECONDS: how often (the drills shorten it; production keeps 5 minutes).
        "schedule": envint("IMPORTS_SWEEP_SECONDS", 5 * 60, minimum=10),
        "options": {"expires": 4 * 60},
    },
    "ebooks-delete-orphan-files": {
        "task": "ebooks.delete_orphan_files",
        "schedule": crontab(hour=2, minute=30),
    },
    "training-send-jp-digest": {
        "task": "training.send_jp_digest",
        "schedule": crontab(minute=0, hour=8, day_of_month=1),
    },
    # HR admins and supervisors: their people's JP compliance and largest gaps (opt-out per
    # person: the "monthly_summary" kind at /notifications/).
    "training-send-monthly-summaries": {
        "task": "training.send_monthly_summaries",
        "schedule": crontab(minute=30, hour=8, day_of_month=1),
    },
    # Certificates whose PDF task was lost, completions without a certificate.
    "training-sweep-certificates": {
        "task": "training.sweep_certificates",
        "schedule": 5 * 60,
        "options": {"expires": 4 * 60},
    },
    "training-send-reminders": {
        "task": "training.send_reminders",
        "schedule": crontab(minute=0, hour=7),
    },
    # Sessions live in PostgreSQL (cached_db): expired rows are deleted nightly.
    "sessions-clear-expired": {
        "task": "sessions.clear_expired",
        "schedule": crontab(hour=3, minute=15),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = envstr(
    "CELERY_BEAT_SCHEDULE_FILENAME", str(BASE_DIR / "var" / "celerybeat-schedule")
)

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # fpdf2 subsets the certificate font with fontTools, which logs every table at INFO.
        "fontTools": {"level": "WARNING"},
    },
}

# --- Employee import --------------------------------------------------------------------------
# Files above this many data rows are refused (EMPLOYEE_IMPORT_MAX_BYTES above bounds the size).
EMPLOYEE_IMPORT_MAX_ROWS = envint("EMPLOYEE_IMPORT_MAX_ROWS", 200_000, minimum=1)

# Every import (rumahbelajar.imports). A job left in a worker state this long is queued again by
# the sweep (a live worker holds its lock, so nothing runs twice); a job whose worker died this
# many times is failed instead of being redelivered forever.
IMPORT_STALLED_MINUTES = envint("IMPORT_STALLED_MINUTES", 5, minimum=1)
IMPORT_MAX_ATTEMPTS = envint("IMPORT_MAX_ATTEMPTS", 3, minimum=1)
# Jobs and their uploaded files (personal data) are deleted after this many days; e-book import
# reports (no personal data, the uploads are deleted as they go) are kept longer.
IMPORT_KEEP_DAYS = envint("IMPORT_KEEP_DAYS", 7, minimum=1)
EBOOK_IMPORT_KEEP_DAYS = envint("EBOOK_IMPORT_KEEP_DAYS", 30, minimum=1)
# An XLSX whose zip entries would inflate past this (each; four times this in all), or by more
# than the ratio, is refused before openpyxl reads it (a zip bomb).
IMPORT_XLSX_MAX_ENTRY_BYTES = envint(
    "IMPORT_XLSX_MAX_ENTRY_BYTES", 256 * 1024 * 1024, minimum=1024 * 1024
)
IMPORT_XLSX_MAX_RATIO = envint("IMPORT_XLSX_MAX_RATIO", 100, minimum=10)
