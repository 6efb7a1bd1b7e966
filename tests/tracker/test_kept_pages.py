"""Pages kept whole per user revision (tracker/pages.py): fast on a repeat visit, and
never showing anything older than the data, to anyone but the viewer they were made for."""

import re

import pytest
import time_machine
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from tests.conftest import make_user, new_project_form
from tracker import services
from tracker.models import Mentorship, Project, User

HTMX = {"HTTP_HX_REQUEST": "true"}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ANY_TOKEN = re.compile(r'(?<=csrfmiddlewaretoken" value=")[^"]+|(?<="X-CSRFToken": ")[^"]+')


@pytest.fixture
def alice_client(client: Client, alice) -> Client:
    client.force_login(alice)
    return client


def queries(client: Client, url: str) -> tuple[int, str]:
    with override_settings(CATALOG_CHECK_SECONDS=60), CaptureQueriesContext(connection) as c:
        response = client.get(url)
    assert response.status_code == 200
    return len(c.captured_queries), response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "reads"),
    [
        ("/dashboard/", 1),
        ("/catalog/track-1/", 1),
        ("/projects/", 1),
        ("/u/alice/", 2),  # and the owner
    ],
)
def test_a_repeat_visit_reads_only_the_session_with_its_user(
    alice_client: Client, alice, catalog, url, reads
) -> None:
    first, page = queries(alice_client, url)
    again, same = queries(alice_client, url)
    assert again == reads < first
    # The same page but for the CSRF token, which is new in every response.
    assert ANY_TOKEN.sub("", page) == ANY_TOKEN.sub("", same)
    assert ANY_TOKEN.findall(page) != ANY_TOKEN.findall(same)


@pytest.mark.django_db
def test_a_toggle_shows_at_once_on_the_kept_pages(alice_client: Client, catalog) -> None:
    done = '<span class="stat-value">{}</span><span class="stat-label">skills done'
    pressed = 'id="status-skill-1-1-done" name="status" value="done" aria-pressed="{}"'
    assert done.format(0) in alice_client.get("/dashboard/").content.decode()
    for url in ("/catalog/track-1/", "/skills/skill-1-1/"):
        assert pressed.format("false") in alice_client.get(url).content.decode()
    alice_client.post("/progress/skill-1-1/", {"status": "done"}, **HTMX)
    assert done.format(1) in alice_client.get("/dashboard/").content.decode()
    for url in ("/catalog/track-1/", "/skills/skill-1-1/"):
        assert pressed.format("true") in alice_client.get(url).content.decode()


