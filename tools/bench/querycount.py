"""Counts the database queries of each request into an `X-Query-Count` header.

Only the benchmark's settings (tools/bench/settings.py) install it. Queries on the
database cache's table are left out: the catalog's version check (once a second per
process, catalog/snapshot.py) falls on whichever request comes first, and it is not that
page's (tests/test_query_counts.py counts pages the same way). Without Redis, the cache is
that table.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse


class QueryCountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        location = settings.CACHES["default"].get("LOCATION", "")
        is_table = settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
        self.cache_table = connection.ops.quote_name(location) if is_table else None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counter(
            execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
        ) -> Any:
            nonlocal count
            if self.cache_table is None or self.cache_table not in sql:
                count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        return response
