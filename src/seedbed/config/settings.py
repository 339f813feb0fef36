"""Seedbed settings: read from environment variables only (see `.env.example`).

Safe defaults for local use: SQLite under `var/`, debug off. With ``DJANGO_DEBUG=false`` (the
default) a ``DJANGO_SECRET_KEY`` and a ``SEEDBED_AUDIT_KEY`` are required; Seedbed refuses to
start without them, except for commands that are known to be local (`seedbed demo` sets
``DJANGO_DEBUG=true``).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from seedbed.config.env import env_bool, env_choice, env_int, env_list, env_str
from seedbed.config.logging import logging_config

PROJECT_ROOT = Path(__file__).resolve().parents[3]
VAR_DIR = Path(env_str("SEEDBED_VAR_DIR", str(PROJECT_ROOT / "var")))

DEBUG = env_bool("DJANGO_DEBUG", default=False)

ERROR_NO_SECRET_KEY = "DJANGO_SECRET_KEY is not set: production settings (DJANGO_DEBUG=false) need a secret key of at least 50 random characters"  # noqa: S105


def _secret_key() -> str:
    key = env_str("DJANGO_SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(ERROR_NO_SECRET_KEY)
    # Local development only: a random key kept under var/ so sessions survive restarts.
    path = VAR_DIR / "dev-secret-key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

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
    "django_tasks",
    "django_tasks_db",
    "seedbed.core",
    "seedbed.accounts",
    "seedbed.participation",
    "seedbed.funding",
    "seedbed.trials",
    "seedbed.portfolio",
    "seedbed.library",
    "seedbed.evaluations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "seedbed.core.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "seedbed.core.middleware.RequestLogMiddleware",
    "seedbed.core.middleware.RejectNulMiddleware",
    "seedbed.core.uploads.UploadLimitMiddleware",
    "seedbed.core.middleware.AccessDeniedMiddleware",
]

ROOT_URLCONF = "seedbed.config.urls"
WSGI_APPLICATION = "seedbed.config.wsgi.application"
ASGI_APPLICATION = "seedbed.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "seedbed.core.context.navigation",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": env_int("SEEDBED_SQLITE_TIMEOUT", default=20),
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA foreign_keys=ON;"
        "PRAGMA busy_timeout=20000;"
    ),
}


def _database() -> dict[str, object]:
    url = env_str("DATABASE_URL")
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "seedbed.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),
            "TEST": {"NAME": str(VAR_DIR / "test-seedbed.sqlite3")},
        }
    try:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL we understand: {exc}") from None
    engine = str(config.get("ENGINE", ""))
    if engine.endswith("sqlite3"):
        config["OPTIONS"] = dict(SQLITE_OPTIONS)
    elif not engine.endswith("postgresql"):
        raise ImproperlyConfigured(
            f"DATABASE_URL must point at PostgreSQL (postgres://...) or SQLite (sqlite:///...), not {engine!r}"
        )
    else:
        config["CONN_HEALTH_CHECKS"] = True
        options: dict[str, Any] = dict(config.get("OPTIONS") or {})  # type: ignore[call-overload]
        config["OPTIONS"] = {**options, "connect_timeout": 5}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- people and sign-in ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:account"
LOGOUT_REDIRECT_URL = "core:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("SEEDBED_SIGNIN_FAILURE_LIMIT", default=5)
# Failures for one account from all addresses together that pause it (seedbed.accounts.lockout).
SEEDBED_SIGNIN_ACCOUNT_FAILURE_LIMIT = env_int("SEEDBED_SIGNIN_ACCOUNT_FAILURE_LIMIT", default=20)
AXES_HANDLER = "seedbed.accounts.lockout.AccountLockoutHandler"
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SEEDBED_SIGNIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# The longest life, in days, an API token may be given when it is created (docs/security.md).
SEEDBED_API_TOKEN_MAX_DAYS = env_int("SEEDBED_API_TOKEN_MAX_DAYS", default=365)
if SEEDBED_API_TOKEN_MAX_DAYS < 1:
    raise ImproperlyConfigured("SEEDBED_API_TOKEN_MAX_DAYS must be a whole number of days, at least 1")

# --- front end, static files, security headers ----------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PROJECT_ROOT / "frontend" / "build"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = env_bool("SEEDBED_STATIC_FROM_FINDERS", default=DEBUG)
MEDIA_ROOT = VAR_DIR / "media"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool(
    "DJANGO_BEHIND_TLS_PROXY", default=False
) else None
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = 60 * 60 * 8

# --- language -------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- the shared cache (rate limits and debouncing; seedbed.core.cache) ----------------------
# Every web process must see the same counts: Redis when SEEDBED_REDIS_URL is set (it needs
# the redis package), otherwise the database's own cache table (made by `migrate`).
CACHES: dict[str, dict[str, Any]]
if env_str("SEEDBED_REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": env_str("SEEDBED_REDIS_URL")}}
else:
    CACHES = {"default": {"BACKEND": "seedbed.core.cache.DatabaseCache", "LOCATION": "seedbed_cache",
                          "OPTIONS": {"MAX_ENTRIES": 50000}}}

# --- background work ------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[env_choice("SEEDBED_TASKS_BACKEND", choices=("database", "immediate"), default="database")]
    }
}

# --- logging --------------------------------------------------------------------------------
LOGGING = logging_config(json_output=env_bool("SEEDBED_LOG_JSON", default=not DEBUG),
                         level=env_choice("SEEDBED_LOG_LEVEL", choices=("debug", "info", "warning", "error"), default="info").upper())

# --- Seedbed --------------------------------------------------------------------------------
SEEDBED_COUNCIL_NAME = env_str("SEEDBED_COUNCIL_NAME", "Northfield Council")
SEEDBED_SERVICE_NAME = env_str("SEEDBED_SERVICE_NAME", "Seedbed")
SEEDBED_ALLOW_DEMO_DATA = env_bool("SEEDBED_ALLOW_DEMO_DATA", default=DEBUG)
# Where people report a security vulnerability (/.well-known/security.txt, RFC 9116): a
# mailto: or https: address the council watches, and how many days the file stays valid.
SEEDBED_SECURITY_CONTACT = env_str("SEEDBED_SECURITY_CONTACT", "mailto:security@example.gov.uk")
SEEDBED_SECURITY_TXT_DAYS = env_int("SEEDBED_SECURITY_TXT_DAYS", default=180)
if not SEEDBED_SECURITY_CONTACT.startswith(("mailto:", "https://")):
    raise ImproperlyConfigured("SEEDBED_SECURITY_CONTACT must be a mailto: or https:// address")
if not 1 <= SEEDBED_SECURITY_TXT_DAYS <= 365:
    raise ImproperlyConfigured("SEEDBED_SECURITY_TXT_DAYS must be a whole number of days from 1 to 365")
# The public address used in links inside emails, e.g. https://seedbed.example.gov.uk.
SEEDBED_SITE_URL = env_str("SEEDBED_SITE_URL")
# Named database connections for trial outcome data: name=url;name=url.
SEEDBED_DATA_CONNECTIONS = env_str("SEEDBED_DATA_CONNECTIONS")
# Only when true may a connection read Seedbed's own database (never needed in normal use).
SEEDBED_DATA_CONNECT_APP_DATABASE = env_bool("SEEDBED_DATA_CONNECT_APP_DATABASE", default=False)

# --- the audit chain's key and checkpoints (docs/audit-log.md) -------------------------------
ERROR_NO_AUDIT_KEY = (
    "SEEDBED_AUDIT_KEY is not set: production settings (DJANGO_DEBUG=false) need an audit key "
    "of at least 32 random characters, kept outside the database"
)
ERROR_AUDIT_KEY_SHORT = "SEEDBED_AUDIT_KEY must be at least 32 characters long"
ERROR_AUDIT_KEY_REUSED = "SEEDBED_AUDIT_KEY must differ from DJANGO_SECRET_KEY"
AUDIT_KEY_MIN_LENGTH = 32


def _audit_key() -> str:
    key = env_str("SEEDBED_AUDIT_KEY")
    if key:
        if len(key) < AUDIT_KEY_MIN_LENGTH:
            raise ImproperlyConfigured(ERROR_AUDIT_KEY_SHORT)
        if key == SECRET_KEY:
            raise ImproperlyConfigured(ERROR_AUDIT_KEY_REUSED)
        return key
    if not DEBUG:
        raise ImproperlyConfigured(ERROR_NO_AUDIT_KEY)
    # Local development only: a random key kept under var/, beside (never inside) the database.
    path = VAR_DIR / "dev-audit-key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    return key


# The key every audit entry's MAC is made with; keys retired by rotation (comma-separated)
# still verify older entries. Every Nth entry records a checkpoint (0: only on demand), and
# checkpoints are also appended to SEEDBED_AUDIT_CHECKPOINT_FILE when set.
SEEDBED_AUDIT_KEY = _audit_key()
SEEDBED_AUDIT_PREVIOUS_KEYS = env_list("SEEDBED_AUDIT_PREVIOUS_KEYS", default=[])
SEEDBED_AUDIT_CHECKPOINT_EVERY = env_int("SEEDBED_AUDIT_CHECKPOINT_EVERY", default=100)
SEEDBED_AUDIT_CHECKPOINT_FILE = env_str("SEEDBED_AUDIT_CHECKPOINT_FILE")

# --- uploads --------------------------------------------------------------------------------
# The largest file any form accepts, in MB (seedbed.core.uploads): a bigger multipart request
# is refused before its body is read. Spreadsheets are parsed in a child process limited by
# SEEDBED_PARSE_MEMORY_MB, SEEDBED_PARSE_TIMEOUT_SECONDS and SEEDBED_SHEET_MAX_CELLS, which the
# data engine (seedbed.data.sandbox) reads itself so that the command line obeys them too;
# they are checked here so that a bad value stops the server at start.
SEEDBED_UPLOAD_MAX_MB = env_int("SEEDBED_UPLOAD_MAX_MB", default=20)
if SEEDBED_UPLOAD_MAX_MB < 1:
    raise ImproperlyConfigured("SEEDBED_UPLOAD_MAX_MB must be a whole number of MB, at least 1")
PARSE_MINIMUMS = {"SEEDBED_PARSE_MEMORY_MB": 768, "SEEDBED_PARSE_TIMEOUT_SECONDS": 1,
                  "SEEDBED_SHEET_MAX_CELLS": 1}  # as seedbed.data.sandbox requires
for _name, _minimum in PARSE_MINIMUMS.items():
    if env_int(_name, default=_minimum) < _minimum:
        raise ImproperlyConfigured(f"{_name} must be a whole number of at least {_minimum}")

# --- notifications --------------------------------------------------------------------------
# GOV.UK Notify is used when an API key is set; otherwise Django's email backend.
SEEDBED_NOTIFY_API_KEY = env_str("SEEDBED_NOTIFY_API_KEY")
SEEDBED_NOTIFY_EMAIL_TEMPLATE_ID = env_str("SEEDBED_NOTIFY_EMAIL_TEMPLATE_ID")
EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "seedbed@localhost")
