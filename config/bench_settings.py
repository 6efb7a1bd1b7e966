"""Production settings plus a query counter, for scripts/bench.py and scripts/load.py."""

from .settings import *  # noqa: F403
from .settings import MIDDLEWARE

# Outermost, so it counts the session and user lookups too.
MIDDLEWARE = ["config.querycount.QueryCountMiddleware", *MIDDLEWARE]
