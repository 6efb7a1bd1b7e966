"""Own your data: export (JSON, CSV), import an export back, delete the account."""

import csv
import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image
from pydantic import ValidationError

from catalog.models import Skill
from catalog.snapshot import forget_catalog
from tests.helpers import PASSWORD, as_sent, make_catalog, make_user
from tracker.account import export
from tracker.account.importing import account_import
from tracker.account.schema import ExportIn, ImportRefused, validate_import
from tracker.account.services import account_delete
from tracker.mentoring import services
from tracker.mentoring.services import (
    feedback_give,
    invite_accept,
    invite_create,
    mentor_note_save,
    mentorship_create,
    progress_verify,
)
from tracker.models import (
    Collaborator,
    Feedback,
    Invite,
    MentorNote,
    Mentorship,
    Metric,
    Progress,
    ProgressEvent,
    Project,
    ProjectImage,
    SkillLink,
    User,
)
from tracker.portfolio.images import process_image
from tracker.progress.services import progress_save_note, progress_set_status

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
MODELS = [
    User,
    EmailAddress,
    Progress,
    ProgressEvent,
    SkillLink,
    Project,
    Project.skills.through,
    Metric,
    Collaborator,
    ProjectImage,
    Mentorship,
    Invite,
    Feedback,
    MentorNote,
]


def at(days: float) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_image(project: Project, caption: str = "") -> ProjectImage:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), "teal").save(buffer, "PNG")
    processed = process_image(SimpleUploadedFile("c.png", buffer.getvalue()))
    image = ProjectImage(project=project, width=30, height=20, caption=caption)
    image.image.save(processed.content.name, processed.content, save=False)
    image.thumbnail.save(processed.thumbnail.name, processed.thumbnail, save=False)
    image.save()
    return image


def fill(user: User, skills: list[Skill], tag: str, *, projects: int = 1) -> list[Project]:
    """Progress, history, notes, links and projects (with a table, collaborators and
    skills): everything an import can bring back."""
    name = user.username
    progress_set_status(user=user, skill_id=skills[0].pk, status="learning", now=at(0))
    progress_set_status(user=user, skill_id=skills[0].pk, status="done", now=at(2))
    progress_set_status(user=user, skill_id=skills[1].pk, status="learning", now=at(3))
    progress_set_status(user=user, skill_id=skills[2].pk, status="skipped", now=at(4))
    progress_save_note(user=user, skill_id=skills[1].pk, note=f"{tag} note: **gradients**")
    SkillLink.objects.create(
        user=user, skill=skills[1], title=f"{tag} link", url=f"https://{name}.example/notes"
    )
    made = []
    for i in range(projects):
        project = Project.objects.create(
            owner=user,
            title=f"{tag} project {i}",
            kind="kaggle",
            summary=f"{tag} summary",
            problem="Predict *churn*.",
            data_source="Kaggle",
            data_size="7,043 rows",
            data_licence="CC0",
            data_url="https://kaggle.example/churn",
            approach="Gradient boosting.",
            results="AUC 0.84.",
            repository_url=f"https://github.com/{name}/churn",
            started_on=dt.date(2026, 1, 5),
            finished_on=dt.date(2026, 2, 1),
            visibility="mentors",
        )
        Metric.objects.create(project=project, name="AUC", value="0.840", baseline="0.5", order=0)
        Metric.objects.create(
            project=project, name="gain", split="validation", value="0.61", better="higher", order=1
        )
        Collaborator.objects.create(project=project, name="Kim", url="https://kim.example", order=0)
        project.skills.set(skills[:2])
        made.append(project)
    return made


def upload(client: Client, content: bytes | str, name: str = "export.json"):
    if isinstance(content, str):
        content = content.encode()
    return client.post("/account/import/", as_sent(file=SimpleUploadedFile(name, content)))


def export_file(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"format": "gradient-export", "version": 1}
    data.update(overrides)
    return data


