"""Production: debug off, a secret key required, HTTPS and secure cookies by default,
static files with hashed names and compressed copies."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import STORAGES, env, env_list, secure_defaults

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set. With DJANGO_DEBUG off Gradient needs a secret key: "
        "set DJANGO_SECRET_KEY to a long random string "
        '(python -c "import secrets; print(secrets.token_urlsafe(50))").'
    )
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
globals().update(secure_defaults(production=True))
