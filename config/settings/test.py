"""Tests: development's settings, made fast and isolated."""

import os
import tempfile

import jinja2

from .dev import *  # noqa: F403

# Django's default hasher costs ~0.3 s a hash here; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Every test client is 127.0.0.1, so rate limits would trip across the suite;
# the tests about rate limits switch them back on.
ACCOUNT_RATE_LIMITS = False
# Check the catalog version on every request, so each test sees its own catalog.
CATALOG_CHECK_SECONDS = 0
# A template that names something its context lacks fails the test, instead of
# rendering an empty string.
TEMPLATES[0]["OPTIONS"]["undefined"] = jinja2.StrictUndefined  # noqa: F405
# Serve static files straight from the app folders, with no collectstatic run.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# SQLite tests run on a file, not in memory, so the live server's threads each get their
# own connection and concurrency tests meet real locking (WAL, IMMEDIATE, busy timeout).
# Test databases are named per process, so two test runs on one machine never collide.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"gradient-test-{os.getpid()}.sqlite3")
    }
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_gradient_{os.getpid()}"}  # noqa: F405
