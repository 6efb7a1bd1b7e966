"""Paths as a learner sees them: every path with its hours and progress, one path in
stages with status controls, and its map."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog.models import LearningPath, PathStep, Skill
from catalog.snapshot import forget_catalog
from tests.helpers import make_catalog
from tracker.progress import services as progress


@pytest.fixture
def path(catalog) -> LearningPath:
    """skill-1-1 → 1-2 → 1-3 required in two stages, skill-2-1 an elective."""
    path = LearningPath.objects.create(
        slug="analyst", title="Analyst", summary="Tables first.", suits="People with tables."
    )
    steps = [("skill-1-1", "Start", True), ("skill-1-2", "Start", True),
             ("skill-1-3", "Further", True), ("skill-2-1", "Further", False)]  # fmt: skip
    for n, (slug, stage, required) in enumerate(steps, start=1):
        PathStep.objects.create(
            path=path, skill=Skill.objects.get(slug=slug), stage=stage, required=required, order=n
        )
    forget_catalog()
    return path


@pytest.mark.django_db
def test_the_paths_page_lists_each_path_with_hours_and_progress(path, alice, client) -> None:
    first = Skill.objects.get(slug="skill-1-1")
    progress.progress_set_status(user=alice, skill_id=first.pk, status="done")
    client.force_login(alice)
    page = client.get("/paths/").content.decode()
    assert '<a href="/paths/analyst/">Analyst</a>' in page
    assert "3 skills, about 12 h" in page  # 2 + 4 + 6 hours, required only
    assert "1 elective, 2 h" in page
    assert "33% · 1 of 3 required skills done" in page
    visitor = Client().get("/paths/").content.decode()
    assert "Analyst" in visitor and "required skills done" not in visitor


@pytest.mark.django_db
def test_a_path_shows_its_stages_with_status_controls(path, alice_client) -> None:
    page = alice_client.get("/paths/analyst/").content.decode()
    assert '<span class="muted">Stage 1</span> Start</h2>' in page
    assert '<span class="muted">Stage 2</span> Further</h2>' in page
    assert page.index("Skill 1.1") < page.index("Skill 1.2") < page.index("Skill 1.3")
    assert page.count('<form id="status-skill-') == 4
    assert page.count('<span class="badge badge-elective">Elective</span>') == 1
    assert 'href="/paths/analyst/map/"' in page


@pytest.mark.django_db
def test_a_paths_map_draws_its_skills(path, client) -> None:
    page = client.get("/paths/analyst/map/").content.decode()
    assert page.count('<a class="map-node') == 4
    assert page.count('<path class="map-edge"') == 2  # 1.1 → 1.2 → 1.3
    assert "<h1>Map of the Analyst path</h1>" in page


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/paths/nope/", "/paths/nope/map/"])
def test_an_unknown_path_answers_404(path, client, url) -> None:
    assert client.get(url).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/paths/", "/paths/analyst/", "/paths/analyst/map/"])
def test_path_pages_run_the_same_queries_whatever_the_size(path, alice, url) -> None:
    client = Client()
    client.force_login(alice)
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n, skill in enumerate(make_catalog(tracks=1, skills_per_track=15), start=10):
        PathStep.objects.create(path=path, skill=skill, stage="More", order=n)
        progress.progress_set_status(user=alice, skill_id=skill.pk, status="learning")
    forget_catalog()
    client.get(url)
    assert count() == few