# -- export ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_json_export_holds_everything_the_user_owns(alice, bob, catalog) -> None:
    alice.first_name, alice.headline, alice.github_url = "Alice", "ML hopeful", "https://gh.io/a"
    alice.save()
    (project,) = fill(alice, catalog, "mine")
    image = add_image(project, caption="ROC curve")
    mentorship = mentorship_create(learner=alice, mentor=bob)
    mentorship_create(learner=bob, mentor=alice)
    progress_verify(mentor=bob, learner=alice, skill_id=catalog[0].pk, now=at(5))
    feedback_give(mentorship=mentorship, author=bob, body="Nice ROC.", project=project)
    feedback_give(mentorship=mentorship, author=bob, body="Solid.", skill_id=catalog[0].pk)

    response = login(alice).get("/account/export.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="gradient-export-{today}.json"'
    )
    data = response.json()
    assert (data["format"], data["version"]) == ("gradient-export", 2)
    assert dt.datetime.fromisoformat(data["exported_at"]).tzinfo is not None
    assert data["user"] | {"date_joined": None} == {
        "username": "alice",
        "email": "alice@example.com",
        "first_name": "Alice",
        "last_name": "",
        "headline": "ML hopeful",
        "bio": "",
        "github_url": "https://gh.io/a",
        "linkedin_url": "",
        "kaggle_url": "",
        "website_url": "",
        "show_progress": False,
        "date_joined": None,
        "time_zone": "",
    }
    assert data["progress"][0] == {
        "skill": "skill-1-1",
        "status": "done",
        "note": "",
        "started_at": "2026-03-01T09:00:00+00:00",
        "completed_at": "2026-03-03T09:00:00+00:00",
        "updated_at": data["progress"][0]["updated_at"],
        "verified_by": "bob",
        "verified_at": "2026-03-06T09:00:00+00:00",
        "verification_comment": "",
        "known_before": False,
    }
    assert [p["skill"] for p in data["progress"]] == ["skill-1-1", "skill-1-2", "skill-1-3"]
    assert data["progress"][1]["note"] == "mine note: **gradients**"
    assert data["events"][0] == {
        "skill": "skill-1-1",
        "from_status": "todo",
        "to_status": "learning",
        "kind": "status",
        "created_at": "2026-03-01T09:00:00+00:00",
    }
    # Three status changes on a skill, one on another, and bob's verification.
    assert len(data["events"]) == 5
    assert data["events"][-1]["kind"] == "verified"
    assert data["links"] == [
        {
            "skill": "skill-1-2",
            "title": "mine link",
            "url": "https://alice.example/notes",
            "created_at": data["links"][0]["created_at"],
        }
    ]
    exported = data["projects"][0]
    assert exported["url"] == f"http://testserver/projects/{project.pk}/"
    assert exported["skills"] == ["skill-1-1", "skill-1-2"]
    assert exported["metrics"] == [
        {"name": "AUC", "split": "test", "value": "0.840", "baseline": "0.5", "better": None},
        {
            "name": "gain",
            "split": "validation",
            "value": "0.61",
            "baseline": None,
            "better": "higher",
        },
    ]
    assert exported["collaborators"] == [{"name": "Kim", "url": "https://kim.example"}]
    assert exported["images"] == [
        {
            "caption": "ROC curve",
            "width": 30,
            "height": 20,
            "url": f"http://testserver/projects/{project.pk}/images/{image.pk}/full/",
        }
    ]
    assert (exported["started_on"], exported["visibility"], exported["kind"]) == (
        "2026-01-05",
        "mentors",
        "kaggle",
    )
    assert [(f["project"], f["skill"], f["mentor"], f["author"]) for f in data["feedback"]] == [
        ("mine project 0", None, "bob", "bob"),
        (None, "skill-1-1", "bob", "bob"),
    ]
    assert data["mentorships"]["as_learner"][0] | {"created_at": None} == {
        "mentor": "bob",
        "state": "active",
        "share_notes": False,
        "created_at": None,
        "revoked_at": None,
    }
    assert data["mentorships"]["as_mentor"] == [{"learner": "bob", "state": "active"}]


@pytest.mark.django_db
def test_the_export_holds_nothing_of_anyone_else(alice, bob, catalog) -> None:
    fill(alice, catalog, "ALICE-ONLY")
    (bobs_project,) = fill(bob, catalog, "BOB-ONLY")
    mentees = mentorship_create(learner=bob, mentor=alice)
    feedback_give(
        mentorship=mentees, author=alice, body="ALICE-ONLY-FEEDBACK", skill_id=catalog[0].pk
    )
    feedback_give(mentorship=mentees, author=bob, body="BOB-ONLY-REPLY", skill_id=catalog[0].pk)
    mentor_note_save(mentor=alice, learner=bob, body="ALICE-ONLY-NOTE")
    # bob mentors alice too: what he writes about her, and keeps on her, is his.
    mentorship_create(learner=alice, mentor=bob)
    mentor_note_save(mentor=bob, learner=alice, body="BOB-ONLY-NOTE on alice")
    carol = make_user("carol")
    mentor_note_save(mentor=bob, learner=carol, body="BOB-ONLY-NOTE on carol")
    bobs_project.visibility = "private"
    bobs_project.save()
    feedback_give(
        mentorship=mentees, author=alice, body="ALICE-ONLY on a project", project=bobs_project
    )
    body = login(alice).get("/account/export.json").content.decode()
    assert "ALICE-ONLY" in body
    assert "BOB-ONLY" not in body  # nor the title of bob's project, private now
    assert '"as_mentor": [\n      {\n        "learner": "bob"' in body


@pytest.mark.django_db
def test_a_mentors_export_holds_their_notes_and_the_feedback_they_wrote(
    alice, bob, catalog
) -> None:
    carol = make_user("carol")
    (bobs_project,) = fill(bob, catalog, "bob's")
    with_bob = mentorship_create(learner=bob, mentor=alice)
    with_carol = mentorship_create(learner=carol, mentor=alice)
    feedback_give(mentorship=with_bob, author=alice, body="Try **CV**.", project=bobs_project)
    feedback_give(mentorship=with_bob, author=bob, body="Will do.", project=bobs_project)
    feedback_give(mentorship=with_carol, author=alice, body="Good pace.", skill_id=catalog[1].pk)
    mentor_note_save(mentor=alice, learner=carol, body="Wants NLP work.")
    mentor_note_save(mentor=alice, learner=bob, body="Strong on **trees**.")
    mentor_note_save(mentor=bob, learner=alice, body="not alice's")

    data = login(alice).get("/account/export.json").json()

    given = [f | {"created_at": None} for f in data["feedback_given"]]
    assert given == [
        {"learner": "bob", "project": "bob's project 0", "skill": None, "body": "Try **CV**.",
         "created_at": None},
        {"learner": "carol", "project": None, "skill": "skill-1-2", "body": "Good pace.",
         "created_at": None},
    ]  # fmt: skip
    assert all(dt.datetime.fromisoformat(f["created_at"]) for f in data["feedback_given"])
    notes = [n | {"updated_at": None} for n in data["mentor_notes"]]
    assert notes == [
        {"learner": "carol", "body": "Wants NLP work.", "updated_at": None},
        {"learner": "bob", "body": "Strong on **trees**.", "updated_at": None},
    ]
    assert data["feedback"] == []  # nothing alice received or replied with as a learner

    # Once bob revokes her, the project is his alone again: her words stay hers, its
    # title is no longer hers to read.
    services.mentorship_revoke(mentorship=with_bob)
    data = login(alice).get("/account/export.json").json()
    assert [(f["learner"], f["project"], f["body"]) for f in data["feedback_given"]] == [
        ("bob", None, "Try **CV**."),
        ("carol", None, "Good pace."),
    ]
    assert [n["learner"] for n in data["mentor_notes"]] == ["carol", "bob"]


