"""Every link a user gives us (their own links on a skill, profile links, a project's data,
code, demo and collaborator links) is read the same way: pasted without https:// it is
accepted with https:// added; anything else is refused with a message saying what to
write, never a browser tooltip."""

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from django import forms
from django.test import Client

import tracker
from catalog.models import Skill
from tests.helpers import as_sent, new_project_form
from tracker.formtools import WebAddressField
from tracker.models import Collaborator, Project, SkillLink

HTMX = {"HTTP_HX_REQUEST": "true"}
REFUSAL = "Enter a web address, such as https://example.com/page (or example.com/page)."


def our_form_classes() -> list[type[forms.BaseForm]]:
    found = set()
    for module in pkgutil.walk_packages(tracker.__path__, "tracker."):
        if module.name.endswith("forms"):
            for _, value in inspect.getmembers(importlib.import_module(module.name)):
                if inspect.isclass(value) and issubclass(value, forms.BaseForm):
                    found.add(value)
                formset_form = getattr(value, "form", None)
                if inspect.isclass(formset_form) and issubclass(formset_form, forms.BaseForm):
                    found.add(formset_form)  # the rows of an inline formset
    return sorted(found, key=lambda c: c.__qualname__)


def test_every_url_field_of_ours_is_a_web_address_field() -> None:
    url_fields = [
        (form.__qualname__, name)
        for form in our_form_classes()
        for name, field in form.base_fields.items()
        if isinstance(field, forms.URLField)
    ]
    assert len(url_fields) >= 9  # a skill link, 4 profile links, 3 project links, a collaborator
    for form in our_form_classes():
        for name, field in form.base_fields.items():
            if isinstance(field, forms.URLField):
                assert isinstance(field, WebAddressField), f"{form.__qualname__}.{name}"
                html = str(field.widget.render(name, ""))
                assert 'type="text"' in html and 'inputmode="url"' in html, html


def test_no_template_asks_the_browser_to_refuse_an_address() -> None:
    templates = Path(__file__).resolve().parents[2] / "templates"
    for page in templates.rglob("*.html"):
        assert 'type="url"' not in page.read_text(), page


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("example.com/post", "https://example.com/post"),
        ("www.example.com", "https://www.example.com"),
        ("  https://example.com/a?b=1  ", "https://example.com/a?b=1"),
        ("http://example.com/", "http://example.com/"),
    ],
)
def test_an_address_without_a_scheme_gets_https(typed: str, kept: str) -> None:
    assert WebAddressField().clean(typed) == kept


@pytest.mark.parametrize(
    "typed",
    ["javascript:alert(1)", "ftp://example.com/file", "not a url", "mailto:ada@example.com"],
)
def test_anything_else_is_refused_with_a_message(typed: str) -> None:
    with pytest.raises(forms.ValidationError) as refused:
        WebAddressField().clean(typed)
    assert refused.value.messages == [REFUSAL]


@pytest.fixture
def skill(catalog) -> Skill:
    return Skill.objects.get(slug="skill-1-2")


@pytest.mark.django_db
def test_a_skill_link_pasted_without_https_is_kept_with_it(alice_client: Client, skill) -> None:
    response = alice_client.post(
        "/progress/skill-1-2/links/", as_sent(title="Post", url="example.com/post"), **HTMX
    )
    assert 'href="https://example.com/post"' in response.content.decode()
    assert SkillLink.objects.get().url == "https://example.com/post"
    refused = alice_client.post(
        "/progress/skill-1-2/links/", as_sent(title="x", url="javascript:alert(1)"), **HTMX
    )
    assert REFUSAL in refused.content.decode()
    assert SkillLink.objects.count() == 1


@pytest.mark.django_db
def test_profile_links_pasted_without_https_are_kept_with_it(alice_client: Client, alice) -> None:
    profile = as_sent(
        first_name="",
        last_name="",
        headline="",
        bio="",
        github_url="github.com/alice",
        linkedin_url="www.linkedin.com/in/alice",
        kaggle_url="",
        website_url="alice.example",
    )
    assert alice_client.post("/account/profile/", profile).status_code == 302
    alice.refresh_from_db()
    assert alice.github_url == "https://github.com/alice"
    assert alice.linkedin_url == "https://www.linkedin.com/in/alice"
    assert alice.website_url == "https://alice.example"


@pytest.mark.django_db
def test_project_links_pasted_without_https_are_kept_with_them(alice_client: Client) -> None:
    sent = new_project_form(
        data_url="kaggle.com/datasets/x",
        repository_url="github.com/alice/mnist",
        demo_url="alice.example/demo",
        **{
            "collaborators-TOTAL_FORMS": "1",
            "collaborators-0-id": "",
            "collaborators-0-name": "Bob",
            "collaborators-0-url": "bob.example",
        },
    )
    assert alice_client.post("/projects/new/", sent).status_code == 302
    project = Project.objects.get()
    assert project.data_url == "https://kaggle.com/datasets/x"
    assert project.repository_url == "https://github.com/alice/mnist"
    assert project.demo_url == "https://alice.example/demo"
    assert Collaborator.objects.get().url == "https://bob.example"
