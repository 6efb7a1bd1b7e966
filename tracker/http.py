"""Answers several features' views share: the way back after a form, the refusal of a
form sent again with other content, and the skill a URL names; and the request types
views are annotated with."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

from catalog.snapshot import SkillNode, get_catalog

from .account.models import User


class HtmxHttpRequest(HttpRequest):
    """A request as every view sees it: django-htmx's middleware has set `htmx`.
    For annotations only (django-htmx's documented pattern)."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request to a `@login_required` view, whose user is signed in: `request.user`
    is a `User`, never `AnonymousUser`. For annotations only (django-stubs' documented
    pattern); the decorator is what makes it true."""

    user: User


def published_skill(slug: str) -> SkillNode:
    """The published skill with this slug, from the catalog copy, or 404."""
    skill = get_catalog().skill_by_slug(slug)
    if skill is None:
        raise Http404("No such skill in the catalog.")
    return skill


def redirect_back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """303 to the validated `next` (same host only), else to `fallback`."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = fallback
    response = HttpResponseRedirect(target)
    response.status_code = 303
    return response


def refuse_changed_resend(request: HttpRequest) -> HttpResponse:
    """The answer to a create form sent again under its one-time key with other content."""
    message = (
        "This form was already sent once, with different content, so nothing was saved "
        "this time. Reload the page to get a fresh form."
    )
    return render(request, "400.html", {"message": message}, status=400)