@pytest.mark.django_db
def test_a_mentors_own_export_imports_without_notes_or_feedback(alice, bob, catalog) -> None:
    fill(alice, catalog, "mine")
    mentorship = mentorship_create(learner=bob, mentor=alice)
    feedback_give(mentorship=mentorship, author=alice, body="Hi.", skill_id=catalog[0].pk)
    mentor_note_save(mentor=alice, learner=bob, body="A note.")
    client = login(alice)
    content = client.get("/account/export.json").content
    assert json.loads(content)["mentor_notes"] and json.loads(content)["feedback_given"]
    carol = make_user("carol")
    before = (MentorNote.objects.count(), Feedback.objects.count(), Mentorship.objects.count())

    response = upload(login(carol), content)

    assert response.status_code == 302
    assert carol.projects.count() == 1
    assert (MentorNote.objects.count(), Feedback.objects.count(),
            Mentorship.objects.count()) == before  # fmt: skip


@pytest.mark.django_db
def test_the_export_runs_the_same_queries_for_any_amount_of_data(alice, catalog) -> None:
    client = login(alice)
    fill(alice, catalog, "small")
    client.get("/account/export.json")
    with CaptureQueriesContext(connection) as small:
        client.get("/account/export.json")
    more = make_catalog(tracks=2, skills_per_track=4)
    for i, skill in enumerate(more):
        progress_set_status(user=alice, skill_id=skill.pk, status="done", now=at(i))
    projects = fill(alice, more, "large", projects=12)
    for project in projects[:3]:
        add_image(project)
    for i in range(4):
        mentorship_create(learner=alice, mentor=make_user(f"mentor{i}"))
        mentee = make_user(f"mentee{i}")
        (project,) = fill(mentee, more, f"mentee {i}")
        mentoring = mentorship_create(learner=mentee, mentor=alice)
        feedback_give(mentorship=mentoring, author=alice, body="On it.", project=project)
        feedback_give(mentorship=mentoring, author=alice, body="Hm.", skill_id=more[0].pk)
        mentor_note_save(mentor=alice, learner=mentee, body=f"note {i}")
    with CaptureQueriesContext(connection) as large:
        response = client.get("/account/export.json")
    assert len(response.json()["projects"]) == 13
    assert len(response.json()["feedback_given"]) == 8
    assert len(response.json()["mentor_notes"]) == 4
    assert len(small.captured_queries) == len(large.captured_queries) <= 20


