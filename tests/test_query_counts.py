"""Every page runs a fixed number of queries, whatever the amount of data: measured on a
first render at two data sizes, and equal. Nothing is cached between requests, and a
test here fails if a page is answered without rendering its template (as a page kept in
a cache would be).

The catalog each server process keeps (catalog/snapshot.py) is warmed before counting:
in production a process asks whether it changed at most once a second, not per request.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext

from catalog.models import LearningPath, PathStep, Skill
from catalog.snapshot import forget_catalog
from tests.helpers import make_catalog, make_user
from tracker.mentoring import services as mentoring
from tracker.models import Metric, Project, User
from tracker.progress import services as progress

HTMX = {"HTTP_HX_REQUEST": "true"}
LIMIT = 10


def grow(learner: User, mentor: User, size: int, tag: str) -> None:
    """More of everything pages show: skills, statuses and history, projects with their
    tables and skills, feedback threads, and mentees for the mentor."""
    skills = make_catalog(tracks=2, skills_per_track=size)
    # A path over every skill so far, and goals on it: the plan's queries are counted too.
    path, _ = LearningPath.objects.get_or_create(slug="qc", defaults={"title": "QC"})
    for n, skill in enumerate(skills):
        PathStep.objects.create(path=path, skill=skill, stage=tag, order=n + 100 * size)
    forget_catalog()
    progress.goal_set(user=learner, path_id=path.pk, hours_per_week=size, target_date=None,
                      time_zone="UTC")  # fmt: skip
    progress.progress_mark_known(user=learner, skill_ids=[skills[-1].pk])
    statuses = ["learning", "done", "skipped", "done"]
    for i, skill in enumerate(skills):
        progress.progress_set_status(user=learner, skill_id=skill.pk, status=statuses[i % 4])
        progress.progress_save_note(user=learner, skill_id=skill.pk, note=f"Note **{i}**")
    mentorship = learner.mentorships.get(mentor=mentor)
    for i in range(size):
        project = Project.objects.create(
            owner=learner,
            title=f"{tag} project {i}",
            summary="s",
            visibility=["public", "mentors", "private"][i % 3],
        )
        Metric.objects.create(project=project, name="F1", value=0.5)
        project.skills.set(skills[:3])
        if project.visibility != "private":
            mentoring.feedback_give(
                mentorship=mentorship, author=mentor, body="Hm", project=project
            )
        mentoring.feedback_give(
            mentorship=mentorship, author=mentor, body="Try", skill_id=skills[i].pk
        )
        mentee = make_user(f"{tag}mentee{i}")
        mentoring.mentorship_create(learner=mentee, mentor=mentor)
        progress.progress_set_status(user=mentee, skill_id=skills[i].pk, status="done")
        progress.goal_set(user=mentee, path_id=path.pk, hours_per_week=5, target_date=None,
                          time_zone="UTC")  # fmt: skip


PAGES: dict[str, tuple[str, Callable[[], str], dict]] = {
    # name: (who, path, extra request arguments)
    "catalog": ("learner", lambda: "/catalog/", {}),
    "search": ("learner", lambda: "/catalog/?q=skill", {}),
    "track": ("learner", lambda: "/catalog/track-1/", {}),
    "skill": ("learner", lambda: "/skills/skill-1-2/", {}),
    "dashboard": ("learner", lambda: "/dashboard/", {}),
    "projects": ("learner", lambda: "/projects/", {}),
    "project": ("learner", lambda: f"/projects/{Project.objects.order_by('pk')[0].pk}/", {}),
    "public page": ("anonymous", lambda: "/u/alice/", {}),
    "mentors": ("learner", lambda: "/mentors/", {}),
    "goal": ("learner", lambda: "/goal/", {}),
    "what you know already": ("learner", lambda: "/goal/known/", {}),
    "paths": ("learner", lambda: "/paths/", {}),
    "path": ("learner", lambda: "/paths/qc/", {}),
    "path map": ("learner", lambda: "/paths/qc/map/", {}),
    "track map": ("learner", lambda: "/catalog/track-1/map/", {}),
    "mentor dashboard": ("mentor", lambda: "/mentor/", {}),
    "mentee page": ("mentor", lambda: "/mentor/alice/", {}),
}


def client_for(who: str, learner: User, mentor: User) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(learner if who == "learner" else mentor)
    return client


def count(client: Client, send: Callable[[], object]) -> tuple[int, int]:
    """(queries, templates rendered) of one request."""
    rendered: list[object] = []

    def seen(sender: object, **kwargs: object) -> None:
        rendered.append(sender)

    template_rendered.connect(seen)
    try:
        with CaptureQueriesContext(connection) as queries:
            response = send()
    finally:
        template_rendered.disconnect(seen)
    assert response.status_code == 200, response.status_code  # type: ignore[attr-defined]
    return len(queries.captured_queries), len(rendered)


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(PAGES))
def test_a_page_runs_the_same_few_queries_at_any_size(name: str) -> None:
    who, path, extra = PAGES[name]
    alice, grace = make_user("alice", show_progress=True), make_user("grace")
    mentoring.mentorship_create(learner=alice, mentor=grace)
    client = client_for(who, alice, grace)
    results = []
    with override_settings(CATALOG_CHECK_SECONDS=3600):
        for size, tag in ((2, "small"), (12, "large")):
            grow(alice, grace, size, tag)
            client.get(path(), **extra)  # this process's catalog copy, after the growth
            results.append(count(client, lambda: client.get(path(), **extra)))
    (small, rendered_small), (large, rendered_large) = results
    assert small == large <= LIMIT, f"{name}: {small} queries, then {large}"
    # Rendered, not served from a cache, both times.
    assert rendered_small and rendered_large


@pytest.mark.django_db
@pytest.mark.parametrize("on", ["/dashboard/", "/catalog/track-1/", "/skills/skill-1-1/"])
def test_the_toggle_runs_the_same_few_queries_at_any_size(on: str) -> None:
    """Pressed on each page that answers with more than the control (out of band)."""
    alice, grace = make_user("alice"), make_user("grace")
    mentoring.mentorship_create(learner=alice, mentor=grace)
    client = client_for("learner", alice, grace)
    results = []
    with override_settings(CATALOG_CHECK_SECONDS=3600):
        for size, tag in ((2, "small"), (12, "large")):
            grow(alice, grace, size, tag)
            skill = Skill.objects.get(slug="skill-1-1")
            progress.progress_set_status(user=alice, skill_id=skill.pk, status="todo")
            client.get(on)
            for status in ("learning", "done"):
                results.append(
                    count(
                        client,
                        lambda status=status: client.post(
                            "/progress/skill-1-1/",
                            {"status": status},
                            HTTP_HX_CURRENT_URL=f"http://testserver{on}",
                            **HTMX,
                        ),
                    )
                )
    counts = [queries for queries, _ in results]
    assert counts[0] == counts[2] and counts[1] == counts[3], counts
    # On the dashboard the toggle answers with the dashboard's body: its reads come on top
    # of the write's (the row locked and saved, the event, the savepoint).
    assert max(counts) <= (LIMIT + 4 if on == "/dashboard/" else LIMIT), counts
