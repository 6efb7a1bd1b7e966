"""What every Gradient setting module shares (dev, prod and test add to it).

Driven by environment variables, each with a default, so a checkout runs with nothing
set. What differs between development and production (debug, the secret key, hosts,
HTTPS and its cookies, static file storage) is in dev.py and prod.py.
"""

import os
from pathlib import Path
from typing import Any, Literal

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[2]


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "django_htmx",
    "csp",
    "catalog",
    "tracker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost of ours, so every response (a 503 included) and every log line written
    # while serving it carries the request's id.
    "config.middleware.RequestIDMiddleware",
    # Outside the 503 handler, so the 503 page carries the policy too.
    "csp.middleware.CSPMiddleware",
    # Outside everything that touches the database (sessions, auth, messages, views).
    "config.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compress to a sixth; static files come pre-compressed from whitenoise.
    # (BREACH: Django masks the CSRF token differently in every response.)
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.PrivatePagesMiddleware",
    "config.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before any view or CSRF check reads the body (see the class for why).
    "config.middleware.UnreadableBodyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES: list[dict[str, Any]] = [
    {
        # Gradient's own pages, fragments and mails (tracker/templating.py says why Jinja2).
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "tracker.templating.environment",
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tracker.templating.csrf",
                "tracker.templating.navigation",
            ],
        },
    },
    {
        # Django admin's and allauth's own templates, and our overrides of allauth's.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates" / "django"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite by default, anything dj-database-url understands via DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A web server sends concurrent requests: WAL lets readers run beside a writer,
    # IMMEDIATE takes the write lock at BEGIN (so a transaction never fails to upgrade
    # a read lock half-way), and the timeout makes writers queue instead of failing.
    # The connection is kept between requests, as on PostgreSQL: opening the file, running
    # these pragmas and reading the schema again cost ~1.4 ms a request (docs/performance.md).
    # Between requests it holds no transaction, so it never keeps the WAL from a checkpoint.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "tracker.User"

CACHES = {
    "default": {
        # Shared by every server process, so allauth's rate limits count across workers.
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "gradient_cache",
    }
}
if env("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("REDIS_URL"),
    }

# How often a server process asks whether the catalog changed (see catalog/snapshot.py).
CATALOG_CHECK_SECONDS = float(env("DJANGO_CATALOG_CHECK_SECONDS", "1"))

# Django's own sessions, in the database; with Redis, cached there in front of it
# (a cache every server process shares, so signing out ends the session everywhere).
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if env("REDIS_URL")
    else "django.contrib.sessions.backends.db"
)
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Accounts (django-allauth)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/dashboard/"
# A new learner sets a goal first (unless the sign-up carried a `next`, which allauth
# follows instead: a mentor's invite, say).
ACCOUNT_SIGNUP_REDIRECT_URL = "/goal/"
# With mandatory verification (production with mail), confirming the address in the
# browser that signed up signs the newcomer in and carries on where the sign-up was going
# (the goal page, or the invite they came from); without it they were sent to the login
# page and the invite was lost. allauth does it only for the session that signed up.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# Written out rather than left to allauth's defaults, so a reviewer sees them and an
# upgrade cannot loosen them. They count in the default cache, which every server
# process shares (the database cache, or Redis with REDIS_URL); a per-process cache
# would multiply every limit by the number of workers. "key" is the login or address.
ACCOUNT_RATE_LIMITS: dict[str, str] | Literal[False] = {
    "login": "30/m/ip",  # every login POST, per client address
    "login_failed": "10/m/ip,5/5m/key",  # the sixth wrong password in 5 minutes is refused
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",  # reset mails asked for, per address and per email
    "reset_password_from_key": "20/m/ip",  # guesses at the link's key
    "confirm_email": "1/3m/key",  # verification mails resent to one address
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}

# Email: printed to the console until an SMTP host is configured; then verification is
# mandatory, because only then can a new user actually receive the message.
EMAIL_HOST = env("DJANGO_EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(env("DJANGO_EMAIL_PORT", "587"))
    EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", True)
    ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    # Sign-up with a taken address answers like any other ("check your mail") and mails
    # the owner instead of making an account; reset and login answer the same either way.
    ACCOUNT_PREVENT_ENUMERATION: bool | Literal["strict"] = True
else:
    EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    ACCOUNT_EMAIL_VERIFICATION = "optional"
    # With no mail to send, allauth can hide whether an address is taken only by letting
    # sign-up go through: a second account may then carry the same, unverified address.
    # The existing account is untouched, and a verified address stays unique.
    ACCOUNT_PREVENT_ENUMERATION = "strict"
# Absolute links in mail (there is no request to build them from).
SITE_URL = env("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "Gradient <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en"
TIME_ZONE = env("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Plain files while developing; hashed names and compressed copies in production.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Security. HTTPS and its cookies are strict in production and off while developing
# (secure_defaults, below); the proxy header is opt-in because trusting it behind no
# proxy would let any client claim HTTPS.
SESSION_COOKIE_HTTPONLY = True
# No script needs the CSRF cookie: templates put the token in forms and, for htmx, in
# <body hx-headers>, so it can be hidden from JavaScript as well.
CSRF_COOKIE_HTTPONLY = True
# Load balancers probe instances over plain HTTP; a redirect would read as "down".
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp 4): only this site's own files run, style or load.
# Templates carry no inline <script>, style= or on*= attributes (tests/test_security.py
# checks every page), and htmx is told not to inject styles or eval (base.html).
# data: images: browsers and widgets draw small icons as data: URLs; they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Request bodies. Django refuses (400) a form body over this size, not counting
# uploaded files; the biggest legitimate forms (a 20,000-character note, a project
# with 20 metric rows) are far smaller. Image uploads are limited by their form
# (tracker/portfolio/images.py and forms.py); cap the whole body at the proxy too (nginx
# client_max_body_size).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # 2.5 MB, Django's default, stated on purpose
# A project form with every row and the whole catalog ticked stays under 600 fields.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
# No form takes more than a few files at once; past this the request is answered 400.
DATA_UPLOAD_MAX_NUMBER_FILES = 10
# Uploaded files stay in memory, never in a temporary file that a worker killed on
# gunicorn's timeout would leave behind. Of each file at most this many bytes (+1) are
# kept, enough for its form to refuse it as too large: every form's limit is within it.
FILE_UPLOAD_HANDLERS = ["config.uploads.MemoryUploadHandler"]
UPLOAD_MAX_FILE_BYTES = 5 * 1024 * 1024

# Every line names the request it was written for (the X-Request-ID response header;
# "-" outside a request), see config/middleware.py. Django's own loggers lose the
# handlers Django gives them and propagate to the root's, so no line is printed without
# the id or printed twice.
LOG_LEVEL = env("DJANGO_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.middleware.RequestIDFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
    },
}


def secure_defaults(*, production: bool) -> dict[str, Any]:
    """HTTPS, HSTS and secure cookies: on in production, off while developing; each one
    can be changed from the environment."""
    cookies = env_bool("DJANGO_SECURE_COOKIES", production)
    return {
        "SESSION_COOKIE_SECURE": cookies,
        "CSRF_COOKIE_SECURE": cookies,
        "SECURE_SSL_REDIRECT": env_bool("DJANGO_SECURE_SSL_REDIRECT", production),
        "SECURE_HSTS_SECONDS": int(
            env("DJANGO_SECURE_HSTS_SECONDS", "31536000" if production else "0")
        ),
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": env_bool(
            "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", production
        ),
        "SECURE_HSTS_PRELOAD": env_bool("DJANGO_SECURE_HSTS_PRELOAD", production),
    }