@pytest.mark.django_db
def test_the_csv_has_a_row_per_published_skill_in_catalog_order(alice, catalog) -> None:
    hidden = catalog[4]
    hidden.is_published = False
    hidden.save()
    evil = make_user("@SUM(1)")  # allauth's usernames may start with @, + or -
    sneaky = catalog[1]
    sneaky.title = "=HYPERLINK(1)"
    sneaky.save()
    progress_set_status(user=alice, skill_id=catalog[0].pk, status="done", now=at(1))
    progress_verify(mentor=evil, learner=alice, skill_id=catalog[0].pk, now=at(2))
    forget_catalog()  # the titles changed under the shared copy

    response = login(alice).get("/account/export.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="gradient-export-\d{4}-\d\d-\d\d\.csv"',
        response["Content-Disposition"],
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == export.CSV_HEADER
    assert [r[1] for r in rows[1:]] == [s.slug for s in catalog if s != hidden]
    assert rows[1] == [
        "Track 1",
        "skill-1-1",
        "Skill 1.1",
        "done",
        "2026-03-02T09:00:00+00:00",
        "2026-03-02T09:00:00+00:00",
        "'@SUM(1)",
        "2026-03-03T09:00:00+00:00",
        "",
    ]
    assert rows[2] == ["Track 1", "skill-1-2", "'=HYPERLINK(1)", "todo", "", "", "", "", ""]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/account/export.json", "/account/export.csv"])
def test_exports_need_a_login_and_a_get(client: Client, alice, path: str) -> None:
    assert client.get(path)["Location"].startswith("/accounts/login/")
    assert login(alice).post(path).status_code == 405


# -- import ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_import_page_explains_the_rules(alice_client) -> None:
    html = alice_client.get("/account/import/").content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert "Project images are not in the file." in html
    assert "their entries are left out, and you are told which skills they were" in html
    assert "At most 5 MB" in html


@pytest.mark.django_db
def test_the_same_import_form_sent_twice_imports_once(alice, bob, catalog, alice_client) -> None:
    fill(bob, catalog, "bob's")
    form = as_sent(file=None)
    data = login(bob).get("/account/export.json").content
    for _ in range(2):
        form["file"] = SimpleUploadedFile("export.json", data)
        response = alice_client.post("/account/import/", form, follow=True)
        assert response.status_code == 200
    assert "That file was already imported." in response.content.decode()
    assert alice.projects.count() == 1
    assert alice.progress_events.count() == 4


@pytest.mark.django_db
@pytest.mark.django_db
def test_an_import_brings_back_progress_history_links_and_projects(
    alice, bob, catalog, alice_client
) -> None:
    fill(bob, catalog, "bob's")
    data = login(bob).get("/account/export.json").content

    response = upload(alice_client, data)

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert {(p.skill.slug, p.status, p.note) for p in alice.progress.all()} == {
        ("skill-1-1", "done", ""),
        ("skill-1-2", "learning", "bob's note: **gradients**"),
        ("skill-1-3", "skipped", ""),
    }
    assert alice.progress.get(skill=catalog[0]).completed_at == at(2)
    assert alice.progress_events.count() == 4
    assert alice.skill_links.get().url == "https://bob.example/notes"
    project = alice.projects.get()
    assert project.title == "bob's project 0"
    assert [(m.name, m.value, m.baseline, m.better) for m in project.metrics.all()] == [
        ("AUC", "0.840", "0.5", ""),
        ("gain", "0.61", "", "higher"),
    ]
    assert [c.name for c in project.collaborators.all()] == ["Kim"]
    assert set(project.skills.values_list("slug", flat=True)) == {"skill-1-1", "skill-1-2"}
    assert bob.projects.count() == 1  # bob's own data is untouched
    page = alice_client.get("/dashboard/").content.decode()
    assert "Imported 3 skill statuses, 4 history events, 1 link, 1 project." in page


@pytest.mark.django_db
def test_an_import_replaces_the_same_skills_appends_events_and_adds_projects(
    alice, bob, catalog
) -> None:
    fill(alice, catalog, "old", projects=1)
    progress_set_status(user=alice, skill_id=catalog[3].pk, status="done", now=at(9))
    before_events = alice.progress_events.count()
    document = export_file(
        progress=[
            {"skill": "skill-1-1", "status": "learning", "note": "again",
             "started_at": "2026-05-01T10:00:00+02:00"},
            {"skill": "skill-2-3", "status": "done", "completed_at": "2026-05-02T10:00:00Z"},
        ],
        events=[
            {"skill": "skill-1-1", "from_status": "done", "to_status": "learning",
             "created_at": "2026-05-01T08:00:00Z"},
        ],
        links=[
            {"skill": "skill-1-2", "title": "dupe", "url": "https://alice.example/notes"},
            {"skill": "skill-1-2", "title": "new", "url": "https://new.example"},
        ],
        projects=[{"title": "old project 0"}],
    )  # fmt: skip

    report = account_import(user=alice, data=document)

    assert (report.progress_updated, report.progress_created) == (1, 1)
    first = alice.progress.get(skill=catalog[0])
    assert (first.status, first.note) == ("learning", "again")
    assert first.started_at == dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)
    assert first.completed_at is None
    assert alice.progress.get(skill=catalog[1]).note == "old note: **gradients**"  # not in file
    assert alice.progress.get(skill=catalog[3]).status == "done"  # not in file
    assert alice.progress.get(skill=catalog[5]).status == "done"
    assert alice.progress_events.count() == before_events + 1
    assert [link.title for link in alice.skill_links.all()] == ["old link", "new"]
    assert report.links_already_there == 1
    assert sorted(alice.projects.values_list("title", flat=True)) == [
        "old project 0",
        "old project 0",
    ]


@pytest.mark.django_db
def test_a_verification_stays_only_while_the_skill_stays_done(alice, bob, catalog) -> None:
    for skill in catalog[:2]:
        progress_set_status(user=alice, skill_id=skill.pk, status="done", now=at(1))
        progress_verify(mentor=bob, learner=alice, skill_id=skill.pk, now=at(2))
    document = export_file(
        progress=[
            {"skill": "skill-1-1", "status": "done", "verified_by": "mallory"},
            {"skill": "skill-1-2", "status": "learning"},
            {"skill": "skill-1-3", "status": "done", "verified_by": "bob",
             "verified_at": "2026-03-01T00:00:00Z"},
        ]
    )  # fmt: skip
    account_import(user=alice, data=document)
    rows = {p.skill.slug: p for p in alice.progress.select_related("skill")}
    assert (rows["skill-1-1"].verified_by, rows["skill-1-1"].verified_at) == (bob, at(2))
    assert rows["skill-1-2"].verified_by is None
    # A file cannot make anyone a verifier: that is the mentor's word, not the learner's.
    assert (rows["skill-1-3"].verified_by, rows["skill-1-3"].verified_at) == (None, None)


@pytest.mark.django_db
def test_unknown_skills_are_left_out_and_named(alice, catalog, alice_client) -> None:
    document = export_file(
        progress=[
            {"skill": "skill-1-1", "status": "done"},
            {"skill": "renamed_skill", "status": "done"},
        ],
        events=[
            {"skill": "gone-skill", "from_status": "todo", "to_status": "done",
             "created_at": "2026-01-01T00:00:00Z"},
        ],
        projects=[{"title": "P", "skills": ["skill-1-2", "gone-skill"]}],
    )  # fmt: skip

    response = upload(alice_client, json.dumps(document))
    page = alice_client.get(response["Location"]).content.decode()

    assert alice.progress.get().skill == catalog[0]
    assert not alice.progress_events.exists()
    assert list(alice.projects.get().skills.values_list("slug", flat=True)) == ["skill-1-2"]
    assert (
        "2 entries for skills this catalog does not have were left out "
        "(and those skills dropped from projects): gone-skill, renamed_skill."
    ) in page


@pytest.mark.django_db
def test_html_in_an_imported_title_is_stored_as_text_and_escaped(alice, alice_client) -> None:
    title = '<script>alert("x")</script>'
    account_import(user=alice, data=export_file(projects=[{"title": title, "summary": title}]))
    project = alice.projects.get()
    assert project.title == title
    page = alice_client.get(f"/projects/{project.pk}/").content.decode()
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert title not in page


