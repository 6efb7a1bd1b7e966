"""A goal, set in under a minute: a path, hours a week, perhaps a date, the time zone.
Every change is kept; the latest is in force."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from catalog.models import LearningPath, PathStep, Skill
from catalog.snapshot import forget_catalog
from config.middleware import UserTimeZoneMiddleware
from tests.helpers import PASSWORD, as_sent
from tracker.models import Goal, User


@pytest.fixture
def paths(catalog) -> list[LearningPath]:
    made = []
    for n, (slug, title) in enumerate([("analyst", "Analyst"), ("builder", "Builder")], start=1):
        path = LearningPath.objects.create(
            slug=slug, title=title, summary="S.", suits=f"People who {slug}.", order=n
        )
        PathStep.objects.create(path=path, skill=Skill.objects.get(slug="skill-1-1"), stage="A")
        made.append(path)
    forget_catalog()
    return made


def goal_form(**changes: str) -> dict[str, str]:
    data = {"sent": "1", "path": "analyst", "hours_per_week": "8", "target_date": "",
            "time_zone": "Europe/Paris", **changes}  # fmt: skip
    return data


@pytest.mark.django_db
def test_the_goal_page_offers_each_path_with_its_hours(paths, alice_client) -> None:
    page = alice_client.get("/goal/").content.decode()
    assert "What are you aiming for?" in page
    assert '<input type="radio" name="path" value="analyst"' in page
    assert '<strong>Analyst</strong> <span class="muted">· 1 skills, about 2 h</span>' in page
    assert "People who builder." in page
    assert '<option value="Europe/Paris">Europe/Paris</option>' in page
    assert "Skip for now" in page


@pytest.mark.django_db
def test_setting_a_goal_saves_it_and_the_dashboard_shows_it(paths, alice, alice_client) -> None:
    target = (timezone.now() + dt.timedelta(days=200)).date()
    response = alice_client.post("/goal/", goal_form(target_date=target.isoformat()))
    # A first goal goes on to what the learner knows already.
    assert response.status_code == 303 and response["Location"] == "/goal/known/"
    goal = Goal.objects.get(user=alice)
    assert (goal.path.slug, goal.hours_per_week, goal.target_date) == ("analyst", 8, target)
    alice.refresh_from_db()
    assert alice.time_zone == "Europe/Paris"
    page = alice_client.get("/dashboard/").content.decode()
    assert "<strong>Analyst</strong></a>, 8 h a week, by" in page
    # Changed: a new row, the old one kept as history; the latest is in force.
    alice_client.post("/goal/", goal_form(path="builder", hours_per_week="12"))
    assert list(Goal.objects.filter(user=alice).values_list("path__slug", "hours_per_week")) == [
        ("builder", 12), ("analyst", 8)
    ]  # fmt: skip
    assert (
        "<strong>Builder</strong></a>, 12 h a week."
        in alice_client.get("/dashboard/").content.decode()
    )
    again = alice_client.get("/goal/").content.decode()
    assert re.search(r'<input type="radio" name="path" value="builder"[^>]* checked', again)
    assert 'name="hours_per_week" value="12"' in again


@pytest.mark.django_db
def test_a_learner_without_a_goal_is_invited_to_set_one(paths, alice_client) -> None:
    page = alice_client.get("/dashboard/").content.decode()
    assert '<a class="button button-small" href="/goal/">Set a goal</a>' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hours_per_week": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"hours_per_week": "61"}, "Ensure this value is less than or equal to 60."),
        ({"target_date": "2001-01-01"}, "Choose a date after today, or leave it empty."),
        ({"path": "astronaut"}, "Select a valid choice. astronaut is not one of the"),
        ({"time_zone": "Mars/Olympus"}, "Select a valid choice. Mars/Olympus is not one of the"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_a_message_and_saves_nothing(
    paths, alice, alice_client, changes, message
) -> None:
    response = alice_client.post("/goal/", goal_form(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Goal.objects.exists()
    alice.refresh_from_db()
    assert alice.time_zone == ""


@pytest.mark.django_db
def test_a_new_learner_lands_on_the_goal_page_unless_the_signup_carried_next(paths) -> None:
    secret = "a-long-enough-passphrase"
    form = {"username": "newbie", "email": "newbie@example.com",
            "password1": secret, "password2": secret}  # fmt: skip
    assert Client().post("/accounts/signup/", form)["Location"] == "/goal/"
    form |= {"username": "invited", "email": "invited@example.com"}
    response = Client().post("/accounts/signup/?next=/mentors/", form)
    assert response["Location"] == "/mentors/"


def test_days_follow_the_learners_time_zone() -> None:
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(timezone.get_current_timezone_name())

    middleware = UserTimeZoneMiddleware(view)
    request = RequestFactory().get("/")
    request.user = User(username="kiri", time_zone="Pacific/Auckland")
    assert middleware(request).content == b"Pacific/Auckland"
    assert timezone.get_current_timezone_name() != "Pacific/Auckland"  # not left behind
    request.user = User(username="ada", time_zone="")
    assert middleware(request).content.decode() == timezone.get_default_timezone_name()


@pytest.mark.django_db
def test_the_goal_history_and_time_zone_go_out_in_the_export_and_come_back(
    paths, alice, bob
) -> None:
    client = Client()
    client.force_login(bob)
    client.post("/goal/", goal_form(time_zone="Asia/Tokyo"))
    client.post("/goal/", goal_form(path="builder", time_zone="Asia/Tokyo"))
    exported = client.get("/account/export.json").json()
    assert [g["path"] for g in exported["goals"]] == ["analyst", "builder"]
    assert exported["user"]["time_zone"] == "Asia/Tokyo"
    mine = Client()
    mine.force_login(alice)
    upload = SimpleUploadedFile("export.json", json.dumps(exported).encode())
    mine.post("/account/import/", as_sent(file=upload))
    assert list(Goal.objects.filter(user=alice).values_list("path__slug", flat=True)) == [
        "builder", "analyst"
    ]  # fmt: skip
    alice.refresh_from_db()
    assert alice.time_zone == "Asia/Tokyo"
    mine.post(
        "/account/import/",
        as_sent(file=SimpleUploadedFile("e.json", json.dumps(exported).encode())),
    )
    assert Goal.objects.filter(user=alice).count() == 2  # imported once


@pytest.mark.django_db
def test_deleting_the_account_deletes_the_goals(paths, alice, alice_client) -> None:
    alice_client.post("/goal/", goal_form())
    assert alice_client.post("/account/delete/", {"password": PASSWORD}).status_code == 302
    assert not Goal.objects.exists()


@pytest.mark.django_db
def test_the_goal_page_needs_a_login(paths, client) -> None:
    assert client.get("/goal/")["Location"].startswith("/accounts/login/")
    assert client.post("/goal/", goal_form())["Location"].startswith("/accounts/login/")
    assert not Goal.objects.exists()
