"""Anonymous visitors browse the published catalog; everything else answers a styled 404."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog.models import Skill
from catalog.snapshot import forget_catalog
from tests.helpers import make_catalog


@pytest.mark.django_db
def test_the_index_lists_tracks_with_counts_and_hours(client: Client, catalog) -> None:
    Skill.objects.filter(slug="skill-2-3").update(is_published=False)
    forget_catalog()
    response = client.get("/catalog/")
    assert response.status_code == 200
    tracks = {t.title: (t.skill_count, t.hours) for t, _ in response.context["track_rows"]}
    assert tracks == {"Track 1": (3, 12), "Track 2": (2, 6)}
    assert b'href="/catalog/track-1/"' in response.content


@pytest.mark.django_db
def test_the_track_page_lists_skills_in_order_with_prerequisites(client: Client, catalog) -> None:
    response = client.get("/catalog/track-1/")
    assert response.status_code == 200
    assert [s.slug for s, *_ in response.context["rows"]] == ["skill-1-1", "skill-1-2", "skill-1-3"]
    html = response.content.decode()
    assert html.index("Skill 1.1") < html.index("Skill 1.2") < html.index("Skill 1.3")
    assert 'href="/skills/skill-1-1/">Skill 1.1</a>' in html  # 1.2's prerequisite, linked
    assert "Beginner" in html and "4 h" in html


@pytest.mark.django_db
def test_the_skill_page_shows_resources_prerequisites_and_unlocks(client: Client, catalog) -> None:
    response = client.get("/skills/skill-1-2/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Summary of skill 1.2. It matters." in html
    assert 'href="https://example.org/1/2"' in html
    assert "Documentation" in html  # resources grouped by kind
    assert [s.slug for s in response.context["prerequisites"]] == ["skill-1-1"]
    assert [s.slug for s in response.context["unlocks"]] == ["skill-1-3"]
    assert 'href="/skills/skill-1-3/"' in html


@pytest.mark.django_db
def test_unpublished_skills_are_hidden_everywhere(client: Client, catalog) -> None:
    Skill.objects.filter(slug="skill-1-1").update(is_published=False)
    forget_catalog()
    assert client.get("/skills/skill-1-1/").status_code == 404
    assert b"Skill 1.1" not in client.get("/catalog/track-1/").content
    assert b"Skill 1.1" not in client.get("/skills/skill-1-2/").content


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/catalog/nope/", "/skills/nope/"])
def test_unknown_slugs_answer_a_styled_404(client: Client, catalog, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert b'<main id="main"' in response.content
    assert b"Catalog" in response.content


@pytest.mark.django_db
def test_a_track_with_nothing_published_answers_404(client: Client, catalog) -> None:
    Skill.objects.filter(track__slug="track-2").update(is_published=False)
    forget_catalog()
    assert client.get("/catalog/track-2/").status_code == 404
    assert [t.slug for t, _ in client.get("/catalog/").context["track_rows"]] == ["track-1"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/catalog/", "/catalog/track-1/", "/skills/skill-1-2/"])
def test_pages_reject_post(client: Client, catalog, url: str) -> None:
    assert client.post(url).status_code == 405


def count_queries(client: Client, url: str) -> int:
    """Queries of a page load once the process holds the current catalog."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/catalog/", "/catalog/track-1/", "/skills/skill-1-2/"])
def test_query_count_does_not_grow_with_the_catalog(client: Client, url: str) -> None:
    make_catalog(tracks=1, skills_per_track=3)
    small = count_queries(client, url)
    for t in range(2, 8):
        make_catalog_track(t, 25)
    large = count_queries(client, url)
    assert small == large
    assert large <= 6


def make_catalog_track(t: int, n: int) -> None:
    from catalog.models import Resource, Track

    track = Track.objects.create(slug=f"track-{t}", title=f"Track {t}", order=t)
    first = Skill.objects.get(slug="skill-1-2")
    for s in range(1, n + 1):
        skill = Skill.objects.create(
            track=track, slug=f"s-{t}-{s}", title=f"S {t}.{s}", summary="A. B.", hours=1, order=s
        )
        skill.prerequisites.add(first)  # so skill-1-2 unlocks many
        Resource.objects.create(
            skill=skill, title="R", url=f"https://e.org/{t}/{s}", kind="book", minutes=5
        )
        Resource.objects.create(
            skill=first, title="R", url=f"https://e.org/x/{t}/{s}", kind="video", minutes=5
        )
    forget_catalog()


# -- signed in: the learner's status everywhere -------------------------------------------


