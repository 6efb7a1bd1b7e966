"""Production hardening: the deploy check, the Content Security Policy on every page,
CSRF on every state-changing route, allauth's rate limits and no account enumeration."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

import config.settings as production
from tests.helpers import PASSWORD, access, make_user
from tests.helpers.access import World
from tests.helpers.csp import POLICY, csp_violations, parse_policy
from tests.helpers.inputs import (
    SPEC,
    changed_tables,
    entitled_role,
    snapshot,
    state_changing_routes,
)
from tracker.models import User

BASE_DIR = Path(__file__).resolve().parent.parent

# -- the Content Security Policy -------------------------------------------------------------


def test_the_inline_code_finder_finds_inline_code() -> None:
    page = """<p style="color:red">x</p><script>alert(1)</script><style>p{}</style>
    <button onclick="go()">x</button><a href="javascript:go()">x</a><div hx-on:click="x">
    <img src=x ONERROR=y><script src="/static/app.js"></script>
    <script type="application/json">{"ok": true}</script>"""
    found = csp_violations(page)
    assert len(found) == 7, found


def _check(response, label: str, failures: list[str]) -> None:
    header = response.get("Content-Security-Policy")
    if header is None:
        failures.append(f"{label}: no Content-Security-Policy header")
    elif parse_policy(header) != POLICY:
        failures.append(f"{label}: policy is {header!r}")
    if "html" in response.get("Content-Type", "") and not response.streaming:
        body = response.content.decode(errors="replace")
        failures += [f"{label}: {v}" for v in csp_violations(body)]


def _admin_pages(w: World) -> list[str]:
    """Every registered model's list, add and change page, and the index."""
    pages = ["/admin/"]
    for model in admin.site._registry:
        opts = model._meta
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            name = f"admin:{opts.app_label}_{opts.model_name}_change"
            pages.append(reverse(name, args=[first.pk]))
    pages.append(
        "/admin/autocomplete/?app_label=catalog&model_name=prerequisite&field_name=requires&term=s"
    )
    return pages


