"""Ticking individual resources: a learner marks the curated resources of a skill they
used, privately; the skill page says "1 of 2 resources used"; curators see counts only."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog.models import Resource, Skill
from catalog.snapshot import forget_catalog
from tests.helpers import PASSWORD, as_sent
from tracker.models import ResourceUse, User
from tracker.progress import services as progress

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def skill(catalog: list[Skill]) -> Skill:
    """skill-1-1 with two resources: its docs and a video."""
    first = catalog[0]
    Resource.objects.create(
        skill=first, title="A video", url="https://example.org/video", kind="video", minutes=20
    )
    return first


def resource(skill: Skill, title: str) -> Resource:
    return skill.resources.get(title=title)


@pytest.mark.django_db
def test_a_learner_marks_a_resource_as_used_and_the_page_counts_it(alice_client, alice, skill):
    page = alice_client.get("/skills/skill-1-1/").content.decode()
    assert "0 of 2 resources used" in page
    video = resource(skill, "A video")
    response = alice_client.post(f"/progress/skill-1-1/resources/{video.pk}/", {"used": "1"})
    assert response.status_code == 303
    assert response["Location"] == "/skills/skill-1-1/#resources"
    page = alice_client.get("/skills/skill-1-1/").content.decode()
    assert "1 of 2 resources used" in page
    assert f'id="resource-used-{video.pk}" class="link-button resource-mark">' in page
    assert '<span aria-hidden="true">✓ </span>Used<span class="visually-hidden">: A video' in page
    assert list(ResourceUse.objects.values_list("user__username", "resource__title")) == [
        ("alice", "A video")
    ]


@pytest.mark.django_db
def test_htmx_gets_the_resources_section_and_taking_the_mark_back_works(alice_client, alice, skill):
    video = resource(skill, "A video")
    url = f"/progress/skill-1-1/resources/{video.pk}/"
    fragment = alice_client.post(url, {"used": "1"}, **HTMX).content.decode()
    assert fragment.lstrip().startswith('<section id="resources"')
    assert "1 of 2 resources used" in fragment
    assert '<input type="hidden" name="used" value="0">' in fragment
    assert "<html" not in fragment and "My notes" not in fragment
    # Marking twice keeps one mark.
    alice_client.post(url, {"used": "1"}, **HTMX)
    assert ResourceUse.objects.count() == 1
    fragment = alice_client.post(url, {"used": "0"}, **HTMX).content.decode()
    assert "0 of 2 resources used" in fragment
    assert not ResourceUse.objects.exists()


@pytest.mark.django_db
def test_marks_are_private(alice, bob, skill) -> None:
    video = resource(skill, "A video")
    progress.resource_mark_used(user=alice, resource_id=video.pk, used=True)
    bob_client = Client()
    bob_client.force_login(bob)
    assert "0 of 2 resources used" in bob_client.get("/skills/skill-1-1/").content.decode()
    visitor = Client().get("/skills/skill-1-1/").content.decode()
    assert "resources used" not in visitor and "Mark as used" not in visitor
    # A visitor cannot mark anything: the sign-in page, and nothing written.
    response = Client().post(f"/progress/skill-1-1/resources/{video.pk}/", {"used": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert ResourceUse.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/progress/skill-1-1/resources/{other}/",  # a resource of another skill
        "/progress/skill-1-1/resources/999999/",  # no such resource
        "/progress/no-such-skill/resources/{video}/",  # no such skill
        "/progress/hidden/resources/{hidden}/",  # an unpublished skill's resource
    ],
)
def test_a_resource_that_is_not_on_that_published_skill_answers_404(
    alice_client, skill, catalog, path
) -> None:
    hidden = Skill.objects.create(
        track=skill.track, slug="hidden", title="Hidden", summary="Not yet.", hours=1,
        is_published=False,
    )  # fmt: skip
    hidden_resource = Resource.objects.create(
        skill=hidden, title="Draft", url="https://example.org/draft", kind="docs", minutes=5
    )
    other = catalog[1].resources.get()
    url = path.format(
        other=other.pk, video=resource(skill, "A video").pk, hidden=hidden_resource.pk
    )
    assert alice_client.post(url, {"used": "1"}).status_code == 404
    assert not ResourceUse.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["", "yes", "2", "1" * 500])
def test_a_used_value_other_than_0_or_1_is_refused_with_a_message(
    alice_client, skill, value
) -> None:
    video = resource(skill, "A video")
    response = alice_client.post(f"/progress/skill-1-1/resources/{video.pk}/", {"used": value})
    assert response.status_code == 400
    assert "send used=1 or used=0" in response.content.decode()
    assert not ResourceUse.objects.exists()


@pytest.mark.django_db
def test_a_get_is_not_allowed(alice_client, skill) -> None:
    video = resource(skill, "A video")
    assert alice_client.get(f"/progress/skill-1-1/resources/{video.pk}/").status_code == 405


@pytest.mark.django_db
def test_the_skill_page_reads_the_marks_in_one_query_however_many(alice, skill) -> None:
    client = Client()
    client.force_login(alice)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/skills/skill-1-1/").status_code == 200
        return len(ctx.captured_queries)

    client.get("/skills/skill-1-1/")  # builds the process's catalog copy: not counted
    few = count()
    for i in range(20):
        extra = Resource.objects.create(
            skill=skill, title=f"Extra {i}", url=f"https://example.org/x{i}", kind="docs",
            minutes=5,
        )  # fmt: skip
        progress.resource_mark_used(user=alice, resource_id=extra.pk, used=True)
    forget_catalog()
    client.get("/skills/skill-1-1/")  # the catalog copy is rebuilt once, not counted
    assert count() == few
    assert "20 of 22 resources used" in client.get("/skills/skill-1-1/").content.decode()


@pytest.mark.django_db
def test_deleting_the_account_deletes_the_marks(alice_client, alice, skill) -> None:
    progress.resource_mark_used(user=alice, resource_id=resource(skill, "A video").pk, used=True)
    response = alice_client.post("/account/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(username="alice").exists()
    assert not ResourceUse.objects.exists()


# -- export and import ----------------------------------------------------------------------


def _import(client: Client, data: dict) -> str:
    upload = SimpleUploadedFile("export.json", json.dumps(data).encode())
    response = client.post("/account/import/", as_sent(file=upload), follow=True)
    return response.content.decode()


@pytest.mark.django_db
def test_marks_go_out_in_the_export_and_come_back_in_an_import(alice, bob, skill) -> None:
    video = resource(skill, "A video")
    progress.resource_mark_used(user=bob, resource_id=video.pk, used=True)
    bob_client = Client()
    bob_client.force_login(bob)
    exported = bob_client.get("/account/export.json").json()
    assert [(m["skill"], m["url"]) for m in exported["resources_used"]] == [
        ("skill-1-1", "https://example.org/video")
    ]
    client = Client()
    client.force_login(alice)
    page = _import(client, exported)
    assert "1 resource marked as used" in page
    assert ResourceUse.objects.filter(user=alice, resource=video).exists()
    # Importing again adds nothing twice.
    _import(client, exported)
    assert ResourceUse.objects.filter(user=alice).count() == 1


@pytest.mark.django_db
def test_an_import_says_which_marks_it_could_not_place(alice_client, alice, skill) -> None:
    data = {
        "format": "gradient-export",
        "version": 1,
        "resources_used": [{"skill": "skill-1-1", "url": "https://example.org/gone"}],
    }
    page = _import(alice_client, data)
    assert "1 resource you had marked as used is no longer in the catalog." in page
    assert not ResourceUse.objects.exists()


@pytest.mark.django_db
def test_an_import_refuses_a_mark_that_is_not_a_web_address(alice_client, skill) -> None:
    data = {
        "format": "gradient-export",
        "version": 1,
        "resources_used": [{"skill": "skill-1-1", "url": "javascript:alert(1)"}],
    }
    page = _import(alice_client, data)
    assert "resources_used[0].url:" in page
    assert not ResourceUse.objects.exists()


@pytest.mark.django_db
def test_a_mark_survives_a_corrected_address_and_shows_the_section(
    alice_client, alice, skill, tmp_path
) -> None:
    """The curriculum file corrects a resource's address under the same key: the row,
    and the learner's mark on it, stay; an export from before still finds it."""
    video = resource(skill, "A video")
    progress.resource_mark_used(user=alice, resource_id=video.pk, used=True)
    exported = alice_client.get("/account/export.json").json()["resources_used"]
    assert exported[0]["resource"] == video.key == "a-video"
    Resource.objects.filter(pk=video.pk).update(
        url="https://example.org/video-v2", section="Part 2"
    )
    forget_catalog()
    page = alice_client.get("/skills/skill-1-1/").content.decode()
    assert "1 of 2 resources used" in page and "<span>Part 2</span>" in page
    ResourceUse.objects.all().delete()
    data = {"format": "gradient-export", "version": 1, "resources_used": exported}
    assert "1 resource marked as used" in _import(alice_client, data)
    assert ResourceUse.objects.get().resource_id == video.pk
