"""The dashboard's numbers, calendar and streaks, and its query budget."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from catalog.models import Skill
from tests.helpers import make_catalog, make_user
from tracker.progress.rules import build_calendar
from tracker.progress.services import progress_set_status

D = dt.date


def test_the_calendar_is_53_monday_first_weeks_ending_today() -> None:
    today = D(2026, 1, 1)  # a Thursday
    calendar = build_calendar({D(2025, 12, 31): 2, D(2026, 1, 1): 1, D(2024, 12, 1): 9}, today)
    assert len(calendar.weeks) == 53
    assert all(len(week) == 7 for week in calendar.weeks)
    first = calendar.weeks[0][0].date
    assert first.weekday() == 0
    assert first == D(2024, 12, 30)
    last_week = calendar.weeks[-1]
    assert [d.date for d in last_week][:4] == [
        D(2025, 12, 29),
        D(2025, 12, 30),
        D(2025, 12, 31),
        today,
    ]
    assert [d.future for d in last_week] == [False] * 4 + [True] * 3
    assert calendar.total == 3  # 2024-12-01 is outside the 53 weeks
    assert last_week[2].count == 2 and last_week[2].level == 2
    assert last_week[2].label == "Wed 31 Dec 2025: 2 skills completed"
    assert last_week[3].label == "Thu 1 Jan 2026: 1 skill completed"
    assert calendar.months[0] == (0, "Jan")  # 1 Jan 2025 falls in the first week
    assert [label for _, label in calendar.months][-2:] == ["Dec", "Jan"]
    assert len(calendar.months) == 13


@pytest.fixture
def learner(db):
    """Six skills in two tracks; a history over a month boundary."""
    skills = make_catalog(tracks=2, skills_per_track=3)  # hours 2, 4, 6 per track
    ada = make_user("ada", first_name="Ada")
    plan = [
        (skills[0], "done", dt.datetime(2026, 2, 27, 10, tzinfo=dt.UTC)),
        (skills[1], "done", dt.datetime(2026, 2, 28, 10, tzinfo=dt.UTC)),
        (skills[3], "done", dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)),
        (skills[3], "done", dt.datetime(2026, 3, 1, 11, tzinfo=dt.UTC)),  # no-op, no event
        (skills[4], "skipped", dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)),
        (skills[2], "learning", dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)),
    ]
    for skill, status, when in plan:
        progress_set_status(user=ada, skill_id=skill.pk, status=status, now=when)
    return ada


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 3, 2, 18, tzinfo=dt.UTC), tick=False)
def test_the_dashboard_shows_the_right_numbers(client: Client, learner) -> None:
    client.force_login(learner)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    ctx = response.context
    overview = ctx["overview"]
    # 3 done of 6, one skipped leaves the denominator: 3 / 5 = 60%.
    assert (overview.done, overview.skipped, overview.counted, overview.percent) == (3, 1, 5, 60)
    t1, t2 = overview.tracks
    assert (t1.done, t1.counted, t1.percent, t1.hours_left) == (2, 3, 67, 6)
    assert (t2.done, t2.counted, t2.percent, t2.hours_left) == (1, 2, 50, 6)
    assert overview.hours_left == 12
    assert [s.slug for s in ctx["next_up"]] == ["skill-2-3"]  # 2-2 is skipped, 1-3 learning
    assert [s.slug for s in ctx["learning"]] == ["skill-1-3"]
    assert ctx["plan"] is None  # no goal: today's dashboard, and an invitation to set one
    assert "Set a goal</a> to start one" in response.content.decode()
    assert ctx["calendar"].total == 3
    html = response.content.decode()
    assert "Skipped skills leave the count" in html
    assert "Sun 1 Mar 2026: 1 skill completed" in html
    assert 'aria-valuenow="60"' in html


@pytest.mark.django_db
def test_next_up_waits_for_prerequisites(client: Client) -> None:
    make_catalog(tracks=1, skills_per_track=3)
    bob = make_user("bob")
    client.force_login(bob)
    assert [s.slug for s in client.get("/dashboard/").context["next_up"]] == ["skill-1-1"]
    progress_set_status(user=bob, skill_id=Skill.objects.get(slug="skill-1-1").pk, status="done")
    assert [s.slug for s in client.get("/dashboard/").context["next_up"]] == ["skill-1-2"]


@pytest.mark.django_db
def test_the_dashboard_needs_a_login(client: Client) -> None:
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
