"""Production settings plus a query counter, for tools/bench/bench.py and load.py."""

from config.settings import *  # noqa: F403
from config.settings import MIDDLEWARE

# Outermost, so it counts the session and user lookups too.
MIDDLEWARE = ["tools.bench.querycount.QueryCountMiddleware", *MIDDLEWARE]
