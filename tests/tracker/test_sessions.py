"""The session brings its user along (tracker/sessions.py): one query for both, and every
check Django makes on the signed-in user still made."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import PASSWORD
from tracker.models import User, UserSession


def sign_in(client: Client, user: User) -> None:
    response = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_one_query_reads_the_session_and_its_user(client: Client, alice) -> None:
    sign_in(client, alice)
    assert UserSession.objects.get().user == alice
    with CaptureQueriesContext(connection) as c:
        response = client.get("/account/profile/")
    assert response.status_code == 200 and "alice" in response.content.decode()
    reads = [q["sql"] for q in c.captured_queries if "tracker_user" in q["sql"]]
    assert len(reads) == 1 and "tracker_usersession" in reads[0]


@pytest.mark.django_db
def test_a_deactivated_user_is_signed_out(client: Client, alice) -> None:
    sign_in(client, alice)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.django_db
def test_a_password_changed_elsewhere_ends_the_session(client: Client, alice) -> None:
    sign_in(client, alice)
    alice.set_password("a-whole-new-passphrase")
    alice.save()
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.django_db
def test_signing_out_and_deleting_the_account_end_the_sessions(client: Client, alice) -> None:
    sign_in(client, alice)
    client.post("/accounts/logout/")
    assert client.get("/dashboard/").status_code == 302
    sign_in(client, alice)
    alice.delete()
    assert not UserSession.objects.exists()
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.django_db
def test_one_browser_never_gets_another_users_session_user(alice, bob) -> None:
    first, second = Client(), Client()
    sign_in(first, alice)
    sign_in(second, bob)
    for _ in range(2):
        assert "alice" in first.get("/account/profile/").content.decode()
        assert "bob" in second.get("/account/profile/").content.decode()
        assert "alice" not in second.get("/account/profile/").content.decode()
