"""POST /progress/<skill>/ and the notes, links and reset around it."""

import re

import pytest
from django.test import Client

from catalog.models import Skill
from catalog.snapshot import forget_catalog
from tests.helpers import as_sent
from tracker.mentoring.services import mentorship_create, mentorship_revoke
from tracker.models import Progress, ProgressEvent, SkillLink
from tracker.progress.services import progress_save_note, progress_set_status

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def skill(catalog) -> Skill:
    return Skill.objects.get(slug="skill-1-2")


@pytest.mark.django_db
def test_htmx_on_a_track_page_gets_the_control_and_the_track_bar(
    alice_client: Client, alice, skill
) -> None:
    from_track = {**HTMX, "HTTP_HX_CURRENT_URL": "http://testserver/catalog/track-1/"}
    response = alice_client.post("/progress/skill-1-2/", {"status": "done"}, **from_track)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<form id="status-skill-1-2"')
    assert '<span class="status status-done">Done</span>' in html
    assert 'value="done" aria-pressed="true"' in html
    assert 'id="track-progress-track-1" class="track-progress" hx-swap-oob="true"' in html
    assert 'aria-valuenow="33"' in html  # 1 of 3 in the track
    assert Progress.objects.get(user=alice, skill=skill).status == "done"
    assert len(response.content) < 4096


@pytest.mark.django_db
def test_htmx_on_the_dashboard_gets_the_whole_dashboard_body(alice_client: Client, skill) -> None:
    """Every section a change affects comes back current: next up, continue, activity."""
    from_dashboard = {**HTMX, "HTTP_HX_CURRENT_URL": "http://testserver/dashboard/"}
    response = alice_client.post("/progress/skill-1-1/", {"status": "learning"}, **from_dashboard)
    assert response["HX-Retarget"] == "#dashboard-body"
    assert response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="dashboard-body">') and "<html" not in html
    continue_section = html[html.index('id="continue-heading"') : html.index("tracks-heading")]
    assert "Skill 1.1" in continue_section
    next_up = html[html.index('id="next-heading"') : html.index('id="continue-heading"')]
    assert "Skill 1.1" not in next_up
    activity = html[html.index('id="activity-heading"') :]
    assert "Skill 1.1" in activity


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "row"),
    [
        ("/catalog/track-1/", True),
        ("/catalog/track-1/?status=todo", True),
        ("/paths/a-path/", True),
        ("/skills/skill-1-2/", False),
        ("/dashboard/", False),
    ],
)
def test_a_toggle_on_a_list_of_rows_updates_the_rows_status_in_words(
    alice_client: Client, alice, skill, page: str, row: bool
) -> None:
    from catalog.models import LearningPath, PathStep

    path = LearningPath.objects.create(slug="a-path", title="A path", summary="s", suits="s")
    PathStep.objects.create(path=path, skill=skill, stage="One", order=1)
    forget_catalog()
    headers = {**HTMX, "HTTP_HX_CURRENT_URL": f"http://testserver{page}"}
    html = alice_client.post("/progress/skill-1-2/", {"status": "done"}, **headers).content.decode()
    oob = (
        '<span id="row-status-skill-1-2" class="row-status status status-done" hx-swap-oob="true">'
    )
    assert (oob + "Done</span>" in html) is row


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "track_bar", "overall"),
    [("/catalog/track-1/?status=todo", True, False), ("/skills/skill-1-2/", False, False),
     ("", False, False)],
)  # fmt: skip
def test_out_of_band_parts_follow_the_page_that_asked(
    alice_client: Client, skill, page: str, track_bar: bool, overall: bool
) -> None:
    headers = {**HTMX, "HTTP_HX_CURRENT_URL": f"http://testserver{page}"}
    html = alice_client.post("/progress/skill-1-2/", {"status": "learning"}, **headers)
    html = html.content.decode()
    assert ('id="track-progress-track-1"' in html) is track_bar
    assert ('id="overall-progress"' in html) is overall


@pytest.mark.django_db
def test_the_fragment_matches_the_full_page(alice_client: Client, skill) -> None:
    fragment = alice_client.post("/progress/skill-1-2/", {"status": "learning"}, **HTMX)
    control = fragment.content.decode().split("</form>")[0]
    page = alice_client.get("/catalog/track-1/").content.decode()
    # The page renders the same control; only `next` differs.
    page_control = page[page.index('<form id="status-skill-1-2"') :].split("</form>")[0]

    def strip(html: str) -> str:
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
        return html.split('name="next"')[0].strip()

    assert strip(control) == strip(page_control)


@pytest.mark.django_db
def test_without_htmx_it_redirects_back_with_303(alice_client: Client, skill) -> None:
    response = alice_client.post(
        "/progress/skill-1-2/", {"status": "learning", "next": "/catalog/track-1/#skill-skill-1-2"}
    )
    assert response.status_code == 303
    assert response["Location"] == "/catalog/track-1/#skill-skill-1-2"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""]
)
def test_an_external_next_is_ignored(alice_client: Client, skill, next_url: str) -> None:
    response = alice_client.post("/progress/skill-1-2/", {"status": "learning", "next": next_url})
    assert response.status_code == 303
    assert response["Location"] == "/skills/skill-1-2/"


