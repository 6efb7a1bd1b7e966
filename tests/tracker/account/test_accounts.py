"""Sign-up, login by email or username, and logout, through allauth's real forms."""

import re

import pytest
from django.core import mail
from django.test import Client, override_settings

from tests.helpers import PASSWORD
from tracker.models import User


@pytest.mark.django_db
def test_signup_creates_an_account_and_signs_in(client: Client) -> None:
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    assert b"Sign up" in response.content
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert user.email == "newbie@example.com"
    assert client.get("/catalog/").context["user"] == user
    assert len(mail.outbox) == 1  # the verification email, optional in development


@pytest.mark.django_db
@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory", ACCOUNT_PREVENT_ENUMERATION=True)
def test_with_mandatory_verification_confirming_signs_in_and_leads_to_the_goal(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/signup/",
            {
                "username": "newbie",
                "email": "newbie@example.com",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
    assert response["Location"] == "/accounts/confirm-email/"
    assert client.get("/dashboard/").status_code == 302  # not signed in before confirming
    (sent,) = mail.outbox
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", sent.body)[1]
    assert client.post(link)["Location"] == "/goal/"
    assert client.get("/dashboard/").status_code == 200
    # The link opened in another browser confirms nothing more and signs nobody in there.
    other = Client()
    other.post(link)
    assert other.get("/dashboard/").status_code == 302


@pytest.mark.django_db
def test_signup_refuses_a_short_password_and_a_taken_username(client: Client, alice) -> None:
    response = client.post(
        "/accounts/signup/",
        {"username": "alice", "email": "x@example.com", "password1": "short", "password2": "short"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "already" in html  # username taken
    assert "at least 12 characters" in html
    assert User.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("login", ["alice", "alice@example.com"])
def test_login_by_username_or_email(client: Client, alice, login: str) -> None:
    response = client.post("/accounts/login/", {"login": login, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/catalog/").context["user"] == alice


@pytest.mark.django_db
def test_login_refuses_a_wrong_password(client: Client, alice) -> None:
    response = client.post("/accounts/login/", {"login": "alice", "password": "wrong-password"})
    assert response.status_code == 200
    assert b"not correct" in response.content
    assert not client.get("/catalog/").context["user"].is_authenticated


@pytest.mark.django_db
def test_logout_is_a_post(client: Client, alice) -> None:
    client.force_login(alice)
    page = client.get("/catalog/")
    assert b'action="/accounts/logout/"' in page.content
    assert client.post("/accounts/logout/").status_code == 302
    assert not client.get("/catalog/").context["user"].is_authenticated


@pytest.mark.django_db
def test_password_reset_sends_a_link(client: Client, alice) -> None:
    response = client.post("/accounts/password/reset/", {"email": "alice@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


@pytest.mark.django_db
def test_pages_carry_csrf_for_htmx_and_a_skip_link(client: Client, alice: User) -> None:
    html = client.get("/catalog/").content.decode()
    assert "X-CSRFToken" not in html  # a visitor has nothing to post with htmx
    assert 'href="#main"' in html
    assert "/static/django-htmx/" in html or "htmx" in html
    client.force_login(alice)
    html = client.get("/catalog/").content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in html


def _signup(client: Client, username: str):
    return client.post(
        "/accounts/signup/",
        {
            "username": username,
            "email": "someone@example.com",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username",
    [
        "\u0430da",  # a Cyrillic а, like the Latin a
        "\uff41\uff44\uff41",  # full-width ａｄａ
        "ada\u200b",  # a zero-width space
        "ad a",
        "ada@home",
        "-ada",
        "ada.",
        "a",
        "x" * 31,
    ],
)
def test_signup_refuses_a_username_outside_the_safe_set(client: Client, username: str) -> None:
    response = _signup(client, username)
    assert response.status_code == 200
    assert "letters a–z (either case), digits, and . _ - between them" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_usernames_that_differ_only_in_case_are_the_same_name(client: Client, alice) -> None:
    response = _signup(client, "ALICE")
    assert response.status_code == 200
    assert "already" in response.content.decode()
    assert User.objects.count() == 1
    # Logging in with any casing finds the one account.
    response = client.post("/accounts/login/", {"login": "Alice", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_database_refuses_a_username_that_differs_only_in_case(alice) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="aLiCe", email="other@example.com")


@pytest.mark.django_db
def test_admin_refuses_a_look_alike_username(client: Client, staff) -> None:
    client.force_login(staff)
    response = client.post(
        "/admin/tracker/user/add/",
        {"username": "\u0430lice", "password1": "", "password2": "", "usable_password": "false"},
    )
    assert response.status_code == 200
    assert "letters a–z (either case)" in response.content.decode()
    assert not User.objects.filter(username="\u0430lice").exists()


@pytest.mark.django_db
def test_a_public_page_asked_for_in_another_case_redirects_to_its_name(
    client: Client, alice
) -> None:
    response = client.get("/u/ALICE/")
    assert response.status_code == 301
    assert response["Location"] == "/u/alice/"