@pytest.mark.django_db
def test_signed_in_every_skill_shows_its_status_as_text(client: Client, alice, catalog) -> None:
    from tracker.progress.services import progress_set_status

    progress_set_status(user=alice, skill_id=catalog[0].pk, status="done")
    progress_set_status(user=alice, skill_id=catalog[1].pk, status="learning")
    client.force_login(alice)
    html = client.get("/catalog/track-1/").content.decode()
    assert html.count('class="status status-done">Done</span>') == 1
    assert html.count('class="status status-learning">Learning</span>') == 1
    assert html.count('class="status status-todo">To do</span>') == 1
    assert 'aria-valuenow="33"' in html  # the track's bar: 1 of 3


@pytest.mark.django_db
def test_each_row_shows_the_first_sentence_of_the_skills_summary(client: Client, catalog) -> None:
    Skill.objects.filter(slug="skill-1-2").update(
        summary="Tools, e.g. Ruff, that check code. pandas is next. More here."
    )
    forget_catalog()
    html = client.get("/catalog/track-1/").content.decode()
    assert '<p class="skill-lede">Summary of skill 1.1.</p>' in html
    assert '<p class="skill-lede">Tools, e.g. Ruff, that check code.</p>' in html
    assert "It matters" not in html and "pandas is next" not in html


@pytest.mark.django_db
def test_a_row_says_its_status_in_words_beside_the_level(client: Client, alice, catalog) -> None:
    from tracker.progress.services import progress_set_status

    progress_set_status(user=alice, skill_id=catalog[0].pk, status="done")
    progress_set_status(user=alice, skill_id=catalog[1].pk, status="skipped")
    client.force_login(alice)
    html = client.get("/catalog/track-1/").content.decode()
    status = 'id="row-status-skill-1-{}" class="row-status status status-{}"'
    assert status.format(1, "done") + ">Done</span>" in html
    assert status.format(2, "skipped") + ">Skipped</span>" in html
    assert status.format(3, "todo") + " hidden>To do</span>" in html  # not shown: most rows
    visitor = Client().get("/catalog/track-1/").content.decode()
    assert "row-status" not in visitor


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("wanted", "slugs"),
    [
        ("done", ["skill-1-1"]),
        ("learning", ["skill-1-2"]),
        ("todo", ["skill-1-3"]),
        ("skipped", []),
        ("", ["skill-1-1", "skill-1-2", "skill-1-3"]),
        ("bogus", ["skill-1-1", "skill-1-2", "skill-1-3"]),
    ],
)
def test_the_track_page_filters_by_status(client: Client, alice, catalog, wanted, slugs) -> None:
    from tracker.progress.services import progress_set_status

    progress_set_status(user=alice, skill_id=catalog[0].pk, status="done")
    progress_set_status(user=alice, skill_id=catalog[1].pk, status="learning")
    client.force_login(alice)
    response = client.get(f"/catalog/track-1/?status={wanted}")
    assert [s.slug for s, *_ in response.context["rows"]] == slugs
    if not slugs:
        assert "No skill in this track is marked “Skipped”" in response.content.decode()


# Search: tests/catalog/test_search.py.


@pytest.mark.django_db
def test_the_skill_page_recommends_prerequisites_but_allows_done(
    client: Client, alice, catalog
) -> None:
    client.force_login(alice)
    html = client.get("/skills/skill-1-3/").content.decode()
    assert "Recommended first:" in html
    assert 'href="/skills/skill-1-2/">Skill 1.2</a>' in html.split("Recommended first:")[1]
    response = client.post("/progress/skill-1-3/", {"status": "done"})
    assert response.status_code == 303
    html = client.get("/skills/skill-1-3/").content.decode()
    assert 'class="status status-done">Done</span>' in html


@pytest.mark.django_db
def test_a_visitor_is_invited_to_sign_up_and_comes_back_to_the_page(
    client: Client, alice, catalog
) -> None:
    skill = client.get("/skills/skill-1-2/").content.decode()
    assert 'id="invitation-heading" class="card-title">Track this skill as you learn it' in skill
    assert 'href="/accounts/signup/?next=/skills/skill-1-2/">Sign up</a>' in skill
    assert 'href="/accounts/login/?next=/skills/skill-1-2/">Log in</a>' in skill
    track = client.get("/catalog/track-1/").content.decode()
    assert 'href="/accounts/signup/?next=/catalog/track-1/">Sign up</a>' in track
    # The header's log-in comes back too; its sign-up leads to setting a goal first.
    assert '<a href="/accounts/login/?next=/catalog/track-1/">Log in</a>' in track
    assert '<a class="button button-small" href="/accounts/signup/">Sign up</a>' in track
    client.force_login(alice)
    assert "invitation" not in client.get("/skills/skill-1-2/").content.decode()