@pytest.mark.django_db
def test_anonymous_is_sent_to_log_in(client: Client, skill) -> None:
    response = client.post("/progress/skill-1-2/", {"status": "done"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Progress.objects.exists()


@pytest.mark.django_db
def test_a_bad_status_is_a_400_with_a_message(alice_client: Client, skill) -> None:
    response = alice_client.post("/progress/skill-1-2/", {"status": "finished"})
    assert response.status_code == 400
    assert "“finished” is not a status" in response.content.decode()
    assert alice_client.post("/progress/skill-1-2/", {}).status_code == 400
    assert not Progress.objects.exists()


@pytest.mark.django_db
def test_unknown_and_unpublished_skills_are_404(alice_client: Client, skill) -> None:
    assert alice_client.post("/progress/nope/", {"status": "done"}).status_code == 404
    Skill.objects.filter(pk=skill.pk).update(is_published=False)
    forget_catalog()
    assert alice_client.post("/progress/skill-1-2/", {"status": "done"}).status_code == 404
    assert not Progress.objects.exists()


@pytest.mark.django_db
def test_get_is_405(alice_client: Client, skill) -> None:
    assert alice_client.get("/progress/skill-1-2/").status_code == 405


@pytest.mark.django_db
def test_the_same_status_twice_writes_one_event(alice_client: Client, alice, skill) -> None:
    alice_client.post("/progress/skill-1-2/", {"status": "done"}, **HTMX)
    alice_client.post("/progress/skill-1-2/", {"status": "done"}, **HTMX)
    assert ProgressEvent.objects.filter(user=alice).count() == 1


@pytest.mark.django_db
def test_another_user_cannot_see_or_change_my_progress(client: Client, alice, bob, skill) -> None:
    progress_set_status(user=alice, skill_id=skill.pk, status="done")
    progress_save_note(user=alice, skill_id=skill.pk, note="alice-secret-note")
    client.force_login(bob)
    page = client.get("/skills/skill-1-2/").content.decode()
    assert "alice-secret-note" not in page
    assert '<span class="status status-todo">To do</span>' in page
    client.post("/progress/skill-1-2/", {"status": "todo"})
    assert Progress.objects.get(user=alice).status == "done"


# -- notes ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_note_is_saved_and_rendered_sanitised(alice_client: Client, alice, skill) -> None:
    note = (
        "**Key idea**\n\n<script>alert(1)</script>\n\n"
        "[x](javascript:alert(2)) <img src=x onerror=alert(3)>"
    )
    response = alice_client.post("/progress/skill-1-2/note/", {"note": note}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="notes"' in html
    assert "<strong>Key idea</strong>" in html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html
    assert Progress.objects.get(user=alice, skill=skill).note == note
    page = alice_client.get("/skills/skill-1-2/").content.decode()
    assert "<strong>Key idea</strong>" in page and "<script>alert" not in page


@pytest.mark.django_db
def test_the_note_editor_is_a_fragment_for_htmx_and_a_page_without(
    alice_client: Client, skill
) -> None:
    fragment = alice_client.get("/progress/skill-1-2/note/", **HTMX).content.decode()
    assert "<html" not in fragment and "<textarea" in fragment
    page = alice_client.get("/progress/skill-1-2/note/").content.decode()
    assert "<html" in page and "<textarea" in page


@pytest.mark.django_db
def test_a_note_without_js_redirects_back(alice_client: Client, alice, skill) -> None:
    response = alice_client.post("/progress/skill-1-2/note/", {"note": "plain"})
    assert response.status_code == 303
    assert response["Location"] == "/skills/skill-1-2/#notes"


@pytest.mark.django_db
def test_an_oversize_note_is_refused(alice_client: Client, alice, skill) -> None:
    response = alice_client.post("/progress/skill-1-2/note/", {"note": "x" * 20_001}, **HTMX)
    assert response.status_code == 200
    assert "under 20,000 characters" in response.content.decode()
    assert not Progress.objects.exists()


@pytest.mark.django_db
def test_a_note_with_math_keeps_its_subscripts(alice_client: Client, alice, skill) -> None:
    note = r"Attention: $$softmax(QK^T/\sqrt{d_k})V$$ and it costs $5 and $10."
    alice_client.post("/progress/skill-1-2/note/", {"note": note})
    page = alice_client.get("/skills/skill-1-2/").content.decode()
    assert '<math display="block">' in page
    assert "<msub><mi>d</mi><mi>k</mi></msub>" in page
    assert "it costs $5 and $10." in page


@pytest.mark.django_db
def test_preview_shows_the_note_rendered_and_saves_nothing(
    alice_client: Client, alice, skill
) -> None:
    progress_save_note(user=alice, skill_id=skill.pk, note="the saved note")
    sent = {"note": "**new** $x_i$", "preview": "1"}
    page = alice_client.post("/progress/skill-1-2/note/", sent)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html  # without JavaScript: the editor again, with the preview
    assert ">**new** $x_i$</textarea>" in html  # what was typed stays in the editor
    preview = html[html.index('id="note-preview"') :]
    assert "Preview" in preview and "<strong>new</strong>" in preview and "<msub>" in preview
    assert Progress.objects.get(user=alice, skill=skill).note == "the saved note"

    fragment = alice_client.post("/progress/skill-1-2/note/", sent, **HTMX).content.decode()
    assert "<html" not in fragment and "<textarea" not in fragment  # the preview alone
    assert "<strong>new</strong>" in fragment and "<msub>" in fragment
    assert Progress.objects.get(user=alice, skill=skill).note == "the saved note"


@pytest.mark.django_db
def test_preview_of_an_oversize_note_says_so(alice_client: Client, alice, skill) -> None:
    sent = {"note": "x" * 20_001, "preview": "1"}
    fragment = alice_client.post("/progress/skill-1-2/note/", sent, **HTMX).content.decode()
    assert "under 20,000 characters" in fragment
    assert not Progress.objects.exists()


@pytest.mark.django_db
def test_the_note_editor_says_who_reads_the_notes(
    alice_client: Client, alice, grace, bob, skill
) -> None:
    def readers() -> str:
        html = alice_client.get("/progress/skill-1-2/note/").content.decode()
        line = re.search(r'<p class="help" id="note-readers">(.*?)</p>', html, re.S)
        assert line is not None
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", line[1]))

    assert "Private" not in alice_client.get("/progress/skill-1-2/note/").content.decode()
    assert readers().startswith("Who reads them: only you. You share your notes with no mentor.")
    grace_mentors = mentorship_create(learner=alice, mentor=grace)
    mentorship_create(learner=alice, mentor=bob)  # notes not shared with bob
    assert "only you" in readers()
    grace_mentors.share_notes = True
    grace_mentors.save()
    assert readers().startswith("Who reads them: you, and Grace, the mentor you share")
    assert "bob" not in readers()
    mentorship_revoke(mentorship=grace_mentors)
    assert "only you" in readers()


@pytest.mark.django_db
def test_notes_need_a_login(client: Client, skill) -> None:
    assert client.get("/progress/skill-1-2/note/").status_code == 302
    assert client.post("/progress/skill-1-2/note/", {"note": "x"}).status_code == 302
    assert not Progress.objects.exists()


# -- own links -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_adding_and_removing_a_link(alice_client: Client, alice, skill) -> None:
    response = alice_client.post(
        "/progress/skill-1-2/links/",
        as_sent(title="A great post", url="https://example.com/post"),
        **HTMX,
    )
    assert response.status_code == 200
    assert 'href="https://example.com/post"' in response.content.decode()
    link = SkillLink.objects.get(user=alice, skill=skill)
    response = alice_client.post(f"/progress/skill-1-2/links/{link.pk}/delete/", **HTMX)
    assert response.status_code == 200
    assert not SkillLink.objects.exists()


@pytest.mark.django_db
def test_a_bad_link_gets_field_errors_and_saves_nothing(alice_client: Client, skill) -> None:
    response = alice_client.post(
        "/progress/skill-1-2/links/", as_sent(title="", url="not a url"), **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required." in html
    assert "Enter a web address, such as https://example.com/page" in html
    assert not SkillLink.objects.exists()
    page = alice_client.post("/progress/skill-1-2/links/", as_sent(title="x", url="ftp://x"))
    assert (
        page.status_code == 200
        and "Enter a web address, such as https://example.com/page" in page.content.decode()
    )


@pytest.mark.django_db
def test_someone_elses_link_is_404(client: Client, alice, bob, skill) -> None:
    link = SkillLink.objects.create(user=alice, skill=skill, title="t", url="https://e.com")
    client.force_login(bob)
    assert client.post(f"/progress/skill-1-2/links/{link.pk}/delete/").status_code == 404
    assert SkillLink.objects.filter(pk=link.pk).exists()


# -- reset ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reset_asks_first_then_resets_one_track(alice_client: Client, alice, catalog) -> None:
    progress_set_status(user=alice, skill_id=catalog[0].pk, status="done")
    progress_set_status(user=alice, skill_id=catalog[3].pk, status="done")  # track 2
    page = alice_client.get("/dashboard/reset/track-1/")
    assert page.status_code == 200
    assert "1 skill in this track will go back" in page.content.decode()
    assert Progress.objects.filter(user=alice, status="done").count() == 2
    response = alice_client.post("/dashboard/reset/track-1/")
    assert response.status_code == 302
    assert list(
        Progress.objects.filter(user=alice, status="done").values_list("skill__slug", flat=True)
    ) == ["skill-2-1"]


@pytest.mark.django_db
def test_reset_of_an_unknown_track_is_404(alice_client: Client, catalog) -> None:
    assert alice_client.post("/dashboard/reset/nope/").status_code == 404
