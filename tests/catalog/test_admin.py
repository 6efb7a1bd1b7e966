"""Curators edit the catalog in Django admin; a prerequisite cycle is refused."""

from typing import Any

import pytest
from django.test import Client

from catalog.models import Prerequisite, Skill
from tests.helpers import PASSWORD, make_catalog
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