@pytest.mark.django_db
def test_the_token_in_a_kept_page_is_accepted(alice, catalog) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    browser.get("/catalog/track-1/")
    kept = browser.get("/catalog/track-1/").content.decode()  # served from memory
    token = TOKEN.search(kept)[1]
    assert "csrf-" not in kept  # no placeholder left
    response = browser.post(
        "/progress/skill-1-1/", {"status": "learning", "csrfmiddlewaretoken": token}, **HTMX
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_nobody_gets_a_page_kept_for_someone_else(client: Client, alice, bob, catalog) -> None:
    alice.first_name = "Alice"
    alice.save()
    services.progress_set_status(user=alice, skill_id=catalog[0].pk, status="done")
    client.force_login(alice)
    assert "Hello, Alice" in client.get("/dashboard/").content.decode()
    client.force_login(bob)
    html = client.get("/dashboard/").content.decode()
    assert "Hello, bob" in html and "Alice" not in html
    client.logout()
    assert client.get("/dashboard/").status_code == 302  # not a kept page: the login


@pytest.mark.django_db
def test_a_flash_message_shows_once_and_is_not_kept(alice_client: Client, alice, catalog) -> None:
    alice_client.get("/projects/")  # keep the page
    response = alice_client.post(
        "/projects/new/",
        new_project_form(title="Churn model"),
        follow=True,
    )
    assert "Saved “Churn model”." in response.content.decode()
    listing = alice_client.get("/projects/").content.decode()
    assert "Churn model" in listing  # the kept list was not served: the project is new
    assert "Saved “Churn model”." not in listing


@pytest.mark.django_db
def test_a_message_waiting_for_a_kept_page_shows(alice_client: Client, alice, catalog) -> None:
    services.progress_set_status(user=alice, skill_id=catalog[0].pk, status="done")
    alice_client.get("/dashboard/")
    alice_client.get("/dashboard/")  # kept
    # The reset redirects to the dashboard with a message; it bumps the revision too,
    # so take the page it leads to into memory before the message is read.
    response = alice_client.post("/dashboard/reset/track-1/")
    assert response.status_code == 302
    assert "Reset 1 skill in Track 1." in alice_client.get("/dashboard/").content.decode()
    assert "Reset 1 skill" not in alice_client.get("/dashboard/").content.decode()


@pytest.mark.django_db
def test_mentor_pages_follow_the_mentee(client: Client, alice, catalog) -> None:
    mentor = make_user("mia", first_name="Mia")
    Mentorship.objects.create(learner=alice, mentor=mentor)
    client.force_login(mentor)
    assert "Skill 1.1" not in client.get("/mentor/alice/").content.decode().split("Done")[-1]
    services.progress_set_status(user=alice, skill_id=catalog[0].pk, status="learning")
    assert "Skill 1.1" in client.get("/mentor/alice/").content.decode()
    # Feedback from the mentor shows on the learner's dashboard at once.
    learner = Client()
    learner.force_login(alice)
    learner.get("/dashboard/")
    mentorship = Mentorship.objects.get(learner=alice, mentor=mentor)
    services.feedback_give(
        mentorship=mentorship, author=mentor, skill_id=catalog[0].pk, body="Nice work"
    )
    assert "Nice work" in learner.get("/dashboard/").content.decode()
    # A revoked mentor gets 404 even where a page was kept for them.
    mentorship.state = Mentorship.State.REVOKED
    mentorship.save()
    assert client.get("/mentor/alice/").status_code == 404
    assert "alice" not in client.get("/mentor/").content.decode().split("<main")[1]


@pytest.mark.django_db
def test_a_profile_change_shows_to_visitors_at_once(client: Client, alice, catalog) -> None:
    Project.objects.create(owner=alice, title="Public P", summary="s", visibility="public")
    assert "Public P" in client.get("/u/alice/").content.decode()
    alice.headline = "Now at a bank"
    alice.save()
    assert "Now at a bank" in client.get("/u/alice/").content.decode()


@pytest.mark.django_db
def test_a_new_day_is_a_new_page(alice_client: Client, alice, catalog) -> None:
    with time_machine.travel("2026-03-02 12:00Z", tick=False):
        services.progress_set_status(user=alice, skill_id=catalog[0].pk, status="done")
        assert "today" in alice_client.get("/dashboard/").content.decode()
    with time_machine.travel("2026-03-03 12:00Z", tick=False):
        assert "yesterday" in alice_client.get("/dashboard/").content.decode()


@pytest.mark.django_db
def test_saving_a_stale_user_never_brings_back_an_old_revision(alice, catalog) -> None:
    stale = User.objects.get(pk=alice.pk)
    services.progress_set_status(user=alice, skill_id=catalog[0].pk, status="done")
    bumped = User.objects.get(pk=alice.pk).revision
    stale.first_name = "Al"
    stale.save()
    now = User.objects.get(pk=alice.pk)
    assert now.first_name == "Al"
    assert now.revision not in (stale.revision, bumped)


@pytest.mark.django_db
def test_a_toggle_bumps_the_revision_once(alice, catalog) -> None:
    with CaptureQueriesContext(connection) as c:
        services.progress_set_status(user=alice, skill_id=catalog[0].pk, status="done")
    assert sum("UPDATE tracker_user" in q["sql"] for q in c.captured_queries) == 1


@pytest.mark.django_db
@override_settings(MENTOR_STATS_SECONDS=60)
def test_mentor_pages_are_kept_too(client: Client, alice, catalog) -> None:
    mentor = make_user("mia")
    Mentorship.objects.create(learner=alice, mentor=mentor)
    client.force_login(mentor)
    for url, reads in (("/mentor/", 1),):
        first, page = queries(client, url)
        again, same = queries(client, url)
        assert again == reads < first
        assert ANY_TOKEN.sub("", page) == ANY_TOKEN.sub("", same)


@pytest.mark.django_db
def test_saving_a_project_with_its_table_bumps_the_owner_once(
    alice_client: Client, alice, catalog
) -> None:
    form = new_project_form(
        title="Churn model",
        **{
            "metrics-TOTAL_FORMS": "2",
            "metrics-1-id": "",
            "metrics-1-name": "f1",
            "metrics-1-split": "test",
            "metrics-1-value": "0.88",
            "metrics-1-baseline": "",
            "collaborators-TOTAL_FORMS": "1",
            "collaborators-0-id": "",
            "collaborators-0-name": "Bob",
            "collaborators-0-url": "",
        },
    )
    with CaptureQueriesContext(connection) as c:
        assert alice_client.post("/projects/new/", form).status_code == 302
    project = Project.objects.get()
    assert project.metrics.count() == 2 and project.collaborators.count() == 1
    bumps = [q["sql"] for q in c.captured_queries if "SET revision" in q["sql"]]
    assert len(bumps) == 1


@pytest.mark.django_db
def test_a_profile_save_bumps_the_user_and_their_mentors_in_one_statement(alice) -> None:
    mentor = make_user("mia")
    Mentorship.objects.create(learner=alice, mentor=mentor)
    before = User.objects.get(pk=mentor.pk).revision
    with CaptureQueriesContext(connection) as c:
        alice.first_name = "Al"
        alice.save()
    # The profile's UPDATE, then the bump with the mentorships as subqueries: no reads.
    assert [q["sql"].split()[0] for q in c.captured_queries] == ["UPDATE", "UPDATE"]
    assert User.objects.get(pk=mentor.pk).revision != before
