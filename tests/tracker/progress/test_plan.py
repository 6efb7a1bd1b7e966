"""The plan: pace and projections with frozen time, the weekly streak, this week's skills,
and skills marked as known before (in bulk, in one transaction, kept out of activity)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog.models import LearningPath, PathStep, Skill
from catalog.snapshot import forget_catalog, get_catalog
from tests.helpers import make_catalog, make_user
from tracker.models import EventKind, Progress, ProgressEvent, User
from tracker.progress import plan
from tracker.progress.services import goal_set, progress_mark_known, progress_set_status

UTC = dt.UTC


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


MONDAY = dt.date(2026, 1, 5)  # weeks below count from this Monday


def week(n: int, day: int = 0) -> dt.date:
    """Day `day` (0 = Monday) of week `n` after MONDAY."""
    return MONDAY + dt.timedelta(weeks=n, days=day)


@pytest.fixture
def skills(db) -> list[Skill]:
    """One track of eight 35-hour skills, each requiring the one before it; a path takes
    the first six as required (stages of three) and the seventh as an elective."""
    made = make_catalog(tracks=1, skills_per_track=8)
    Skill.objects.update(hours=35)
    path = LearningPath.objects.create(slug="mlops", title="MLOps engineer", summary="S.",
                                       suits="Builders.")  # fmt: skip
    for n, skill in enumerate(made[:7]):
        stage = "Foundations" if n < 3 else "Production"
        PathStep.objects.create(path=path, skill=skill, stage=stage, order=n, required=n < 6)
    forget_catalog()
    return made


@pytest.fixture
def learner(skills) -> User:
    return make_user("lea")


def set_goal(user: User, when: dt.datetime, hours: int = 8, target: dt.date | None = None):
    path = LearningPath.objects.get(slug="mlops")
    goal_set(user=user, path_id=path.pk, hours_per_week=hours, target_date=target,
             time_zone="UTC", now=when)  # fmt: skip


def move(user: User, skill: Skill, status: str, when: dt.datetime) -> None:
    progress_set_status(user=user, skill_id=skill.pk, status=status, now=when)


def plan_of(user: User, now: dt.datetime) -> plan.Plan:
    statuses, known = plan.progress_states(user)
    facts = plan.facts_from(statuses, known, plan.status_events(user), plan.goal_rows(user))
    found = plan.build_plan(facts, get_catalog(), now=now)
    assert found is not None
    return found


def steady_learner(user: User, skills: list[Skill], weeks: int) -> None:
    """8 h a week through 35-hour skills: one done about every 4.4 weeks, the next begun
    the same day."""
    set_goal(user, at(week(0)))
    hours = 0.0
    current = 0
    move(user, skills[0], "learning", at(week(0)))
    for day in range(weeks * 7):
        hours += 8 / 7
        if hours >= 35 and current + 1 < len(skills):
            when = at(MONDAY + dt.timedelta(days=day), 18)
            move(user, skills[current], "done", when)
            current += 1
            move(user, skills[current], "learning", when)
            hours -= 35


# -- the weekly streak ----------------------------------------------------------------------


@pytest.mark.django_db
def test_eight_hours_a_week_through_35_hour_skills_keeps_the_streak(learner, skills) -> None:
    steady_learner(learner, skills, weeks=12)
    now = at(week(12, 2))  # Wednesday of week 12
    found = plan_of(learner, now)
    # Weeks 0..11 are over and kept; week 12 is under way and kept by the skill in hand.
    assert (found.streak, found.longest_streak) == (13, 13)


@pytest.mark.django_db
def test_any_activity_in_a_week_is_not_enough(learner, skills) -> None:
    set_goal(learner, at(week(0)))
    for n in range(4):  # a status change every week, but no skill worked through
        move(learner, skills[0], "learning" if n % 2 == 0 else "todo", at(week(n, 1)))
    found = plan_of(learner, at(week(4, 3)))
    # The skill was learned on and off; only the weeks the plan gives it count once.
    assert found.streak == 0


@pytest.mark.django_db
def test_done_learning_done_inflates_neither_pace_nor_streak(learner, skills) -> None:
    set_goal(learner, at(week(0)))
    move(learner, skills[0], "learning", at(week(0)))
    move(learner, skills[0], "done", at(week(4, 2)))
    once = plan_of(learner, at(week(5, 2)))
    for n in range(3):
        move(learner, skills[0], "learning", at(week(5, n)))
        move(learner, skills[0], "done", at(week(5, n), 12))
    again = plan_of(learner, at(week(5, 2)))
    assert (again.pace, again.streak, again.longest_streak) == (
        once.pace,
        once.streak,
        once.longest_streak,
    )
    assert once.pace == pytest.approx(35 / 4)


@pytest.mark.django_db
def test_the_weekly_streak_runs_across_the_new_year(learner, skills) -> None:
    start = dt.date(2026, 12, 14)  # a Monday; ISO week 53 of 2026 runs into 2027
    set_goal(learner, at(start), hours=10)
    move(learner, skills[0], "learning", at(start))
    move(learner, skills[0], "done", at(start + dt.timedelta(weeks=2, days=3)))
    move(learner, skills[1], "learning", at(start + dt.timedelta(weeks=2, days=3)))
    found = plan_of(learner, at(dt.date(2027, 1, 13)))  # Wednesday of the fifth week
    # 35 h over the three weeks to 3 Jan (11.7 h each), then skill 2 at 35/4 h a week.
    assert (found.streak, found.longest_streak) == (5, 5)


@pytest.mark.django_db
def test_a_week_is_judged_by_the_goal_then_in_force(learner, skills) -> None:
    set_goal(learner, at(week(0)), hours=4)
    move(learner, skills[0], "learning", at(week(0)))
    move(learner, skills[0], "done", at(week(9, 4)))  # 3.5 h a week over ten weeks
    set_goal(learner, at(week(10)), hours=20)  # from week 10, 20 h a week
    found = plan_of(learner, at(week(10, 1)))
    # 3.5 h ≥ half of 4 h for weeks 0..9; week 10 is not over and not yet kept.
    assert (found.streak, found.longest_streak) == (10, 10)


# -- pace and projection --------------------------------------------------------------------


@pytest.mark.django_db
def test_stated_hours_stand_in_until_two_weeks_of_history(learner, skills) -> None:
    set_goal(learner, at(week(0)), hours=7, target=week(40))
    move(learner, skills[0], "learning", at(week(0)))
    found = plan_of(learner, at(week(1, 2)))
    assert found.pace is None and found.rate == 7
    # 6 required skills × 35 h at 7 h a week: 30 weeks from today.
    assert found.hours_left == 210
    assert found.finish_at_pace == found.finish_at_stated == week(1, 2) + dt.timedelta(weeks=30)
    assert (found.on_track, found.weeks_behind) == (True, 0)


@pytest.mark.django_db
def test_pace_projection_and_weeks_behind(learner, skills) -> None:
    set_goal(learner, at(week(0)), hours=10, target=week(20))
    move(learner, skills[0], "learning", at(week(0)))
    move(learner, skills[0], "done", at(week(3)))  # before the four-week window
    move(learner, skills[1], "learning", at(week(3)))
    move(learner, skills[1], "done", at(week(6)))  # 35 h in the last four weeks
    now = at(week(8))
    found = plan_of(learner, now)
    assert found.pace == pytest.approx(35 / 4)
    assert found.hours_left == 4 * 35
    # 140 h at 8.75 h a week: 16 weeks; at 10 h a week: 14 weeks.
    assert found.finish_at_pace == week(8) + dt.timedelta(weeks=16)
    assert found.finish_at_stated == week(8) + dt.timedelta(weeks=14)
    assert found.weeks_behind == 4 and found.on_track is False


@pytest.mark.django_db
def test_known_before_is_done_for_the_path_but_not_pace(learner, skills) -> None:
    set_goal(learner, at(week(0)), hours=8)
    progress_mark_known(user=learner, skill_ids=[s.pk for s in skills[:3]], now=at(week(0)))
    move(learner, skills[3], "learning", at(week(0), 12))
    found = plan_of(learner, at(week(3)))
    assert found.required_done == 3 and found.hours_left == 3 * 35
    assert found.pace == 0  # three weeks of history, nothing completed in them
    assert found.finish_at_pace is None
    assert found.this_week[0].skill.slug == "skill-1-4"


# -- this week ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_this_week_shares_the_hours_and_respects_prerequisites(learner, skills) -> None:
    set_goal(learner, at(week(0)), hours=8)
    move(learner, skills[0], "learning", at(week(0)))
    found = plan_of(learner, at(week(1, 2)))
    # The skill in hand first, in its second week of five; the next one needs it done.
    assert [(i.skill.slug, i.hours, i.week, i.weeks, i.started) for i in found.this_week] == [
        ("skill-1-1", 8, 2, 5, True)
    ]
    html_week = plan_of(learner, at(week(4, 2))).this_week
    # Week 5 of 5 needs the last 3 h; skill 2 waits for skill 1 to be done.
    assert [(i.skill.slug, i.hours, i.week) for i in html_week] == [("skill-1-1", 3, 5)]
    move(learner, skills[0], "done", at(week(4, 2)))
    nxt = plan_of(learner, at(week(4, 2), 12)).this_week
    assert [(i.skill.slug, i.hours, i.week, i.weeks, i.started) for i in nxt] == [
        ("skill-1-2", 8, 1, 5, False)
    ]


# -- "I know this already" ------------------------------------------------------------------


@pytest.mark.django_db
def test_marking_a_stage_known_is_one_transaction_with_events(learner, skills) -> None:
    move(learner, skills[1], "learning", at(week(0)))
    move(learner, skills[2], "done", at(week(0)))
    set_goal(learner, at(week(1)))
    client = Client()
    client.force_login(learner)
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/goal/known/", {"stage": "1"})
    assert response.status_code == 303 and response["Location"] == "/dashboard/"
    rows = {p.skill.slug: p for p in Progress.objects.filter(user=learner)}
    # Skill 3 was done already and stays as it was: its completion is real work.
    assert {slug: (p.status, p.known_before) for slug, p in rows.items()} == {
        "skill-1-1": ("done", True),
        "skill-1-2": ("done", True),
        "skill-1-3": ("done", False),
    }
    known = ProgressEvent.objects.filter(user=learner, kind=EventKind.KNOWN)
    assert sorted(known.values_list("skill__slug", "from_status")) == [
        ("skill-1-1", "todo"),
        ("skill-1-2", "learning"),
    ]
    sql = [q["sql"] for q in queries.captured_queries]
    assert any("SAVEPOINT" in s or "BEGIN" in s for s in sql)
    response = client.get("/dashboard/")
    page = response.content.decode()
    assert "Marked 2 skills as known before." in page
    # Known skills are not activity: not in the calendar or recent activity.
    assert response.context["calendar"].total == 1
    recent = [(row.skill.slug, row.to_status) for row in response.context["recent"]]
    assert recent == [("skill-1-3", "done"), ("skill-1-2", "learning")]


@pytest.mark.django_db
def test_the_known_page_lists_the_path_in_stages(learner, skills) -> None:
    set_goal(learner, at(week(0)))
    client = Client()
    client.force_login(learner)
    page = client.get("/goal/known/").content.decode()
    assert "Stage 1</span> Foundations" in page and "Stage 2</span> Production" in page
    assert page.count('name="skill"') == 7
    assert "I know all of stage 2" in page
    progress_mark_known(user=learner, skill_ids=[skills[0].pk])
    assert (
        'Skill 1.1 <span class="muted">· known before</span>'
        in client.get("/goal/known/").content.decode()
    )
    Progress.objects.all().delete()
    # Nothing ticked: the page says what to do and nothing changes.
    again = client.post("/goal/known/", {})
    assert again.status_code == 200
    assert "Tick the skills you know already" in again.content.decode()
    assert not Progress.objects.filter(user=learner).exists()
    # Ticked skills only.
    client.post("/goal/known/", {"skill": ["skill-1-4", "skill-1-7"]})
    assert set(
        Progress.objects.filter(user=learner, known_before=True).values_list(
            "skill__slug", flat=True
        )
    ) == {"skill-1-4", "skill-1-7"}


@pytest.mark.django_db
def test_without_a_goal_the_known_page_sends_you_to_set_one(learner, skills) -> None:
    client = Client()
    client.force_login(learner)
    response = client.get("/goal/known/")
    assert response.status_code == 302 and response["Location"] == "/goal/"


@pytest.mark.django_db
def test_a_later_status_change_clears_known_before(learner, skills) -> None:
    progress_mark_known(user=learner, skill_ids=[skills[0].pk])
    move(learner, skills[0], "learning", at(week(0)))
    assert Progress.objects.get(user=learner).known_before is False


# -- pages ----------------------------------------------------------------------------------


@pytest.mark.django_db
@time_machine.travel(at(week(8), 12), tick=False)
def test_the_dashboard_tells_the_plan_in_words(learner, skills) -> None:
    set_goal(learner, at(week(0)), hours=10, target=week(20))
    move(learner, skills[0], "learning", at(week(0)))
    move(learner, skills[0], "done", at(week(3)))
    move(learner, skills[1], "learning", at(week(3)))
    move(learner, skills[1], "done", at(week(6)))
    move(learner, skills[2], "learning", at(week(6)))
    client = Client()
    client.force_login(learner)
    page = client.get("/dashboard/").content.decode()
    assert "Your plan: " in page and "MLOps engineer" in page
    assert "Behind by 4 weeks" in page
    assert "about 8.8 h a week" in page
    assert "This week, 10 h" in page
    assert "week 3 of 4" in page  # skill 3, begun two weeks ago, 35 h at 10 h a week
    assert "Weekly streak" in page and "at least half the hours a week" in page
    # Tracks outside the path fold away (this catalog has one track: nothing to fold).
    assert "Show the other" not in page


@pytest.mark.django_db
def test_plan_pages_run_a_fixed_number_of_queries(learner, skills) -> None:
    client = Client()
    client.force_login(learner)
    set_goal(learner, at(week(0)))

    def count(url: str) -> int:
        client.get(url)  # the catalog copy is rebuilt once after the catalog grows
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = {url: count(url) for url in ("/dashboard/", "/goal/known/")}
    steady_learner(learner, skills, weeks=20)
    make_catalog(tracks=3, skills_per_track=10)
    for skill in Skill.objects.filter(track__slug="track-3"):
        move(learner, skill, "done", at(week(21)))
    assert {url: count(url) for url in small} == small


@pytest.mark.django_db
def test_mentors_see_the_plan_but_not_known_skills_as_activity(learner, skills) -> None:
    from tracker.mentoring.digest import compose_digest
    from tracker.mentoring.services import mentorship_create

    mentor = make_user("mo")
    link = mentorship_create(learner=learner, mentor=mentor)
    set_goal(learner, at(week(0)), target=week(80))
    progress_mark_known(user=learner, skill_ids=[s.pk for s in skills[:3]])
    client = Client()
    client.force_login(mentor)
    dashboard = client.get("/mentor/").content.decode()
    assert "On track" in dashboard
    row = client.get("/mentor/").context["rows"][0]
    # Marking known is not activity: never active, nothing done this week.
    assert (row.last_activity, row.done_last_7_days, row.status) == (None, 0, "stalled")
    page = client.get("/mentor/lea/").content.decode()
    assert "Plan: " in page and "3 of 6 required skills done" in page
    assert page.count("Known before Gradient: nothing to verify") == 3
    digest = compose_digest(mentor, [link], now=dt.datetime.now(UTC))
    assert digest.mentees[0].completed == []


@pytest.mark.django_db
def test_nothing_completed_in_four_weeks_is_stalled_not_a_made_up_number(learner, skills):
    set_goal(learner, at(week(0)), hours=8, target=week(30))
    move(learner, skills[0], "learning", at(week(0)))
    found = plan_of(learner, at(week(5)))
    assert found.pace == 0 and found.finish_at_pace is None
    assert (found.on_track, found.weeks_behind) == (False, None)
    client = Client()
    client.force_login(learner)
    with time_machine.travel(at(week(5)), tick=False):
        page = client.get("/dashboard/").content.decode()
    assert "Stalled: nothing completed in four weeks" in page
    assert "No skill of the path was completed in the last four weeks" in page


@pytest.mark.django_db
def test_the_mentor_projects_what_the_learner_sees(learner, skills) -> None:
    """The mentor's table reads less history (grouped in the database), to the same
    projection: pace, finish, weeks behind."""
    from tracker.mentoring.services import mentorship_create

    mentor = make_user("mo")
    mentorship_create(learner=learner, mentor=mentor)
    steady_learner(learner, skills, weeks=12)
    move(learner, skills[0], "learning", at(week(11)))  # undone and done again: once
    move(learner, skills[0], "done", at(week(11), 12))
    progress_mark_known(user=learner, skill_ids=[skills[6].pk], now=at(week(11)))
    now = at(week(12, 2))
    first = ProgressEvent.objects.filter(user=learner).order_by("created_at")[0].created_at
    rows = plan.finished_rows([learner.pk], now)
    facts = plan.facts_for_many({learner.pk: first}, rows, now)[learner.pk]
    theirs = plan.build_plan(facts, get_catalog(), now=now, full=False)
    mine = plan_of(learner, now)
    assert theirs is not None
    assert (theirs.pace, theirs.finish_at_pace, theirs.weeks_behind, theirs.hours_left) == (
        mine.pace,
        mine.finish_at_pace,
        mine.weeks_behind,
        mine.hours_left,
    )
    assert mine.pace > 0
