"""Development: debug on, a fixed development key, local hosts, plain HTTP."""

from .base import *  # noqa: F403
from .base import env, env_list, secure_defaults

DEBUG = True
SECRET_KEY = env(
    "DJANGO_SECRET_KEY", "django-insecure-development-only-key-do-not-use-in-production"
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
globals().update(secure_defaults(production=False))
