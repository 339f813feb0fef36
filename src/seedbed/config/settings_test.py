"""Test settings: the production settings with what only a test run needs changed."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("SEEDBED_AUDIT_KEY", "test-only-audit-key-" + "k" * 40)
os.environ.setdefault("SEEDBED_ALLOW_DEMO_DATA", "true")
os.environ.setdefault("SEEDBED_TASKS_BACKEND", "immediate")

from seedbed.config.settings import *  # noqa: F403

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Argon2 (the production hasher, checked in tests/accounts) is slow by design; tests that do
# not test hashing use a fast one.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# One test database per test run, so several runs on one machine (or one server) never
# drop each other's database. pytest-xdist adds its own per-worker suffix on top.
_run_id = os.environ.setdefault("SEEDBED_TEST_RUN_ID", str(os.getpid()))
if str(DATABASES["default"]["ENGINE"]).endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-seedbed-{_run_id}.sqlite3")}  # noqa: F405
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_seedbed_{_run_id}"}  # noqa: F405
# Checkpoints stay in the (per-run) test database; nothing is appended to a file.
SEEDBED_AUDIT_CHECKPOINT_FILE = ""
