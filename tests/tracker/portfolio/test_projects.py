"""Portfolio projects: the real forms, refused input, visibility, images, evidence."""

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from tests.helpers import as_sent, make_catalog, new_images
from tracker.models import Collaborator, Metric, Project, ProjectImage

HTMX = {"HTTP_HX_REQUEST": "true"}


def png(width: int = 60, height: int = 40, name: str = "chart.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "purple").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Digit classifier",
        "kind": "course",
        "summary": "A CNN for MNIST.",
        "problem": "Recognise **digits**.",
        "data_source": "MNIST",
        "data_size": "70,000 images",
        "data_licence": "CC BY-SA",
        "data_url": "https://example.org/mnist",
        "approach": "A CNN.",
        "results": "99% accuracy.",
        "repository_url": "https://github.com/alice/mnist",
        "demo_url": "",
        "started_on": "2026-01-10",
        "finished_on": "2026-02-01",
        "visibility": "public",
        "metrics-TOTAL_FORMS": "3",
        "metrics-INITIAL_FORMS": "0",
        "metrics-MIN_NUM_FORMS": "0",
        "metrics-MAX_NUM_FORMS": "20",
        "metrics-0-id": "",
        "metrics-0-name": "accuracy",
        "metrics-0-split": "test",
        "metrics-0-value": "0.991",
        "metrics-0-baseline": "0.925",
        "metrics-0-better": "",
        "metrics-1-id": "",
        "metrics-1-name": "F1",
        "metrics-1-split": "validation",
        "metrics-1-value": "0.950",
        "metrics-1-baseline": "",
        "metrics-1-better": "",
        "metrics-2-id": "",
        "metrics-2-name": "",
        "metrics-2-split": "test",
        "metrics-2-value": "",
        "metrics-2-baseline": "",
        "metrics-2-better": "",
        "collaborators-TOTAL_FORMS": "2",
        "collaborators-INITIAL_FORMS": "0",
        "collaborators-MIN_NUM_FORMS": "0",
        "collaborators-MAX_NUM_FORMS": "20",
        "collaborators-0-id": "",
        "collaborators-0-name": "Bob",
        "collaborators-0-url": "https://bob.example",
        "collaborators-1-id": "",
        "collaborators-1-name": "",
        "collaborators-1-url": "",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
        "image_1_caption": "",
        "image_2_caption": "",
    }
    data.update(overrides)
    return as_sent({k: v for k, v in data.items() if v is not None})


@pytest.mark.django_db
def test_create_a_project_with_its_table_image_and_skills(alice_client, alice, catalog) -> None:
    skill = catalog[0]
    response = alice_client.post(
        "/projects/new/",
        form_data(skills=[str(skill.pk)], **new_images(png(), png(name="b.png"))),
    )
    assert response.status_code == 302
    project = Project.objects.get()
    assert response["Location"] == f"/projects/{project.pk}/"
    assert project.owner == alice
    assert [(m.name, m.split, m.value, m.baseline, m.order) for m in project.metrics.all()] == [
        ("accuracy", "test", "0.991", "0.925", 0),
        ("F1", "validation", "0.950", "", 1),
    ]
    assert [(c.name, c.url) for c in project.collaborators.all()] == [
        ("Bob", "https://bob.example")
    ]
    assert list(project.skills.all()) == [skill]
    images = list(project.images.all())
    assert len(images) == 2
    assert re.fullmatch(r"projects/[0-9a-f]{32}\.png", images[0].image.name)
    page = alice_client.get(f"/projects/{project.pk}/").content.decode()
    assert "<strong>digits</strong>" in page
    assert "0.991" in page and "0.950" in page  # as written, not 0.95
    assert '+0.066 <span class="change-word">better</span>' in page
    assert images[0].thumbnail_url in page


