"""The prerequisite map: a layered drawing where arrows point down, no arrow crosses a
skill, crossings are few, and every skill is a link with its status."""

from __future__ import annotations

import random
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog.models import Skill, Track
from tests.helpers import make_catalog
from tracker.progress import maps
from tracker.progress import services as progress


def random_dag(n: int, seed: int) -> tuple[list[int], dict[int, list[int]]]:
    rng = random.Random(seed)
    order = list(range(1, n + 1))
    needs = {
        s: rng.sample(order[: s - 1], k=min(s - 1, rng.choice([0, 1, 1, 2, 3]))) for s in order
    }
    return order, needs


def inside(point: tuple[float, float], node: maps.Node) -> bool:
    x, y = point
    return node.x < x < node.x + maps.NODE_WIDTH and node.y < y < node.y + node.height


@pytest.mark.parametrize("seed", range(12))
def test_nodes_never_overlap_and_no_arrow_runs_through_a_skill(seed: int) -> None:
    order, needs = random_dag(30, seed)
    drawing = maps.layout(order, needs)
    nodes = list(drawing.nodes.values())
    assert sorted(drawing.nodes) == order
    for i, a in enumerate(nodes):
        for b in nodes[i + 1 :]:
            apart = (
                a.x + maps.NODE_WIDTH <= b.x or b.x + maps.NODE_WIDTH <= a.x
                or a.y + a.height <= b.y or b.y + b.height <= a.y
            )  # fmt: skip
            assert apart, (a, b)
    assert len(drawing.edges) == sum(len(v) for v in needs.values())
    for edge in drawing.edges:
        start, end = drawing.nodes[edge.source], drawing.nodes[edge.target]
        assert start.row < end.row  # every arrow points down the map
        assert edge.points[0] == (start.x + maps.NODE_WIDTH // 2, start.y + start.height)
        assert edge.points[-1] == (end.x + maps.NODE_WIDTH // 2, end.y)
        for (x1, y1), (x2, y2) in zip(edge.points, edge.points[1:], strict=False):
            for step in range(1, 40):
                point = (x1 + (x2 - x1) * step / 40, y1 + (y2 - y1) * step / 40)
                crossed = [n.id for n in nodes if inside(point, n)]
                assert not crossed, (edge, crossed)
    assert drawing.width > 0 and drawing.height > 0
    assert all(n.x + maps.NODE_WIDTH <= drawing.width for n in nodes)
    assert all(n.y + n.height <= drawing.height for n in nodes)


def test_rows_are_ordered_to_avoid_crossings() -> None:
    # In curriculum order, 1 and 2 sit above 3 and 4 with their children swapped: two
    # crossing arrows. Reordering a row removes the crossing.
    drawing = maps.layout([1, 2, 3, 4], {3: [2], 4: [1]})
    assert drawing.crossings == 0
    slots = {n.id: n.slot for n in drawing.nodes.values()}
    assert (slots[1] < slots[2]) == (slots[4] < slots[3])


def test_a_long_titles_lines_fit_the_node() -> None:
    lines = maps.title_lines("Gradient boosting with XGBoost, LightGBM and CatBoost in practice")
    assert len(lines) == 2 and all(len(line) <= maps.TITLE_CHARACTERS for line in lines)
    assert lines[1].endswith("…")


# -- the page --------------------------------------------------------------------------------


@pytest.fixture
def track(catalog) -> Track:
    """track-1 (skill-1-1 → 1-2 → 1-3), and skill-1-3 also needs skill-2-1 of track-2."""
    skill = Skill.objects.get(slug="skill-1-3")
    skill.prerequisites.add(Skill.objects.get(slug="skill-2-1"))
    return Track.objects.get(slug="track-1")


@pytest.mark.django_db
def test_the_map_draws_every_skill_as_a_link_and_each_prerequisite_as_an_arrow(
    track, alice, client
) -> None:
    progress.progress_set_status(
        user=alice, skill_id=Skill.objects.get(slug="skill-1-1").pk, status="done"
    )
    client.force_login(alice)
    page = client.get("/catalog/track-1/map/").content.decode()
    for slug in ("skill-1-1", "skill-1-2", "skill-1-3"):
        assert re.search(rf'<a class="map-node map-\w+" href="/skills/{slug}/"', page), slug
    assert (
        '<a class="map-node map-done" href="/skills/skill-1-1/" aria-label="Skill 1.1: Done"'
        in page
    )
    assert page.count('<path class="map-edge"') == 2  # 1.1 → 1.2 → 1.3, inside the track
    assert "↳ Skill 2.1</text>" in page  # the other track's prerequisite, as a stub
    assert 'aria-label="Skill 1.3: To do; also needs Skill 2.1 (Track 2)"' in page
    assert '<h2 id="map-list-heading">The same, as a list</h2>' in page
    assert 'href="/catalog/track-1/map/"' in client.get("/catalog/track-1/").content.decode()


@pytest.mark.django_db
def test_a_visitor_sees_the_map_and_an_unknown_track_answers_404(track, client) -> None:
    page = client.get("/catalog/track-1/map/")
    assert page.status_code == 200 and "map-todo" in page.content.decode()
    assert client.get("/catalog/nope/map/").status_code == 404


@pytest.mark.django_db
def test_the_map_runs_the_same_queries_whatever_the_size(track, alice) -> None:
    client = Client()
    client.force_login(alice)
    client.get("/catalog/track-1/map/")  # the process's catalog copy, built once

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/catalog/track-1/map/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    extra = make_catalog(tracks=1, skills_per_track=20)
    for skill in extra:
        skill.track = track
        skill.save()
        progress.progress_set_status(user=alice, skill_id=skill.pk, status="learning")
    client.get("/catalog/track-1/map/")
    assert count() == few
