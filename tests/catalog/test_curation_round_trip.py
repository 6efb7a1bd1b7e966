"""One source of truth with curation that sticks: the committed file loads and dumps back
unchanged, and what curators do in admin survives a dump and a load on a fresh database."""

import tomllib
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from catalog.curriculum import DEFAULT_PATH, load_curriculum, parse_curriculum
from catalog.dump import basic_string, dump_curriculum, multiline_string
from catalog.models import LearningPath, Prerequisite, Resource, Skill, Track
from tests.helpers import PASSWORD


def catalog_state() -> dict[str, list]:
    """The published catalog as a learner sees it, without ids."""
    return {
        "tracks": list(Track.objects.order_by("order").values_list("slug", "title", "summary")),
        "skills": list(
            Skill.objects.published()
            .order_by("track__order", "order")
            .values_list("slug", "track__slug", "title", "summary", "level", "hours", "aliases")
        ),
        "prerequisites": sorted(
            Prerequisite.objects.filter(skill__is_published=True).values_list(
                "skill__slug", "requires__slug"
            )
        ),
        "resources": list(
            Resource.objects.filter(skill__is_published=True)
            .order_by("skill__slug", "order", "id")
            .values_list(
                "skill__slug", "title", "url", "kind", "is_free", "minutes", "author", "provider"
            )
        ),
    }


def fresh_database() -> None:
    LearningPath.objects.all().delete()
    Prerequisite.objects.all().delete()
    Resource.objects.all().delete()
    Skill.objects.all().delete()
    Track.objects.all().delete()


@pytest.mark.django_db
def test_loading_the_committed_file_and_dumping_it_changes_nothing() -> None:
    load_curriculum(DEFAULT_PATH)
    assert dump_curriculum() == DEFAULT_PATH.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_admin_edits_survive_a_dump_and_a_load_on_a_fresh_database(
    staff, tmp_path: Path, monkeypatch
) -> None:
    load_curriculum(DEFAULT_PATH)
    admin = Client()
    admin.login(username="staff", password=PASSWORD)
    skill = Skill.objects.get(slug="linear-algebra")
    resource = skill.resources.order_by("order").first()
    assert resource is not None
    # Edits as a curator makes them: a resource's title, an unpublished skill, a new skill.
    resource.title = 'Essence of "linear algebra" \\ 3Blue1Brown'
    resource.save()
    Skill.objects.filter(slug="calculus").update(
        summary="Limits and derivatives.\nTwo lines.", aliases="limits, derivatives"
    )
    Skill.objects.filter(slug="discrete-mathematics").update(is_published=False)
    track = Track.objects.get(slug="mathematics")
    new = Skill.objects.create(
        track=track, slug="numerical-methods", title="Numerical methods", hours=12, order=99,
        summary='Floating point, "conditioning" and stable algorithms. It matters."',
    )  # fmt: skip
    Prerequisite.objects.create(skill=new, requires=skill)
    Resource.objects.create(
        skill=new, title="Numerical Recipes", url="https://numerical.recipes/",
        kind="book", is_free=False, minutes=600, author="William H. Press",
        provider="Cambridge University Press",
    )  # fmt: skip
    Prerequisite.objects.filter(requires__slug="discrete-mathematics").delete()
    before = catalog_state()

    path = tmp_path / "curriculum.toml"
    call_command("dump_curriculum", str(path))
    parse_curriculum(path)  # the loader's own checks accept what the dump wrote
    fresh_database()
    load_curriculum(path)
    assert catalog_state() == before
    assert dump_curriculum() == path.read_text(encoding="utf-8")  # and dumps back the same


@pytest.mark.parametrize(
    "text",
    ["plain", 'a "quote"', "back\\slash", "tab\there", "new\nline", 'ends with "', '"""',
     "del\x7f", "nul\x00", "ünïcode ✓", '""', 'a\\"b'],
)  # fmt: skip
def test_strings_are_written_as_toml_reads_them_back(text: str) -> None:
    assert tomllib.loads(f"a = {basic_string(text)}")["a"] == text
    assert tomllib.loads(f"a = {multiline_string(text)}")["a"] == text
