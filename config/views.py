import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Answers whether the database does; load balancers and the benchmark call it."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        # The details (host names, credentials in messages) go to the log, not the wire.
        logger.exception("Health check: the database did not answer")
        return JsonResponse(
            {"status": "error", "database": "unavailable", "reason": "the database did not answer"},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok"})


@require_safe
def home(request: HttpRequest) -> HttpResponseRedirect:
    """Signed-in learners start at their dashboard; visitors at the catalog."""
    name = "tracker:dashboard" if request.user.is_authenticated else "catalog:index"
    return HttpResponseRedirect(reverse(name))