@pytest.mark.django_db
def test_times_are_judged_in_utc_and_zero_has_one_sign(alice, catalog, alice_client) -> None:
    document = export_file(
        events=[{"skill": "skill-1-1", "from_status": "todo", "to_status": "done",
                 "created_at": "1899-12-31T23:00:00-01:00"}],
        projects=[{"title": "t", "created_at": "2200-12-31T23:59:59.999999+00:00",
                   "metrics": [{"name": "gain", "value": -0.0, "baseline": 0}]}],
    )  # fmt: skip
    account_import(user=alice, data=document)
    body = alice_client.get("/account/export.json").content.decode()
    data = json.loads(body)
    assert data["events"][0]["created_at"] == "1900-01-01T00:00:00+00:00"
    assert data["projects"][0]["created_at"] == "2200-12-31T23:59:59.999999+00:00"
    # SQLite would drop the sign of -0.0 and PostgreSQL keep it: both keep plain 0.
    assert data["projects"][0]["metrics"][0] | {"name": ""} == {
        "name": "", "split": "test", "value": "0", "baseline": "0", "better": None,
    }  # fmt: skip
    assert "-0.0" not in body
    assert upload(alice_client, body).status_code == 302


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


HOSTILE = [
    ("not json", "this is not json", "not valid JSON"),
    ("not utf-8", b"\xff\xfe\x00{", "not valid JSON"),
    ("a bare list", "[]", "This is not a Gradient export"),
    ("another format", json.dumps({"format": "csv", "version": 1}), "not a Gradient export"),
    ("a newer version", json.dumps(export_file(version=3)), "this site reads version 1 and 2"),
    ("version as text", json.dumps(export_file(version="1")), "no valid &#34;version&#34;"),
    ("deeply nested", deep(100_000), "nested too deeply"),
    (
        "nested junk where text goes",
        '{"format": "gradient-export", "version": 1, "progress": [{"skill": "skill-1-1", '
        f'"status": "done", "note": {deep(500)}}}]}}',
        "progress[0].note: must be text",
    ),
    ("a million events", json.dumps(export_file(events=[0] * 10**6)), "has 1,000,000 entries"),
    (
        "a 10 MB string",
        json.dumps(export_file(user={"bio": "x" * 10_000_000})),
        "an export file may be at most 5 MB",
    ),
    (
        "a 1 MB note",
        json.dumps(export_file(progress=[{"skill": "skill-1-1", "status": "done",
                                          "note": "n" * 1_000_000}])),
        "progress[0].note: is 1,000,000 characters long; at most 20,000 fit",
    ),
    (
        "status hacked",
        json.dumps(export_file(progress=[{"skill": "skill-1-1", "status": "hacked"}])),
        "progress[0].status: &#34;hacked&#34; is not one of todo, learning, done, skipped",
    ),
    (
        "html in a status",
        json.dumps(export_file(progress=[{"skill": "skill-1-1", "status": "<i>x</i>"}])),
        "&#34;&lt;i&gt;x&lt;/i&gt;&#34; is not one of",
    ),
    (
        "a date like yesterday",
        json.dumps(export_file(events=[{"skill": "skill-1-1", "from_status": "todo",
                                        "to_status": "done", "created_at": "yesterday"}])),
        "events[0].created_at: &#34;yesterday&#34; is not a date and time",
    ),
    (
        "a date with no time zone",
        json.dumps(export_file(progress=[{"skill": "skill-1-1", "status": "done",
                                          "completed_at": "2026-01-01T10:00:00"}])),
        "progress[0].completed_at: &#34;2026-01-01T10:00:00&#34; is not a date and time",
    ),
    (
        "the year 1",
        json.dumps(export_file(progress=[{"skill": "skill-1-1", "status": "done",
                                          "completed_at": "0001-01-01T00:00:00+05:00"}])),
        "the year 1 is out of range",
    ),
    (
        "a time zone that takes the time out of the years allowed",
        json.dumps(export_file(events=[{"skill": "skill-1-1", "from_status": "todo",
                                        "to_status": "done",
                                        "created_at": "1900-01-01T00:00:00+14:00"}])),
        "events[0].created_at: &#34;1900-01-01T00:00:00+14:00&#34; is "
        "1899-12-31T10:00:00+00:00 in UTC: the year 1899 is out of range (1900 to 2200)",
    ),
    (
        "a time zone that takes the time past what Python can hold",
        json.dumps(export_file(projects=[{"title": "t",
                                          "updated_at": "9999-12-31T23:00:00-14:00"}])),
        "projects[0].updated_at: the year 9999 is out of range (1900 to 2200)",
    ),
    (
        "nanoseconds",
        json.dumps(export_file(links=[{"skill": "skill-1-1", "title": "x",
                                       "url": "https://x.example",
                                       "created_at": "2026-01-01T00:00:00.123456789Z"}])),
        "links[0].created_at: &#34;2026-01-01T00:00:00.123456789Z&#34; has more than 6 "
        "decimals of a second",
    ),
    (
        "an offset in seconds",
        json.dumps(export_file(progress=[{"skill": "skill-1-1", "status": "done",
                                          "started_at": "2026-01-31T09:30:00+05:30:15"}])),
        "progress[0].started_at: &#34;2026-01-31T09:30:00+05:30:15&#34; is not a date and",
    ),
    (
        "a week date",
        json.dumps(export_file(projects=[{"title": "t", "started_on": "2026-W05-1"}])),
        "projects[0].started_on: &#34;2026-W05-1&#34; is not a date like 2026-01-31",
    ),
    (
        "a day after the years allowed",
        json.dumps(export_file(projects=[{"title": "t", "finished_on": "2201-01-01"}])),
        "projects[0].finished_on: the year 2201 is out of range (1900 to 2200)",
    ),
    (
        "html as a skill slug",
        json.dumps(export_file(progress=[{"skill": "<b>x</b>", "status": "done"}])),
        "progress[0].skill: &#34;&lt;b&gt;x&lt;/b&gt;&#34; is not a skill slug",
    ),
    (
        "a lone surrogate as a skill slug",
        '{"format": "gradient-export", "version": 1, "projects": [{"title": "t", '
        '"skills": ["\\ud800"]}]}',
        "projects[0].skills[0]: &#34;\\ud800&#34; is not a skill slug",
    ),
    (
        "a number too large for a float",
        '{"format": "gradient-export", "version": 1, "projects": [{"title": "t", '
        '"metrics": [{"name": "acc", "value": 1e400}]}]}',
        "the number 1e400 is too large",
    ),
    (
        "an integer of 5,000 digits",
        '{"format": "gradient-export", "version": 1, "projects": [{"title": "t", '
        '"metrics": [{"name": "acc", "value": ' + "9" * 5000 + "}]}]}",
        "is too large",
    ),
    (
        "NaN",
        '{"format": "gradient-export", "version": 1, "projects": [{"title": "t", '
        '"metrics": [{"name": "acc", "value": NaN}]}]}',
        "NaN is not a number this file may hold",
    ),
    (
        "a metric value as text",
        json.dumps(export_file(projects=[{"title": "t", "metrics": [{"name": "a",
                                                                     "value": "high"}]}])),
        "projects[0].metrics[0].value: &#34;high&#34; is not a number like 0.86",
    ),
    (
        "true as a number",
        json.dumps(export_file(projects=[{"title": "t", "metrics": [{"name": "a",
                                                                     "value": True}]}])),
        "projects[0].metrics[0].value: must be a number",
    ),
    (
        "21 metrics",
        json.dumps(export_file(projects=[{"title": "t", "metrics": [{"name": "a", "value": 1}]
                                          * 21}])),
        "projects[0].metrics: has 21 entries; at most 20 fit",
    ),
    (
        "a NUL character",
        json.dumps(export_file(projects=[{"title": "a\u0000b"}])),
        "projects[0].title: contains a NUL character",
    ),
    (
        "a lone surrogate",
        '{"format": "gradient-export", "version": 1, "projects": [{"title": "\\ud800"}]}',
        "projects[0].title: contains characters that are not valid Unicode",
    ),
    (
        "a javascript: link",
        json.dumps(export_file(links=[{"skill": "skill-1-1", "title": "x",
                                       "url": "javascript:alert(1)"}])),
        "links[0].url: is not a valid web address",
    ),
    (
        "an empty title",
        json.dumps(export_file(projects=[{"title": "  "}])),
        "projects[0].title: must not be empty",
    ),
    (
        "dates reversed",
        json.dumps(export_file(projects=[{"title": "t", "started_on": "2026-02-01",
                                          "finished_on": "2026-01-01"}])),
        "projects[0].finished_on: is before started_on",
    ),
    (
        "a skill listed twice",
        json.dumps(export_file(progress=[{"skill": "skill-1-1", "status": "done"}] * 2)),
        "progress[1].skill: skill-1-1 is already listed at progress[0]",
    ),
    (
        "a list of numbers for progress",
        json.dumps(export_file(progress=[1, 2])),
        "progress[0]: must be an object",
    ),
    (
        "an object for events",
        json.dumps(export_file(events={"a": 1})),
        "events: must be a list",
    ),
    (
        "a good entry after a bad one",
        json.dumps(export_file(progress=[{"skill": "skill-1-1", "status": "done"},
                                         {"skill": "skill-1-2", "status": "hacked"}])),
        "progress[1].status",
    ),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "content", "message"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_malformed_or_hostile_file_is_refused_and_changes_nothing(
    alice, catalog, alice_client, case: str, content: str | bytes, message: str
) -> None:
    fill(alice, catalog, "existing")
    alice.headline = "kept"
    alice.save()
    before = counts()

    response = upload(alice_client, content)

    assert response.status_code == 200
    html = response.content.decode()
    assert "The file was not imported, and nothing in your account changed." in html
    assert message in html, html[html.find("errorlist") - 200 :][:1500]
    assert counts() == before
    alice.refresh_from_db()
    assert alice.headline == "kept"


@pytest.mark.django_db
def test_errors_are_listed_up_to_ten(alice, catalog, alice_client) -> None:
    document = export_file(progress=[{"skill": f"s{i}", "status": "x"} for i in range(30)])
    html = upload(alice_client, json.dumps(document)).content.decode()
    assert html.count("is not one of todo") == 10
    assert "and possibly more: fix these first." in html


def test_a_file_full_of_problems_is_not_checked_past_the_first_ten() -> None:
    # 250,000 entries that are not skill slugs and as many images that are not objects:
    # a message for each of them took seconds to make, for the ten that are shown.
    project = {"title": "t", "skills": [0] * 500, "images": [0] * 500}
    document = export_file(projects=[project] * 500)
    with pytest.raises(ValidationError) as found:
        ExportIn.model_validate(document, context={"problems": 0})
    assert found.value.error_count() == 10
    with pytest.raises(ImportRefused) as refused:
        validate_import(document)
    assert refused.value.messages[0] == (
        "projects[0].skills[0]: 0 is not a skill slug (letters, digits, - and _)"
    )
    assert len(refused.value.messages) == 11


@pytest.mark.django_db
def test_the_service_refuses_on_its_own_too(alice, catalog) -> None:
    before = counts()
    with pytest.raises(ImportRefused) as refused:
        account_import(
            user=alice,
            data=export_file(
                progress=[{"skill": "skill-1-1", "status": "done"}],
                projects=[{"title": "t", "visibility": "everyone"}],
            ),
        )
    assert refused.value.messages == [
        'projects[0].visibility: "everyone" is not one of private, mentors, public'
    ]
    assert counts() == before


@pytest.mark.django_db
def test_a_failure_half_way_writes_nothing(alice, catalog, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    document = export_file(
        user={"headline": "new"},
        progress=[{"skill": "skill-1-1", "status": "done"}],
        projects=[{"title": "t", "metrics": [{"name": "a", "value": 1}]}],
    )
    before = counts()
    monkeypatch.setattr(Metric.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        account_import(user=alice, data=document)
    assert counts() == before
    assert User.objects.get(pk=alice.pk).headline == ""


@pytest.mark.django_db
def test_the_import_form_needs_a_file_a_login_and_get_or_post(client: Client, alice) -> None:
    assert login(alice).post("/account/import/", {}).status_code == 400  # not even the form
    response = login(alice).post("/account/import/", as_sent())
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert client.get("/account/import/")["Location"].startswith("/accounts/login/")
    assert login(alice).put("/account/import/").status_code == 405


def normalise(document: dict[str, Any]) -> dict[str, Any]:
    """The export without what must differ after a round trip: when it was made, when the
    account was made, and the ids in project URLs."""
    document = json.loads(json.dumps(document))
    del document["exported_at"]
    del document["user"]["date_joined"]
    for project in document["projects"]:
        project["url"] = re.sub(r"/projects/\d+/", "/projects/ID/", project["url"])
    return document


@pytest.mark.django_db
def test_round_trip_export_delete_sign_up_again_import_export_again(
    client: Client, catalog
) -> None:
    alice = make_user(
        "alice",
        first_name="Alice",
        last_name="Liddell",
        headline="Aspiring ML engineer",
        bio="I like **trees**.",
        github_url="https://github.com/alice",
        website_url="https://alice.example",
        show_progress=True,
    )
    fill(alice, catalog, "<em>mine</em>", projects=3)
    progress_set_status(user=alice, skill_id=catalog[0].pk, status="learning", now=at(7))
    progress_set_status(user=alice, skill_id=catalog[4].pk, status="done", now=at(8))
    SkillLink.objects.create(user=alice, skill=catalog[4], title="ftp", url="ftp://ftp.example/x")
    Project.objects.create(owner=alice, title="bare", summary="", visibility="public")
    client.force_login(alice)
    first = client.get("/account/export.json").json()
    assert len(first["progress"]) == 4 and len(first["events"]) == 6
    assert len(first["links"]) == 2 and len(first["projects"]) == 4

    assert client.post("/account/delete/", {"password": PASSWORD}).status_code == 302
    assert not User.objects.filter(username="alice").exists()
    response = client.post(
        "/accounts/signup/",
        {
            "username": "alice",
            "email": "alice@example.com",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="alice").progress.count() == 0
    response = upload(client, json.dumps(first))
    assert response.status_code == 302, response.content.decode()
    second = client.get("/account/export.json").json()

    assert normalise(second) == normalise(first)


@pytest.mark.django_db
def test_what_an_import_does_not_bring_back(alice, bob, catalog, alice_client) -> None:
    carol = make_user("carol")
    (project,) = fill(bob, catalog, "bob's")
    add_image(project)
    mentorship = mentorship_create(learner=bob, mentor=alice)
    progress_verify(mentor=alice, learner=bob, skill_id=catalog[0].pk)
    feedback_give(mentorship=mentorship, author=alice, body="hi", project=project)
    document = login(bob).get("/account/export.json").json()
    assert document["feedback"] and document["mentorships"]["as_learner"]

    carol_client = login(carol)
    response = upload(carol_client, json.dumps(document))

    assert response.status_code == 302
    assert carol.progress.get(skill=catalog[0]).verified_by is None
    assert not Mentorship.objects.filter(learner=carol).exists()
    assert not Feedback.objects.filter(learner=carol).exists()
    assert not ProjectImage.objects.filter(project__owner=carol).exists()
    assert carol.email == "carol@example.com"  # the file's email address is not taken
    page = carol_client.get("/dashboard/").content.decode()
    assert "1 project image is not in an export file: upload them again" in page


# -- delete ---------------------------------------------------------------------------------


def everything(user: User, other: User, skills: list[Skill], tag: str) -> None:
    """All `user` can own, including mentoring `other` and being mentored by them."""
    (project,) = fill(user, skills, tag)
    add_image(project)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    invite_create(learner=user)
    used = invite_create(learner=user)
    invite_accept(invite=used, mentor=other)
    mentorship = Mentorship.objects.get(learner=user, mentor=other)
    feedback_give(mentorship=mentorship, author=other, body=f"{tag} fb", project=project)
    feedback_give(mentorship=mentorship, author=user, body=f"{tag} reply", project=project)
    mentor_note_save(mentor=other, learner=user, body=f"about {tag}")
    progress_verify(mentor=other, learner=user, skill_id=skills[0].pk, now=at(6))


@pytest.mark.django_db
def test_the_delete_page_says_what_goes(alice, bob, catalog, alice_client) -> None:
    everything(alice, bob, catalog, "a")
    html = alice_client.get("/account/delete/").content.decode()
    # Three status changes, one more, and a mentor's verification.
    assert "Your progress on 3 skills, with your notes, and 5 history events." in html
    assert "1 project with their evaluation tables, collaborators and 1 image" in html
    assert "1 mentorship as a learner and 0 as a mentor, and 2 invite links." in html
    assert "2 feedback comments you received, gave or replied with" in html
    assert 'autocomplete="current-password"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("data", [{"password": ""}, {"password": "wrong-password-1"}])
def test_a_wrong_or_missing_password_deletes_nothing(alice, bob, catalog, alice_client, data):
    everything(alice, bob, catalog, "a")
    before = counts()
    response = alice_client.post("/account/delete/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was deleted." in html
    assert 'class="errorlist"' in html
    assert counts() == before
    assert alice_client.get("/dashboard/").status_code == 200


@pytest.mark.django_db
def test_deleting_an_account_removes_everything_it_owns_and_nothing_else(
    alice, bob, catalog, alice_client, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.MEDIA_ROOT = tmp_path
    everything(alice, bob, catalog, "alice")
    everything(bob, alice, catalog, "bob")  # bob is mentored by alice, and mentors her
    carol = make_user("carol")
    everything(carol, bob, catalog, "carol")
    mentor_note_save(mentor=alice, learner=carol, body="alice about carol")
    mentoring_carol = mentorship_create(learner=carol, mentor=alice)
    feedback_give(
        mentorship=mentoring_carol, author=alice, body="alice to carol", skill_id=catalog[0].pk
    )
    files = {
        who: [n for i in ProjectImage.objects.filter(project__owner=who)
              for n in (i.image.name, i.thumbnail.name)]
        for who in (alice, bob)
    }  # fmt: skip
    storage = ProjectImage._meta.get_field("image").storage
    assert all(storage.exists(n) for n in files[alice] + files[bob])
    bob_before = {
        "progress": list(
            bob.progress.order_by("skill_id").values_list("skill_id", "status", "note")
        ),
        "events": bob.progress_events.count(),
        "links": bob.skill_links.count(),
        "projects": list(bob.projects.values_list("title", flat=True)),
        "metrics": Metric.objects.filter(project__owner=bob).count(),
        "images": ProjectImage.objects.filter(project__owner=bob).count(),
    }
    carol_mentorship = Mentorship.objects.get(learner=carol, mentor=bob)

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/account/delete/", {"password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/catalog/"
    assert not User.objects.filter(username="alice").exists()
    for model, lookup in [
        (EmailAddress, {"user__username": "alice"}),
        (Progress, {"user__username": "alice"}),
        (ProgressEvent, {"user__username": "alice"}),
        (SkillLink, {"user__username": "alice"}),
        (Project, {"owner__username": "alice"}),
        (Invite, {"learner__username": "alice"}),
    ]:
        assert not model.objects.filter(**lookup).exists(), model
    # bob's and carol's projects keep theirs: two metrics and a collaborator each
    assert (Metric.objects.count(), Collaborator.objects.count()) == (4, 2)
    assert not ProjectImage.objects.filter(project__owner__username="alice").exists()
    assert not any(storage.exists(n) for n in files[alice])
    assert all(storage.exists(n) for n in files[bob])
    # Mentorships both ways, their threads and notes go; bob keeps his own things.
    assert list(Mentorship.objects.all()) == [carol_mentorship]
    # What alice wrote to carol as her mentor goes, though carol stays.
    assert set(Feedback.objects.values_list("body", flat=True)) == {"carol fb", "carol reply"}
    # alice's notes as a mentor ("about bob", "alice about carol") go, and so does bob's
    # note about her; bob's note about carol stays.
    assert list(MentorNote.objects.values_list("body", flat=True)) == ["about carol"]
    assert bob_before == {
        "progress": list(
            bob.progress.order_by("skill_id").values_list("skill_id", "status", "note")
        ),
        "events": bob.progress_events.count(),
        "links": bob.skill_links.count(),
        "projects": list(bob.projects.values_list("title", flat=True)),
        "metrics": Metric.objects.filter(project__owner=bob).count(),
        "images": ProjectImage.objects.filter(project__owner=bob).count(),
    }
    assert EmailAddress.objects.filter(user=bob).exists()
    # The invite alice used to mentor bob stays his, without her name on it.
    assert Invite.objects.filter(learner=bob, used_at__isnull=False, used_by=None).exists()
    page = alice_client.get("/catalog/")
    assert not page.context["user"].is_authenticated
    assert "Your account and everything in it have been deleted." in page.content.decode()
    assert alice_client.get("/dashboard/").status_code == 302


@pytest.mark.django_db
def test_the_delete_service_deletes_files_only_after_commit(
    alice, catalog, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.MEDIA_ROOT = tmp_path
    (project,) = fill(alice, catalog, "a")
    image = add_image(project)
    storage = image.image.storage
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        deleted = account_delete(user=alice)
    assert deleted["tracker.User"] == 1 and deleted["tracker.Project"] == 1
    assert storage.exists(image.image.name)  # not yet: the transaction could still fail
    for callback in callbacks:
        callback()
    assert not storage.exists(image.image.name)
    assert not storage.exists(image.thumbnail.name)


@pytest.mark.django_db
def test_the_account_menu_links_to_export_import_and_delete(alice_client) -> None:
    html = alice_client.get("/catalog/").content.decode()
    for path in ("/account/export.json", "/account/export.csv", "/account/import/",
                 "/account/delete/"):  # fmt: skip
        assert f'href="{path}"' in html


@pytest.mark.django_db
def test_a_row_made_while_importing_is_replaced_not_a_crash(alice, catalog, monkeypatch):
    progress_set_status(user=alice, skill_id=catalog[0].pk, status="learning", now=at(1))
    # As if a status click made the row after the import read the account's rows.
    monkeypatch.setattr(Progress.objects, "select_for_update", Progress.objects.none)
    document = export_file(
        progress=[{"skill": "skill-1-1", "status": "done", "updated_at": "2026-04-01T00:00:00Z"}]
    )
    account_import(user=alice, data=document)
    row = alice.progress.get()
    assert (row.status, row.updated_at) == ("done", dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
