"""Gradient's settings, by environment (cookiecutter-django's layout): base.py, and
dev.py, prod.py and test.py on top of it.

`DJANGO_SETTINGS_MODULE=config.settings`, which manage.py, wsgi.py and asgi.py set,
chooses by DJANGO_DEBUG as Gradient always has: a checkout with nothing set develops, and
DJANGO_DEBUG=false is production. pytest uses config.settings.test.
"""

from .base import env_bool

if env_bool("DJANGO_DEBUG", True):
    from .dev import *  # noqa: F403
else:
    from .prod import *  # noqa: F403
