"""Curators edit the catalog in Django admin; a prerequisite cycle is refused."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.curriculum import load_curriculum
from catalog.models import Prerequisite, Resource, Skill
from tests.helpers import PASSWORD, make_catalog, make_user
from tests.helpers.curriculum import CODE_TRACK
from tracker.models import Progress, ResourceUse, Status, User


def form_data(response: Any) -> dict[str, Any]:
    """The POST data the admin change form would send as rendered (main form and inlines)."""
    data: dict[str, Any] = {}

    def add(form: Any) -> None:
        for name in form.fields:
            value = form[name].value()
            if value is None:
                continue
            if isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
                continue
            if isinstance(value, list | tuple):
                value = [str(v) for v in value]
            data[form.add_prefix(name)] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


@pytest.fixture
def admin_client(staff: User) -> Client:
    client = Client()
    client.login(username="staff", password=PASSWORD)
    return client


def add_prerequisite(data: dict[str, Any], requires: Skill) -> None:
    total = int(data["prerequisite_links-TOTAL_FORMS"])
    # The rendered form has one spare row; fill it.
    data[f"prerequisite_links-{total - 1}-requires"] = str(requires.pk)


@pytest.mark.django_db
def test_it_refuses_a_prerequisite_cycle_and_names_it(admin_client: Client) -> None:
    s1, s2, s3 = make_catalog(tracks=1, skills_per_track=3)  # 1.3 needs 1.2 needs 1.1
    url = f"/admin/catalog/skill/{s1.pk}/change/"
    data = form_data(admin_client.get(url))
    add_prerequisite(data, s3)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "would make a cycle: Skill 1.1 → Skill 1.3 → Skill 1.2 → Skill 1.1" in content
    assert not Prerequisite.objects.filter(skill=s1).exists()


@pytest.mark.django_db
def test_it_refuses_a_skill_as_its_own_prerequisite(admin_client: Client) -> None:
    (s1,) = make_catalog(tracks=1, skills_per_track=1)
    url = f"/admin/catalog/skill/{s1.pk}/change/"
    data = form_data(admin_client.get(url))
    add_prerequisite(data, s1)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "“Skill 1.1” cannot be its own prerequisite." in response.content.decode()
    assert not Prerequisite.objects.exists()


@pytest.mark.django_db
def test_it_saves_an_acyclic_prerequisite(admin_client: Client) -> None:
    s1, s2 = make_catalog(tracks=1, skills_per_track=2)
    url = f"/admin/catalog/skill/{s2.pk}/change/"
    data = form_data(admin_client.get(url))
    data["title"] = "Renamed"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    s2.refresh_from_db()
    assert s2.title == "Renamed"
    assert list(s2.prerequisites.all()) == [s1]


@pytest.mark.django_db
def test_it_refuses_more_hours_than_the_level_allows(admin_client: Client) -> None:
    """What admin saves, dump writes and the loader reads: the same bounds hold in both."""
    (s1,) = make_catalog(tracks=1, skills_per_track=1)
    url = f"/admin/catalog/skill/{s1.pk}/change/"
    data = form_data(admin_client.get(url))
    data.update(level="beginner", hours="81")
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "A beginner skill takes at most 80 hours, not 81." in response.content.decode()
    s1.refresh_from_db()
    assert s1.hours != 81
    data.update(level="advanced", hours="160")
    assert admin_client.post(url, data).status_code == 302
    s1.refresh_from_db()
    assert (s1.level, s1.hours) == ("advanced", 160)


@pytest.mark.django_db
def test_the_changelist_counts_learners_in_one_query(
    admin_client: Client, alice: User, bob: User, django_assert_max_num_queries
) -> None:
    s1, s2, s3 = make_catalog(tracks=1, skills_per_track=3)
    Progress.objects.create(user=alice, skill=s1, status=Status.DONE)
    Progress.objects.create(user=bob, skill=s1, status=Status.LEARNING)
    Progress.objects.create(user=bob, skill=s2, status=Status.SKIPPED)
    response = admin_client.get("/admin/catalog/skill/")
    rows = {skill.title: skill.learner_count for skill in response.context["cl"].result_list}
    assert rows == {"Skill 1.1": 2, "Skill 1.2": 0, "Skill 1.3": 0}
    # The annotation rides on the changelist query: no query per row.
    make_catalog(tracks=3, skills_per_track=10)
    with django_assert_max_num_queries(12):
        admin_client.get("/admin/catalog/skill/")


@pytest.mark.django_db
def test_curators_see_how_many_used_a_resource_and_finished_its_skill_not_who(
    admin_client: Client, alice: User, bob: User, mallory: User
) -> None:
    s1, s2 = make_catalog(tracks=1, skills_per_track=2)
    docs = s1.resources.get()
    for learner in (alice, bob, mallory):
        ResourceUse.objects.create(user=learner, resource=docs)
    ResourceUse.objects.create(user=alice, resource=s2.resources.get())
    Progress.objects.create(user=alice, skill=s1, status=Status.DONE)
    Progress.objects.create(user=bob, skill=s1, status=Status.LEARNING)
    Progress.objects.create(user=mallory, skill=s2, status=Status.DONE)  # another skill
    response = admin_client.get("/admin/catalog/resource/?o=8")  # by "used by"
    rows = [(r.title, r.used_by, r.finished) for r in response.context["cl"].result_list]
    assert rows == [("Docs for 1.2", 1, 0), ("Docs for 1.1", 3, 1)]
    html = response.content.decode().lower()
    assert "used by" in html and "of them finished the skill" in html
    assert "alice" not in html and "mallory" not in html
    page = admin_client.get(f"/admin/catalog/resource/{docs.pk}/change/").content.decode()
    assert "of them finished the skill" in page.lower()


@pytest.mark.django_db
def test_publish_and_unpublish_actions(admin_client: Client) -> None:
    s1, s2 = make_catalog(tracks=1, skills_per_track=2)
    admin_client.post(
        "/admin/catalog/skill/",
        {"action": "unpublish", "_selected_action": [s1.pk, s2.pk]},
    )
    assert Skill.objects.published().count() == 0
    admin_client.post("/admin/catalog/skill/", {"action": "publish", "_selected_action": [s1.pk]})
    assert list(Skill.objects.published()) == [s1]


@pytest.fixture
def curriculum_file(tmp_path, monkeypatch) -> None:
    """A small curriculum file, loaded, that admin compares entries with."""
    path = tmp_path / "curriculum.toml"
    path.write_text(CODE_TRACK)
    monkeypatch.setattr("catalog.curriculum.DEFAULT_PATH", path)
    load_curriculum(path)


@pytest.mark.django_db
def test_a_skill_changed_in_admin_is_marked_and_shown_to_differ_from_the_file(
    admin_client: Client, curriculum_file
) -> None:
    python = Skill.objects.get(slug="python")
    page = admin_client.get(f"/admin/catalog/skill/{python.pk}/change/")
    assert "matches the file" in page.content.decode()
    data = form_data(page)
    data["title"] = "Python 3"
    assert admin_client.post(f"/admin/catalog/skill/{python.pk}/change/", data).status_code == 302
    python.refresh_from_db()
    assert python.title == "Python 3" and python.curated_at is not None
    page = admin_client.get(f"/admin/catalog/skill/{python.pk}/change/").content.decode()
    assert "differs from the file: title" in page
    listing = admin_client.get("/admin/catalog/skill/").content.decode()
    assert "differs from the file: title" in listing and "matches the file" in listing
    # The next load keeps the curator's title, and says so.
    report = load_curriculum()
    assert report.kept == ["python"]
    assert Skill.objects.get(slug="python").title == "Python 3"


@pytest.mark.django_db
def test_admin_actions_and_deletions_mark_the_skills_they_change(
    admin_client: Client, curriculum_file
) -> None:
    numpy = Skill.objects.get(slug="numpy")
    admin_client.post(
        "/admin/catalog/skill/", {"action": "unpublish", "_selected_action": [numpy.pk]}
    )
    numpy.refresh_from_db()
    assert not numpy.is_published and numpy.curated_at is not None
    listing = admin_client.get("/admin/catalog/skill/").content.decode()
    assert "differs from the file: published" in listing
    assert load_curriculum().kept == ["numpy"]  # a deploy does not publish it again
    python = Skill.objects.get(slug="python")
    resource = python.resources.get()
    admin_client.post(f"/admin/catalog/resource/{resource.pk}/delete/", {"post": "yes"})
    python.refresh_from_db()
    assert python.curated_at is not None
    assert (
        "differs from the file: resources"
        in admin_client.get(f"/admin/catalog/skill/{python.pk}/change/").content.decode()
    )
    load_curriculum()
    assert not python.resources.exists()  # the curator's deletion stands


@pytest.mark.django_db
def test_the_skill_changelist_reads_the_file_state_in_fixed_queries(
    admin_client: Client, curriculum_file
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get("/admin/catalog/skill/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    make_catalog(tracks=2, skills_per_track=10)
    assert count() == few


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["", "?q=skill", "?track__id__exact=1", "?level__exact=beginner", "?is_published__exact=1"],
)
def test_the_skill_changelist_searches_and_filters(admin_client: Client, query: str) -> None:
    make_catalog(tracks=1, skills_per_track=2)
    assert admin_client.get(f"/admin/catalog/skill/{query}").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("link", ["ok", "broken", "unchecked"])
def test_the_resource_changelist_filters_on_link_state(admin_client: Client, link: str) -> None:
    make_catalog(tracks=1, skills_per_track=2)
    response = admin_client.get(f"/admin/catalog/resource/?link={link}")
    assert response.status_code == 200
    assert response.context["cl"].result_count == (2 if link == "unchecked" else 0)


@pytest.mark.django_db
def test_admin_login_goes_through_allauth(client: Client) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_admin_changes_reach_the_cached_catalog(
    admin_client: Client, client: Client, django_capture_on_commit_callbacks
) -> None:
    s1, s2 = make_catalog(tracks=1, skills_per_track=2)
    assert b"Skill 1.1" in client.get("/catalog/track-1/").content  # the copy is built
    url = f"/admin/catalog/skill/{s1.pk}/change/"
    data = form_data(admin_client.get(url))
    data["title"] = "Renamed in admin"
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(url, data).status_code == 302
    assert b"Renamed in admin" in client.get("/catalog/track-1/").content
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/catalog/skill/", {"action": "unpublish", "_selected_action": [s2.pk]}
        )
    assert client.get("/skills/skill-1-2/").status_code == 404


# Link health: where links redirect, accepting the new address, broken links on the index.


def checked(resource: Resource, status: int | None, **fields: Any) -> Resource:
    """`resource` as `manage.py check_links` would leave it."""
    for name, value in {"link_status": status, "link_checked_at": timezone.now(), **fields}.items():
        setattr(resource, name, value)
    resource.save()
    return resource


def redirected(resource: Resource, target: str, status: int = 301) -> Resource:
    return checked(resource, 200, link_redirect_url=target, link_redirect_status=status)


def accept(client: Client, *resources: Resource) -> list[str]:
    """Run "Accept the new address" on `resources`; return the messages shown."""
    response = client.post(
        "/admin/catalog/resource/",
        {"action": "accept_new_address", "_selected_action": [r.pk for r in resources]},
        follow=True,
    )
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


@pytest.mark.django_db
def test_the_resource_changelist_shows_where_links_redirect(
    admin_client: Client, django_assert_num_queries
) -> None:
    s1, s2 = make_catalog(tracks=1, skills_per_track=2)
    redirected(s1.resources.get(), "https://example.org/new-home", status=308)
    redirected(s2.resources.get(), "javascript:alert(1)", status=302)

    response = admin_client.get("/admin/catalog/resource/")

    content = response.content.decode()
    assert "Redirects to" in content
    assert (
        '<a href="https://example.org/new-home" rel="noopener noreferrer">'
        "https://example.org/new-home</a> (308 permanent)"
    ) in content
    # What a server sent that is no web address is shown, never made a link.
    assert (
        "javascript:alert(1) (302 temporary; "
        "not followed: it leads off the web (a javascript: address))"
    ) in content
    assert 'href="javascript:' not in content
    # No query per row: the same count at three times the size.
    queries = _count_queries(admin_client, "/admin/catalog/resource/")
    for skill in make_catalog(tracks=2, skills_per_track=2):
        redirected(skill.resources.get(), f"https://example.org/moved/{skill.pk}")
    with django_assert_num_queries(queries):
        admin_client.get("/admin/catalog/resource/")


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_resource_changelist_filters_redirected_links(admin_client: Client) -> None:
    s1, s2 = make_catalog(tracks=1, skills_per_track=2)
    moved = redirected(s1.resources.get(), "https://example.org/new-home")

    response = admin_client.get("/admin/catalog/resource/?link=redirected")

    assert list(response.context["cl"].result_list) == [moved]


@pytest.mark.django_db
def test_the_resource_change_form_shows_the_redirect(admin_client: Client) -> None:
    (s1,) = make_catalog(tracks=1, skills_per_track=1)
    resource = redirected(s1.resources.get(), "https://example.org/new-home", status=302)

    content = admin_client.get(f"/admin/catalog/resource/{resource.pk}/change/").content.decode()

    assert "https://example.org/new-home</a> (302 temporary)" in content
    assert "Redirect status" in content


@pytest.mark.django_db
def test_accept_the_new_address_moves_the_resources_and_clears_the_note(
    admin_client: Client, client: Client, django_capture_on_commit_callbacks
) -> None:
    s1, s2, s3 = make_catalog(tracks=1, skills_per_track=3)
    first = redirected(s1.resources.get(), "https://example.org/new/1")
    second = redirected(s2.resources.get(), "https://example.org/2/", status=302)
    untouched = s3.resources.get()
    assert client.get("/skills/skill-1-1/").status_code == 200  # the cached copy is built

    with django_capture_on_commit_callbacks(execute=True):
        shown = accept(admin_client, first, second)

    assert shown == [
        "Moved 2 resource(s) to their new address. Their skills are marked as curated: the "
        "next load_curriculum leaves them as they are."
    ]
    assert Skill.objects.get(pk=first.skill_id).curated_at is not None
    for resource, url in [(first, "https://example.org/new/1"), (second, "https://example.org/2/")]:
        resource.refresh_from_db()
        assert (resource.url, resource.link_redirect_url, resource.link_redirect_status) == (
            url,
            "",
            None,
        )
        # The last check's status was the new address's.
        assert resource.link_status == 200
    untouched.refresh_from_db()
    assert untouched.url == "https://example.org/1/3"
    assert b'href="https://example.org/new/1"' in client.get("/skills/skill-1-1/").content


@pytest.mark.django_db
def test_accept_the_new_address_refuses_a_clash_and_writes_nothing_for_it(
    admin_client: Client,
) -> None:
    s1, s2 = make_catalog(tracks=1, skills_per_track=2)
    clashing = redirected(s1.resources.get(), "https://example.org/taken")
    holder = Resource.objects.create(
        skill=s1, title="Already here", url="https://example.org/taken", kind="docs", minutes=5
    )
    # The same address under another skill is no clash: the constraint is per skill.
    fine = redirected(s2.resources.get(), "https://example.org/taken")
    before = Resource.objects.get(pk=clashing.pk)

    shown = accept(admin_client, clashing, fine)

    assert (
        "Kept the address of “Docs for 1.1”: “Already here” in the same skill already has "
        "https://example.org/taken."
    ) in shown
    assert any(message.startswith("Moved 1 resource(s)") for message in shown)
    clashing.refresh_from_db()
    assert [
        (f.name, getattr(clashing, f.attname))
        for f in Resource._meta.concrete_fields
        if getattr(clashing, f.attname) != getattr(before, f.attname)
    ] == []
    holder.refresh_from_db()
    assert holder.url == "https://example.org/taken"
    fine.refresh_from_db()
    assert fine.url == "https://example.org/taken"


@pytest.mark.django_db
def test_accept_the_new_address_refuses_two_resources_of_a_skill_moving_to_one_address(
    admin_client: Client,
) -> None:
    (s1,) = make_catalog(tracks=1, skills_per_track=1)
    first = redirected(s1.resources.get(), "https://example.org/same")
    second = redirected(
        Resource.objects.create(
            skill=s1, title="Mirror", url="https://mirror.example/", kind="docs", minutes=5
        ),
        "https://example.org/same",
    )

    shown = accept(admin_client, first, second)

    assert (
        "Kept the address of “Mirror”: “Docs for 1.1” in the same skill already has "
        "https://example.org/same."
    ) in shown
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.url, second.url) == ("https://example.org/same", "https://mirror.example/")
    assert second.link_redirect_url == "https://example.org/same"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("", "no redirect is recorded"),
        ("http://example.org/1/1", "it leads from https to plain http"),
        ("ftp://example.org/book.pdf", "it leads off the web (a ftp: address)"),
        ("https://example.org/" + "x" * 500, "the new address will not do as a URL"),
    ],
)
def test_accept_the_new_address_refuses_what_it_should_not_take(
    admin_client: Client, target: str, reason: str
) -> None:
    (s1,) = make_catalog(tracks=1, skills_per_track=1)
    resource = redirected(s1.resources.get(), target)

    shown = accept(admin_client, resource)

    assert len(shown) == 1
    assert shown[0].startswith(f"Kept the address of “Docs for 1.1”: {reason}")
    resource.refresh_from_db()
    assert (resource.url, resource.link_redirect_url) == ("https://example.org/1/1", target)


@pytest.mark.django_db
def test_the_admin_index_counts_broken_links_and_links_to_them(
    admin_client: Client, django_assert_num_queries
) -> None:
    s1, s2, s3, s4 = make_catalog(tracks=1, skills_per_track=4)
    checked(s1.resources.get(), 404)
    checked(s2.resources.get(), None, link_error="timeout")
    checked(s3.resources.get(), 200)  # s4's is not checked yet: not counted as broken

    content = admin_client.get("/admin/").content.decode()

    assert '<a href="/admin/catalog/resource/?link=broken">2 broken links</a>' in content
    listed = admin_client.get("/admin/catalog/resource/?link=broken").context["cl"]
    assert listed.result_count == 2
    # One COUNT, whatever the number of resources or broken links.
    queries = _count_queries(admin_client, "/admin/")
    for skill in make_catalog(tracks=2, skills_per_track=5):
        checked(skill.resources.get(), 500)
    with django_assert_num_queries(queries):
        content = admin_client.get("/admin/").content.decode()
    assert "12 broken links</a>" in content


@pytest.mark.django_db
def test_the_admin_index_says_one_broken_link(admin_client: Client) -> None:
    (s1,) = make_catalog(tracks=1, skills_per_track=1)
    checked(s1.resources.get(), 410)

    assert ">1 broken link</a>" in admin_client.get("/admin/").content.decode()


@pytest.mark.django_db
def test_the_admin_index_hides_the_count_from_staff_who_cannot_see_resources() -> None:
    make_user("intern", is_staff=True)
    client = Client()
    client.login(username="intern", password=PASSWORD)

    response = client.get("/admin/")

    assert response.status_code == 200
    assert "broken link" not in response.content.decode()