@pytest.mark.django_db
def test_edit_changes_rows_and_removes_one(alice_client, alice, catalog) -> None:
    alice_client.post("/projects/new/", form_data())
    project = Project.objects.get()
    accuracy, f1 = project.metrics.all()
    data = form_data(
        title="Renamed",
        **{
            "metrics-TOTAL_FORMS": "3",
            "metrics-INITIAL_FORMS": "2",
            "metrics-0-id": str(accuracy.pk),
            "metrics-0-value": "0.993",
            "metrics-1-id": str(f1.pk),
            "metrics-1-DELETE": "on",
            "metrics-2-name": "AUC",
            "metrics-2-value": "0.97",
        },
    )
    response = alice_client.post(f"/projects/{project.pk}/edit/", data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.title == "Renamed"
    assert [(m.name, m.value) for m in project.metrics.all()] == [
        ("accuracy", "0.993"),
        ("AUC", "0.97"),
    ]


@pytest.mark.django_db
def test_delete_asks_first_and_removes_the_image_files(
    alice_client, alice, django_capture_on_commit_callbacks
) -> None:
    alice_client.post("/projects/new/", form_data(**new_images(png())))
    project = Project.objects.get()
    image = project.images.get()
    storage = image.image.storage
    names = [image.image.name, image.thumbnail.name]
    assert all(storage.exists(n) for n in names)
    confirm = alice_client.get(f"/projects/{project.pk}/delete/")
    assert b"Delete the project" in confirm.content
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/projects/{project.pk}/delete/")
    assert response.status_code == 302
    assert not Project.objects.exists()
    assert not Metric.objects.exists() and not ProjectImage.objects.exists()
    assert not any(storage.exists(n) for n in names)


REFUSED = [
    (
        "malformed URL",
        {"repository_url": "not a url"},
        "Enter a web address, such as https://example.com/page",
    ),
    ("empty metric name", {"metrics-1-name": ""}, "This field is required."),
    ("value not a number", {"metrics-0-value": "high"}, "Enter a number."),
    ("infinite value", {"metrics-0-value": "inf"}, "Enter a number."),
    (
        "too many rows",
        {"metrics-TOTAL_FORMS": "21"}
        | {
            f"metrics-{i}-{f}": ""
            for i in range(3, 21)
            for f in ("id", "name", "value", "baseline", "better")
        }
        | {f"metrics-{i}-split": "test" for i in range(3, 21)},
        "Please submit at most 20 forms.",
    ),
    ("missing title", {"title": ""}, "This field is required."),
    ("dates reversed", {"finished_on": "2025-01-01"}, "The finish date is before the start date."),
    ("unknown kind", {"kind": "hobby"}, "Select a valid choice."),
    ("fake image", new_images(SimpleUploadedFile("x.png", b"hello")), "not an image we can read"),
    ("an image without a caption", new_images(png(), captions=("",)), "Describe the image"),
    ("a blank caption", new_images(png(), captions=("   ",)), "Describe the image"),
    ("a caption without an image", {"image_2_caption": "ROC"}, "Choose the image this caption"),
    ("a 201-character caption", new_images(png(), captions=("c" * 201,)), "at most 200 char"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "override", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_bad_input_gets_field_errors_and_saves_nothing(
    alice_client, case: str, override: dict, message: str
) -> None:
    response = alice_client.post("/projects/new/", form_data(**override))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "nothing was saved" in response.content.decode()
    assert not Project.objects.exists()
    assert not Metric.objects.exists() and not Collaborator.objects.exists()
    assert not ProjectImage.objects.exists()


@pytest.fixture
def folders(tmp_path: Path, settings: Any) -> tuple[Path, Path]:
    """MEDIA_ROOT, and where Django would write an upload's temporary file."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    return tmp_path / "media", tmp_path / "uploads"


def files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def too_many_pixels() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("1", (3_700, 3_600)).save(buffer, "PNG")  # 13.3 megapixels in a few KB
    return SimpleUploadedFile("big.png", buffer.getvalue(), content_type="image/png")


def too_many_bytes() -> SimpleUploadedFile:
    data = png().read()
    return SimpleUploadedFile("heavy.png", data + bytes(5 * 1024 * 1024), content_type="image/png")


REFUSED_UPLOADS = [
    ("too many pixels", lambda: [png(), too_many_pixels()], "big.png: The image is 14 megapixels"),
    ("too many bytes", lambda: [too_many_bytes()], "heavy.png: The image is larger than 5 MB."),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "images", "message"), REFUSED_UPLOADS, ids=[r[0] for r in REFUSED_UPLOADS]
)
def test_a_refused_upload_answers_the_form_and_leaves_no_file_anywhere(
    alice_client, folders: tuple[Path, Path], case: str, images: Any, message: str
) -> None:
    media, temp = folders

    response = alice_client.post("/projects/new/", form_data(**new_images(*images())))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Project.objects.exists() and not ProjectImage.objects.exists()
    assert files_in(media) == [] and files_in(temp) == []


@pytest.mark.django_db
def test_a_worker_stopped_while_saving_images_leaves_no_file_behind(
    alice_client, folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """gunicorn's timeout stops a worker with SystemExit, which `except Exception` misses."""
    media, temp = folders
    save = ProjectImage.save
    saved: list[ProjectImage] = []

    def save_then_stop(self: ProjectImage, *args: Any, **kwargs: Any) -> None:
        if saved:  # the second image's files are written; its row is next
            raise SystemExit(1)
        save(self, *args, **kwargs)
        saved.append(self)

    monkeypatch.setattr(ProjectImage, "save", save_then_stop)

    with pytest.raises(SystemExit):
        alice_client.post("/projects/new/", form_data(**new_images(png(), png(name="b.png"))))

    assert files_in(media) == [] and files_in(temp) == []
    assert not Project.objects.exists() and not ProjectImage.objects.exists()


@pytest.mark.django_db
def test_a_bad_row_in_an_edit_changes_nothing(alice_client, alice) -> None:
    alice_client.post("/projects/new/", form_data())
    project = Project.objects.get()
    accuracy, f1 = project.metrics.all()
    data = form_data(
        title="Changed",
        **{
            "metrics-INITIAL_FORMS": "2",
            "metrics-0-id": str(accuracy.pk),
            "metrics-1-id": str(f1.pk),
            "metrics-1-value": "oops",
        },
    )
    response = alice_client.post(f"/projects/{project.pk}/edit/", data)
    assert response.status_code == 200
    project.refresh_from_db()
    assert project.title == "Digit classifier"
    assert project.metrics.get(pk=f1.pk).value == "0.950"


@pytest.mark.django_db
def test_htmx_adds_a_row_and_counts_it(alice_client) -> None:
    response = alice_client.get("/projects/rows/metrics/?metrics-TOTAL_FORMS=3", **HTMX)
    html = response.content.decode()
    assert 'name="metrics-3-name"' in html
    assert 'id="id_metrics-TOTAL_FORMS" hx-swap-oob="true"' in html and 'value="4"' in html
    full = alice_client.get("/projects/rows/metrics/?metrics-TOTAL_FORMS=20", **HTMX)
    assert "the most rows this table takes (20)" in full.content.decode()
    assert alice_client.get("/projects/rows/metrics/?metrics-TOTAL_FORMS=x").status_code == 400
    assert alice_client.get("/projects/rows/nope/?nope-TOTAL_FORMS=1").status_code == 404


@pytest.mark.django_db
def test_htmx_removes_a_row(alice_client) -> None:
    new = alice_client.get("/projects/rows/metrics/removed/?metrics-4-DELETE=on&metrics-4-name=x")
    assert new.status_code == 200 and new.content == b""
    saved = alice_client.get("/projects/rows/metrics/removed/?metrics-1-DELETE=on&metrics-1-id=7")
    html = saved.content.decode()
    assert 'name="metrics-1-id" value="7"' in html and 'name="metrics-1-DELETE" value="on"' in html


@pytest.mark.django_db
def test_the_form_page_renders_spare_rows_for_no_js(alice_client) -> None:
    html = alice_client.get("/projects/new/").content.decode()
    assert 'name="metrics-0-name"' in html and 'name="metrics-2-name"' in html
    assert 'name="collaborators-1-name"' in html
    assert 'enctype="multipart/form-data"' in html


# -- who may see what ----------------------------------------------------------------------


def make_projects(owner) -> dict[str, Project]:
    projects = {}
    for visibility in ("private", "mentors", "public"):
        projects[visibility] = Project.objects.create(
            owner=owner, title=f"{visibility}-canary", summary="s", visibility=visibility
        )
    return projects


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("viewer", "visibility", "status"),
    [
        ("owner", "private", 200),
        ("owner", "mentors", 200),
        ("owner", "public", 200),
        ("other", "private", 404),
        ("other", "mentors", 404),
        ("other", "public", 200),
        ("anonymous", "private", 404),
        ("anonymous", "mentors", 404),
        ("anonymous", "public", 200),
    ],
)
def test_project_pages_follow_visibility(client: Client, alice, bob, viewer, visibility, status):
    projects = make_projects(alice)
    if viewer == "owner":
        client.force_login(alice)
    elif viewer == "other":
        client.force_login(bob)
    pk = projects[visibility].pk
    assert client.get(f"/projects/{pk}/").status_code == status
    if viewer != "owner":
        assert client.get(f"/projects/{pk}/edit/").status_code in (302, 404)
        assert client.post(f"/projects/{pk}/delete/").status_code in (302, 404)
        assert Project.objects.filter(pk=pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", ["private", "mentors", "public"])
def test_images_are_served_only_to_who_may_see_the_project(
    client: Client, alice, bob, visibility
) -> None:
    client.force_login(alice)
    client.post("/projects/new/", form_data(visibility=visibility, **new_images(png())))
    image = ProjectImage.objects.get()
    for variant in ("full", "thumb"):
        url = f"/projects/{image.project_id}/images/{image.pk}/{variant}/"
        owner_response = client.get(url)
        assert owner_response.status_code == 200
        assert owner_response["Content-Type"] in ("image/png", "image/webp")
        other = Client()
        other.force_login(bob)
        expected = 200 if visibility == "public" else 404
        assert other.get(url).status_code == expected
        assert Client().get(url).status_code == expected
    # No public media URL exists to guess.
    assert Client().get(f"/media/{image.image.name}").status_code == 404


@pytest.mark.django_db
def test_images_never_go_to_shared_caches(client: Client, alice) -> None:
    """A public project made private later must not stay readable through a proxy's copy."""
    client.force_login(alice)
    client.post("/projects/new/", form_data(visibility="public", **new_images(png())))
    image = ProjectImage.objects.get()
    response = Client().get(f"/projects/{image.project_id}/images/{image.pk}/full/")
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert "private" in directives and "public" not in directives


@pytest.mark.django_db
def test_the_public_page_shows_only_public_projects(client: Client, alice) -> None:
    make_projects(alice)
    alice.headline = "ML engineer in training"
    alice.github_url = "https://github.com/alice"
    alice.save()
    html = client.get("/u/alice/").content.decode()
    assert "public-canary" in html
    assert "private-canary" not in html and "mentors-canary" not in html
    assert "ML engineer in training" in html
    assert 'href="https://github.com/alice"' in html
    assert '<meta property="og:title" content="alice · ML engineer in training">' in html
    assert '<meta name="twitter:card"' in html
    assert "Progress" not in html  # not opted in


@pytest.mark.django_db
def test_the_public_page_shows_progress_only_when_opted_in(client: Client, alice, catalog):
    from tracker.progress.services import progress_set_status

    progress_set_status(user=alice, skill_id=catalog[0].pk, status="done")
    alice.show_progress = True
    alice.save()
    html = client.get("/u/alice/").content.decode()
    assert "1 of 6 skills" in html


@pytest.mark.django_db
def test_unknown_and_inactive_users_are_404(client: Client, alice) -> None:
    assert client.get("/u/nobody/").status_code == 404
    alice.is_active = False
    alice.save()
    assert client.get("/u/alice/").status_code == 404


@pytest.mark.django_db
def test_the_profile_page_edits_the_public_page(alice_client, alice) -> None:
    profile = as_sent(
        first_name="Alice",
        last_name="Liddell",
        headline="Learning NLP",
        bio="Hi **there**",
        github_url="https://github.com/alice",
        linkedin_url="",
        kaggle_url="",
        website_url="https://alice.example",
        show_progress="on",
    )
    response = alice_client.post("/account/profile/", profile)
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.headline, alice.show_progress) == ("Learning NLP", True)
    html = Client().get("/u/alice/").content.decode()
    assert "Alice Liddell" in html and "<strong>there</strong>" in html
    bad = alice_client.post(
        "/account/profile/", {**profile, "github_url": "nope", "bio": "x" * 2001}
    )
    assert "Enter a web address, such as https://example.com/page" in bad.content.decode()
    assert "under 2,000 characters" in bad.content.decode()
    alice.refresh_from_db()
    assert alice.headline == "Learning NLP"


# -- evidence ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_attach_a_project_as_evidence_from_the_skill_page(alice_client, alice, bob, catalog):
    skill = catalog[0]
    mine = Project.objects.create(owner=alice, title="Mine", summary="s")
    theirs = Project.objects.create(owner=bob, title="Theirs", summary="s", visibility="public")
    page = alice_client.get(f"/skills/{skill.slug}/").content.decode()
    assert f'<option value="{mine.pk}">Mine</option>' in page
    assert "Theirs" not in page
    response = alice_client.post(f"/progress/{skill.slug}/evidence/", {"project": mine.pk})
    assert response.status_code == 302
    assert list(mine.skills.all()) == [skill]
    page = alice_client.get(f"/skills/{skill.slug}/").content.decode()
    assert f'href="/projects/{mine.pk}/">Mine</a>' in page
    assert (
        alice_client.post(f"/progress/{skill.slug}/evidence/", {"project": theirs.pk}).status_code
        == 404
    )
    assert (
        alice_client.post(f"/progress/{skill.slug}/evidence/", {"project": "x"}).status_code == 400
    )
    assert not theirs.skills.exists()


@pytest.mark.django_db
def test_the_dashboard_shows_evidence_share(alice_client, alice, catalog) -> None:
    from tracker.progress.services import progress_set_status

    for skill in catalog[:4]:
        progress_set_status(user=alice, skill_id=skill.pk, status="done")
    project = Project.objects.create(owner=alice, title="P", summary="s")
    project.skills.add(catalog[0])
    response = alice_client.get("/dashboard/")
    assert response.context["evidence_percent"] == 25
    assert [s.slug for s in response.context["without_evidence"]] == [s.slug for s in catalog[1:4]]


# -- image captions ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_new_images_are_saved_with_their_captions_which_pages_use_as_alt_text(
    alice_client, alice
) -> None:
    captions = ("Confusion matrix on the test set", "Validation loss by epoch")
    alice_client.post(
        "/projects/new/", form_data(**new_images(png(), png(name="b.png"), captions=captions))
    )
    project = Project.objects.get()
    assert [i.caption for i in project.images.all()] == list(captions)
    for page in (f"/projects/{project.pk}/", "/u/alice/"):
        html = Client().get(page).content.decode()
        for caption in captions:
            assert f'alt="{caption}"' in html, page
            assert f"<figcaption>{caption}</figcaption>" in html, page
        assert "Visualisation 1 of" not in html
    assert (
        '<meta property="og:image:alt" content="Confusion matrix'
        in Client().get("/u/alice/").content.decode()
    )


@pytest.mark.django_db
def test_the_form_asks_for_a_caption_and_says_why(alice_client) -> None:
    html = alice_client.get("/projects/new/").content.decode()
    assert '<label for="id_image_1_caption">Caption of the new image' in html
    assert "it is read out to people who cannot see it" in html


@pytest.mark.django_db
def test_captions_of_uploaded_images_are_edited_in_the_form_and_required(
    alice_client, alice
) -> None:
    alice_client.post("/projects/new/", form_data(**new_images(png(), png(name="b.png"))))
    project = Project.objects.get()
    first, second = project.images.all()
    ProjectImage.objects.filter(pk=second.pk).update(caption="")  # from before captions
    edit = alice_client.get(f"/projects/{project.pk}/edit/").content.decode()
    assert 'name="images-0-caption" value="Chart 1"' in edit
    assert '<label for="id_images-1-caption">Caption of image 2' in edit
    rows = {
        "images-TOTAL_FORMS": "2",
        "images-INITIAL_FORMS": "2",
        "images-0-id": str(first.pk),
        "images-0-caption": "Accuracy by epoch",
        "images-1-id": str(second.pk),
        "images-1-caption": "",
    }

    refused = alice_client.post(f"/projects/{project.pk}/edit/", form_data(**rows))

    assert refused.status_code == 200
    assert "Describe the image: its caption is the text read out" in refused.content.decode()
    first.refresh_from_db()
    assert first.caption == "Chart 1"

    rows["images-1-caption"] = "ROC curve, AUC 0.84"
    saved = alice_client.post(f"/projects/{project.pk}/edit/", form_data(**rows))

    assert saved.status_code == 302
    assert [i.caption for i in project.images.all()] == ["Accuracy by epoch", "ROC curve, AUC 0.84"]


@pytest.mark.django_db
def test_a_caption_cannot_reach_an_image_of_another_project(alice_client, bob) -> None:
    bob_client = Client()
    bob_client.force_login(bob)
    bob_client.post("/projects/new/", form_data(**new_images(png(), captions=("Bob's",))))
    theirs = ProjectImage.objects.get()
    alice_client.post("/projects/new/", form_data())
    mine = Project.objects.get(owner__username="alice")
    rows = {
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "1",
        "images-0-id": str(theirs.pk),
        "images-0-caption": "Alice's now",
    }
    response = alice_client.post(f"/projects/{mine.pk}/edit/", form_data(**rows))
    assert response.status_code in (200, 302)
    theirs.refresh_from_db()
    assert (theirs.caption, theirs.project.owner) == ("Bob's", bob)
    assert not mine.images.exists()
    # Nor can the captions table add an image of its own.
    rows = {"images-TOTAL_FORMS": "1", "images-INITIAL_FORMS": "0"}
    rows |= {"images-0-id": "", "images-0-caption": "x"}
    assert alice_client.post(f"/projects/{mine.pk}/edit/", form_data(**rows)).status_code == 302
    assert not mine.images.exists()


# -- the skill picker -------------------------------------------------------------------------


@pytest.mark.django_db
def test_skills_are_ticked_in_groups_by_track_with_no_script_needed(
    alice_client, alice, catalog
) -> None:
    html = alice_client.get("/projects/new/").content.decode()
    assert "<select" not in html.split('id="skills"', 1)[1]  # no multi-select to Ctrl-click
    assert '<legend class="visually-hidden">Track 1</legend>' in html
    assert f'<input type="checkbox" name="skills" value="{catalog[4].pk}"' in html
    assert '<details class="skill-group">' in html  # folded until opened
    assert "data-skill-filter hidden" in html  # the filter box only shows with its script
    assert '<script src="/static/js/skill-picker.js" defer></script>' in html

    chosen = [str(catalog[1].pk), str(catalog[4].pk)]
    response = alice_client.post("/projects/new/", form_data(skills=chosen))
    assert response.status_code == 302
    project = Project.objects.get()
    assert sorted(project.skills.values_list("pk", flat=True)) == sorted(map(int, chosen))

    edit = alice_client.get(f"/projects/{project.pk}/edit/").content.decode()
    assert f'value="{catalog[1].pk}" id="id_skills_{catalog[1].pk}" checked' in edit
    assert '<details class="skill-group" open>' in edit  # groups with a ticked skill
    assert edit.count('<details class="skill-group" open>') == 2
    assert "1 of 3 ticked" in edit and "2 ticked" in edit


@pytest.mark.django_db
def test_the_form_page_costs_the_same_queries_whatever_the_catalog_size(
    alice_client, catalog
) -> None:
    def queries() -> int:
        alice_client.get("/projects/new/")  # the catalog snapshot is built once, then shared
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get("/projects/new/").status_code == 200
        return len(captured)

    six_skills = queries()
    make_catalog(tracks=8, skills_per_track=20)
    assert queries() == six_skills