PAGE_ROLES = ("anonymous", "owner", "mentor", "other", "staff")
ALLAUTH_ANONYMOUS = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/password/reset/key/1-not-a-key/",
]
ALLAUTH_SIGNED_IN = ["/accounts/logout/", "/accounts/email/", "/accounts/password/change/"]
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.mark.slow
@pytest.mark.django_db
def test_every_page_carries_the_policy_and_no_inline_code(world: World) -> None:
    """Every GET route in the access table for every role, allauth's pages, every admin
    page, the error pages and htmx fragments."""
    failures: list[str] = []
    clients = {role: access.client_for(world, role) for role in PAGE_ROLES}
    for name, entries in access.ROUTES.items():
        for method, path, _data, _expected in entries:
            if method == "get":
                for role, client in clients.items():
                    _check(client.get(path(world)), f"{name} as {role}", failures)
    for path in ALLAUTH_ANONYMOUS:
        _check(clients["anonymous"].get(path), path, failures)
    for path in ALLAUTH_SIGNED_IN:
        _check(clients["owner"].get(path), path, failures)
    for path in _admin_pages(world):
        _check(clients["staff"].get(path), path, failures)
    for role in ("anonymous", "owner"):
        _check(clients[role].get("/no-such-page/"), f"404 as {role}", failures)
    owner = clients["owner"]
    fragments = [
        owner.get("/progress/skill-1-1/note/", **HTMX),
        owner.get("/catalog/?q=skill", HTTP_HX_TARGET="search-results", **HTMX),
        owner.get("/projects/rows/metrics/?metrics-TOTAL_FORMS=3", **HTMX),
        owner.post("/progress/skill-1-2/", {"status": "done"}, **HTMX),
        owner.post("/projects/new/", {}),  # the form again, with its errors
        owner.post("/progress/skill-1-1/links/", {"url": "x"}),
    ]
    for i, response in enumerate(fragments):
        _check(response, f"fragment {i}", failures)
    strict = Client(enforce_csrf_checks=True)
    _check(strict.post("/accounts/login/", {}), "CSRF failure page", failures)
    too_big = {"x": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    _check(owner.post("/progress/skill-1-1/note/", too_big), "400 page", failures)
    assert not failures, "\n".join(failures)


# -- CSRF ------------------------------------------------------------------------------------


# Routes that cannot have a CSRF token, and why; each writes only what its signed link allows.
CSRF_EXEMPT = {
    # RFC 8058: a mail program POSTs the one click with no cookie; the token in the
    # address is the proof, and it can only stop or restart one kind of mail.
    "tracker:unsubscribe": "one-click unsubscribe",
}


def test_the_csrf_exempt_routes_are_the_known_few() -> None:
    from django.urls import URLPattern, URLResolver, get_resolver

    found = set()

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{prefix}{p.namespace}:" if p.namespace else prefix)
            elif isinstance(p, URLPattern) and getattr(p.callback, "csrf_exempt", False):
                found.add(prefix + (p.name or ""))

    walk(get_resolver().url_patterns, "")
    assert found == set(CSRF_EXEMPT)


@pytest.mark.django_db
def test_every_state_changing_route_refuses_a_post_without_a_csrf_token(world: World) -> None:
    """The valid request for every route (SPEC in test_bad_input.py), minus the token."""
    routes = state_changing_routes(world)
    assert len(routes) >= 20
    failures = []
    for name in sorted(routes - CSRF_EXEMPT.keys()):
        role = entitled_role(name)
        valid = SPEC[name].valid
        for _method, path, _data, _expected in access.ROUTES[name]:
            for headers in ({}, HTMX):
                client = Client(enforce_csrf_checks=True)
                client.force_login(world.users[role])
                data = valid(world) if callable(valid) else valid
                before = snapshot()
                response = client.post(path(world), data, **headers)
                wrote = changed_tables(before, snapshot())
                if response.status_code != 403 or wrote:
                    failures.append(f"{name}: {response.status_code}, wrote {wrote}")
                elif b"error-page" not in response.content:
                    failures.append(f"{name}: the 403 is not the site's page")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_htmx_posts_with_the_token_from_the_page(alice, catalog) -> None:
    """The token travels in <body hx-headers>, so the cookie can be HttpOnly."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.get("/catalog/track-1/").content.decode()
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page)[1]
    response = client.post(
        "/progress/skill-1-1/", {"status": "learning"}, HTTP_X_CSRFTOKEN=token, **HTMX
    )
    assert response.status_code == 200
    assert alice.progress.get().status == "learning"


@pytest.mark.django_db
def test_a_page_masks_one_token_and_a_visitor_gets_no_cookie_without_a_form(alice, catalog) -> None:
    """Every form on a page carries the same masked token (one mask per page, not per row);
    a visitor reading the catalog gets no CSRF cookie, so the page stays cacheable."""
    visitor = Client()
    visitor.get("/catalog/track-1/")
    assert "csrftoken" not in visitor.cookies
    client = Client()
    client.force_login(alice)
    page = client.get("/catalog/track-1/").content.decode()
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))
    assert len(re.findall(r'name="csrfmiddlewaretoken"', page)) > 2
    assert len(tokens) == 1
    assert f'"X-CSRFToken": "{tokens.pop()}"' in page


@pytest.mark.django_db
def test_a_signed_in_users_pages_are_private_and_a_visitors_are_not(alice, catalog) -> None:
    """No shared cache keeps a page that shows someone's data; the catalog a visitor reads
    says nothing of the kind."""
    client = Client()
    client.force_login(alice)
    for path in ["/dashboard/", "/catalog/", "/catalog/track-1/", "/projects/", "/mentors/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"private", "no-cache"} <= directives, (path, directives)
    form = client.get("/projects/new/")  # a one-time key: never stored at all
    assert "no-store" in form["Cache-Control"]
    visitor = Client().get("/catalog/")
    assert "private" not in visitor.get("Cache-Control", "")


def _allauth_posts(alice: User) -> list[tuple[str, str, dict, bool]]:
    """(label, path, data that would succeed, signed in?)"""
    return [
        ("login", "/accounts/login/", {"login": "alice", "password": PASSWORD}, False),
        (
            "signup",
            "/accounts/signup/",
            {
                "username": "newbie",
                "email": "newbie@example.com",
                "password1": "a-long-enough-passphrase",
                "password2": "a-long-enough-passphrase",
            },
            False,
        ),
        ("password reset", "/accounts/password/reset/", {"email": alice.email}, False),
        ("logout", "/accounts/logout/", {}, True),
        (
            "password change",
            "/accounts/password/change/",
            {
                "oldpassword": PASSWORD,
                "password1": "n3w-passphrase!",
                "password2": "n3w-passphrase!",
            },
            True,
        ),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("index", range(5))
def test_allauth_refuses_a_post_without_a_csrf_token(alice: User, index: int) -> None:
    label, path, data, signed_in = _allauth_posts(alice)[index]
    client = Client(enforce_csrf_checks=True)
    if signed_in:
        client.force_login(alice)
    users, password = User.objects.count(), alice.password
    response = client.post(path, data)
    assert response.status_code == 403, label
    assert User.objects.count() == users
    assert not mail.outbox
    alice.refresh_from_db()
    assert alice.password == password
    assert ("_auth_user_id" in client.session) == signed_in  # neither in nor out


# -- rate limits (allauth), with the production limits switched back on -----------------------

LIMITS = production.ACCOUNT_RATE_LIMITS


def test_production_has_explicit_rate_limits_in_a_shared_cache() -> None:
    for action in (
        "login",
        "login_failed",
        "signup",
        "reset_password",
        "reset_password_from_key",
        "confirm_email",
    ):
        assert LIMITS.get(action), action
    backend = production.CACHES["default"]["BACKEND"]
    # Not per-process (locmem) or none (dummy): every worker must count the same hits.
    assert backend in (
        "django.core.cache.backends.db.DatabaseCache",
        "django.core.cache.backends.redis.RedisCache",
    )
    assert settings.CACHES["default"]["BACKEND"] == backend  # the tests use the real thing


@pytest.mark.django_db
@override_settings(ACCOUNT_RATE_LIMITS=LIMITS)
def test_the_sixth_failed_login_for_one_account_is_refused_even_with_the_password(
    alice: User,
) -> None:
    client = Client()
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": "alice", "password": "wrong-guess"})
        assert response.status_code == 200
        assert b"not correct" in response.content
    response = client.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
    assert response.status_code == 200
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked out by alice's.
    make_user("bob")
    response = client.post("/accounts/login/", {"login": "bob", "password": PASSWORD})
    assert response.status_code == 302


RATE_LIMITED = [
    # (what, path, data, posts allowed before the 429)
    ("login posts per address", "/accounts/login/", {}, 30),
    ("signups per address", "/accounts/signup/", {}, 20),
    ("reset mails per email", "/accounts/password/reset/", {"email": "alice@example.com"}, 5),
    ("reset-key guesses per address", "/accounts/password/reset/key/1-nope/", {}, 20),
]


@pytest.mark.django_db
@override_settings(ACCOUNT_RATE_LIMITS=LIMITS)
@pytest.mark.parametrize(("what", "path", "data", "allowed"), RATE_LIMITED)
def test_allauth_answers_429_past_the_limit(
    alice: User, what: str, path: str, data: dict, allowed: int
) -> None:
    client = Client()
    for i in range(allowed):
        assert client.post(path, data).status_code != 429, f"{what}: refused post {i + 1}"
    assert client.post(path, data).status_code == 429, what


@pytest.mark.django_db
def test_password_reset_answers_the_same_for_an_unknown_address(alice: User) -> None:
    known = Client().post("/accounts/password/reset/", {"email": alice.email}, follow=True)
    unknown = Client().post(
        "/accounts/password/reset/", {"email": "nobody@example.com"}, follow=True
    )
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain

    def page(response) -> str:
        return re.sub(r'value="[^"]{32,}"|"X-CSRFToken": "[^"]+"', "", response.content.decode())

    assert page(known) == page(unknown)
    # Each address gets one mail; only its owner can tell the two apart.
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "nobody@example.com"]


def signup(username: str, email: str):
    data = {"username": username, "email": email, "password1": "a-long-enough-passphrase"}
    data["password2"] = data["password1"]
    return Client().post("/accounts/signup/", data)


@pytest.mark.django_db
@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory", ACCOUNT_PREVENT_ENUMERATION=True)
def test_with_mail_signup_with_a_taken_address_answers_like_a_new_one(alice: User) -> None:
    """With an SMTP host (config/settings.py): the owner is mailed, no account is made."""
    taken = signup("alice2", alice.email.upper())
    new = signup("carol", "carol@example.com")
    assert taken.status_code == new.status_code == 302
    assert taken["Location"] == new["Location"]
    assert not User.objects.filter(username="alice2").exists()
    # The owner hears that someone tried; the newcomer gets their verification mail.
    assert sorted(m.to[0].lower() for m in mail.outbox) == [alice.email, "carol@example.com"]


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_without_mail_signup_with_a_taken_address_answers_like_a_new_one(alice: User) -> None:
    """No SMTP host (the test settings, like a self-hoster without mail): sign-up goes
    through either way, and the existing account keeps its address and password."""
    assert settings.ACCOUNT_PREVENT_ENUMERATION == "strict"
    taken = signup("alice2", alice.email)
    new = signup("carol", "carol@example.com")
    assert taken.status_code == new.status_code == 302
    assert taken["Location"] == new["Location"]
    assert "already" not in Client().get(taken["Location"]).content.decode()
    impostor = User.objects.get(username="alice2")
    assert not impostor.emailaddress_set.filter(verified=True).exists()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("env", "verification", "prevent"),
    [({}, "optional", "strict"), ({"DJANGO_EMAIL_HOST": "smtp.example.com"}, "mandatory", True)],
)
def test_production_prevents_enumeration_with_or_without_mail(env, verification, prevent) -> None:
    s = production_settings(**env)
    assert s["ACCOUNT_EMAIL_VERIFICATION"] == verification
    assert s["ACCOUNT_PREVENT_ENUMERATION"] == prevent


# -- production settings and the deploy check ------------------------------------------------


def run_production(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`python *args` with production settings, as CI runs the deploy check."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="gradient.example.com",
    )
    environment.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


DEPLOY_CHECK = ("manage.py", "check", "--deploy", "--fail-level", "WARNING")


@pytest.mark.slow
def test_the_deploy_check_passes_with_production_settings() -> None:
    result = run_production(*DEPLOY_CHECK)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_the_deploy_check_would_catch_a_weakened_setting() -> None:
    result = run_production(*DEPLOY_CHECK, DJANGO_SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
names = [
    "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_HTTPONLY", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "X_FRAME_OPTIONS",
    "SECURE_REFERRER_POLICY", "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_PROXY_SSL_HEADER",
    "ACCOUNT_PREVENT_ENUMERATION", "ACCOUNT_EMAIL_VERIFICATION", "MIDDLEWARE", "INSTALLED_APPS",
    "DATA_UPLOAD_MAX_MEMORY_SIZE", "DATA_UPLOAD_MAX_NUMBER_FIELDS",
]
print(json.dumps({n: getattr(s, n, None) for n in names}))
"""


def production_settings(**env: str) -> dict:
    result = run_production("-c", SHOW_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.slow
def test_production_settings_are_strict() -> None:
    s = production_settings()
    assert s["DEBUG"] is False
    for name in (
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_CONTENT_TYPE_NOSNIFF",
    ):
        assert s[name] is True, name
    assert s["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert s["X_FRAME_OPTIONS"] == "DENY"
    assert s["SECURE_REFERRER_POLICY"] == "same-origin"
    assert s["SECURE_PROXY_SSL_HEADER"] is None  # only behind a proxy that sets it
    assert "csp" in s["INSTALLED_APPS"]
    middleware = s["MIDDLEWARE"]
    assert middleware[0] == "django.middleware.security.SecurityMiddleware"
    # The 503 handler sits outside everything that touches the database.
    assert middleware.index("config.middleware.DatabaseUnavailableMiddleware") < middleware.index(
        "django.contrib.sessions.middleware.SessionMiddleware"
    )
    assert middleware.index("csp.middleware.CSPMiddleware") < middleware.index(
        "config.middleware.DatabaseUnavailableMiddleware"
    )
    assert s["DATA_UPLOAD_MAX_MEMORY_SIZE"] <= 2_621_440
    assert s["DATA_UPLOAD_MAX_NUMBER_FIELDS"] <= 1000


@pytest.mark.slow
def test_the_proxy_header_is_trusted_only_when_asked() -> None:
    s = production_settings(DJANGO_SECURE_PROXY_SSL_HEADER="true")
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.slow
def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = run_production("-c", SHOW_SETTINGS, DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr
