"""The main journeys, end to end in Chromium: a learner (with and without JavaScript),
a mentor, and a curator in admin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from catalog.models import Skill
from tests.browser.conftest import ContextFactory, log_in, sign_up
from tests.helpers import PASSWORD, make_catalog, make_user
from tracker.mentoring.services import mentorship_create
from tracker.models import Progress, Project
from tracker.progress.services import progress_set_status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRACK = "mathematics"
SKILL = "linear-algebra"
SKILL_TITLE = "Linear algebra"


def chart_png(folder: Path) -> Path:
    """A small learning-curve chart, as a learner would upload."""
    image = Image.new("RGB", (320, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.line([(10, 20), (80, 120), (200, 160), (310, 170)], fill="#4f46e5", width=4)
    path = folder / "learning-curve.png"
    image.save(path, "PNG")
    return path


def set_marker(page: Page, js: bool) -> None:
    """With JavaScript, a marker on `window` shows later whether the page was reloaded."""
    if js:
        page.evaluate("window.__marker = 1")


def assert_no_reload(page: Page, js: bool) -> None:
    if js:
        assert page.evaluate("window.__marker") == 1, "the page reloaded"


def progress_bar(page: Page, track: str = TRACK):  # type: ignore[no-untyped-def]
    return page.locator(f"#track-progress-{track} [role=progressbar]")


def stat(page: Page, label: str) -> str:
    """A headline number on the dashboard, by the words under it."""
    box = page.locator("#overall-progress .stat").filter(has_text=label)
    return box.locator(".stat-value").inner_text()


def learner_journey(page: Page, folder: Path, *, js: bool) -> None:
    username = "lena" if js else "nils"
    sign_up(page, username)

    # A new learner sets a goal first: a role, hours a week, the time zone.
    expect(page.get_by_role("heading", level=1)).to_have_text("What are you aiming for?")
    page.get_by_role("radio", name=re.compile("^Machine-learning engineer")).check()
    page.get_by_label("Hours a week you can give it").fill("8")
    page.get_by_label("Your time zone").select_option("Europe/Berlin")
    page.get_by_role("button", name="Set my goal").click()
    # Then what they know already (tests/browser/test_onboarding.py); starting from scratch.
    expect(page.get_by_role("heading", level=1)).to_have_text("What do you know already?")
    page.get_by_role("link", name=re.compile("^Skip: I am starting")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Hello, {username}")
    goal = page.locator(".goal-card")
    expect(goal).to_contain_text("Machine-learning engineer, 8 h a week.")

    # Browse the catalog, open a track.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The ML-engineer curriculum")
    page.get_by_role("link", name="Mathematics and statistics").click()
    expect(page).to_have_url(re.compile(rf"/catalog/{TRACK}/$"))
    bar = progress_bar(page)
    expect(bar).to_have_attribute("aria-valuenow", "0")
    assert bar.get_attribute("aria-valuemin") == "0"
    assert bar.get_attribute("aria-valuemax") == "100"

    # Learning, then done, from the status buttons.
    control = page.locator(f"#status-{SKILL}")
    expect(control.locator(".status")).to_have_text("To do")
    set_marker(page, js)
    control.get_by_role("button", name="Learning", exact=True).click()
    expect(control.locator(".status")).to_have_text("Learning")
    expect(control.get_by_role("button", name="Learning", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator(f"#track-progress-{TRACK} .meta")).to_contain_text("1 learning")
    assert_no_reload(page, js)
    row = page.locator(f"#skill-{SKILL}")
    expect(row.locator(f"#row-status-{SKILL}")).to_have_text("Learning")
    control.get_by_role("button", name="Done", exact=True).click()
    expect(control.locator(".status")).to_have_text("Done")
    expect(bar).not_to_have_attribute("aria-valuenow", "0")
    # The row reads as done at a glance: the word, a check mark for its number, the title
    # struck through.
    expect(row.locator(f"#row-status-{SKILL}")).to_have_text("Done")
    expect(row.locator(".skill-title a")).to_have_css("text-decoration-line", "line-through")
    assert "✓" in row.evaluate("el => getComputedStyle(el, '::before').content")
    expect(page.locator(f"#track-progress-{TRACK} .meta")).to_contain_text(
        re.compile(r"1 of \d+ done")
    )
    assert_no_reload(page, js)
    if not js:
        # The plain form post redirected back to the row it came from.
        expect(page).to_have_url(re.compile(rf"/catalog/{TRACK}/#skill-{SKILL}$"))

    # The dashboard counts it.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    assert stat(page, "skills done") == "1"
    assert stat(page, "learning now") == "0"
    expect(page.locator(f"#track-progress-{TRACK} .meta")).to_contain_text(
        re.compile(r"1 of \d+ done")
    )
    activity = page.locator("section[aria-labelledby=activity-heading]")
    expect(activity).to_contain_text(SKILL_TITLE)
    expect(activity.locator(".status").first).to_have_text("Done")

    # A note on the skill page: the editor comes in place (htmx) or on its own page.
    page.goto(f"/skills/{SKILL}/")
    expect(page.locator("#status-heading + form .status")).to_have_text("Done")
    set_marker(page, js)
    page.get_by_role("link", name="Write a note").click()
    editor = page.get_by_role("textbox", name="My notes")
    expect(editor).to_be_visible()
    if js:
        expect(page).to_have_url(re.compile(rf"/skills/{SKILL}/$"))
    else:
        expect(page).to_have_url(re.compile(rf"/progress/{SKILL}/note/$"))
    expect(page.locator("#note-readers")).to_contain_text("Who reads them: only you.")
    note = "**Eigenvectors** keep their direction: $$A v = \\lambda v$$\n\n- redo 2×2 by hand"
    editor.fill(note)
    # A preview first: rendered, TeX drawn as MathML, nothing saved, the text kept.
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#note-preview")
    expect(preview.get_by_role("heading", name=re.compile("^Preview"))).to_be_visible()
    expect(preview.locator("strong")).to_have_text("Eigenvectors")
    expect(preview.locator("math[display=block] mi").last).to_have_text("v")
    expect(editor).to_have_value(note)
    assert not Progress.objects.filter(user__username=username).exclude(note="").exists()
    page.get_by_role("button", name="Save notes").click()
    notes = page.locator("#notes")
    expect(notes.locator("strong")).to_have_text("Eigenvectors")
    expect(notes.locator("math")).to_be_visible()
    expect(notes.get_by_role("listitem")).to_have_text("redo 2×2 by hand")
    expect(notes.get_by_role("link", name="Edit notes")).to_be_visible()
    assert_no_reload(page, js)

    # A public project with an evaluation table and an image.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    expect(page.get_by_text("No projects yet.")).to_be_visible()
    page.get_by_role("link", name="Record your first project").click()
    page.get_by_label("Title").fill("Iris classifier")
    page.get_by_label("Summary").fill("Logistic regression on the iris data, against a baseline.")
    rows = page.locator("#metrics-rows tr")
    expect(rows).to_have_count(3)
    if js:
        set_marker(page, js)
        page.get_by_role("button", name="Add a row").click()
        expect(rows).to_have_count(4)
        assert_no_reload(page, js)
        filled = [rows.nth(0), rows.nth(3)]  # the last one came from the server
    else:
        filled = [rows.nth(0), rows.nth(1)]  # the spare rows the page brings
    for row, (metric, split, value, baseline) in zip(
        filled,
        [("accuracy", "Test", "0.96", "0.33"), ("F1 (macro)", "Validation", "0.95", "0.31")],
        strict=True,
    ):
        row.get_by_label("Metric").fill(metric)
        row.get_by_label("Split").select_option(label=split)
        row.get_by_label("Value").fill(value)
        row.get_by_label("Baseline").fill(baseline)
    page.get_by_label(re.compile(r"^New image")).set_input_files(chart_png(folder))
    page.get_by_label("Caption of the new image").fill("Learning curve: accuracy by epoch")
    page.get_by_role("radio", name=re.compile("^Public")).check()
    page.get_by_role("button", name="Save project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Iris classifier")
    table = page.locator("table.eval-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").first).to_contain_text("accuracy")
    expect(table.locator("tbody tr").nth(1)).to_contain_text("F1 (macro)")
    expect(page.locator(".gallery img")).to_have_count(1)
    expect(page.locator(".gallery img")).to_have_attribute(
        "alt", "Learning curve: accuracy by epoch"
    )

    # A private one.
    page.goto("/projects/new/")
    page.get_by_label("Title").fill("Scratch notebook")
    page.get_by_label("Summary").fill("Trying things; not for anyone else.")
    page.get_by_role("radio", name=re.compile("^Private")).check()
    page.get_by_role("button", name="Save project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scratch notebook")

    # The public page shows the public one, with its table and image, not the private one.
    page.locator(".account-menu > summary").click()
    page.get_by_role("link", name="My public page").click()
    expect(page).to_have_url(re.compile(rf"/u/{username}/$"))
    projects = page.locator("section[aria-labelledby=projects-heading]")
    expect(projects.get_by_role("link", name="Iris classifier", exact=True)).to_be_visible()
    expect(projects.locator("table.eval-table tbody tr")).to_have_count(2)
    image = projects.locator(".gallery img")
    expect(image).to_have_count(1)
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    expect(page.get_by_text("Scratch notebook")).to_have_count(0)


def test_a_learner_signs_up_tracks_skills_and_publishes_a_portfolio(
    curriculum: None, open_context: ContextFactory, tmp_path: Path
) -> None:
    page = open_context().new_page()
    learner_journey(page, tmp_path, js=True)


def test_the_learner_journey_works_without_javascript(
    curriculum: None, open_context: ContextFactory, tmp_path: Path
) -> None:
    page = open_context(java_script_enabled=False).new_page()
    learner_journey(page, tmp_path, js=False)


def test_a_mentor_is_invited_gives_feedback_verifies_and_loses_access(
    curriculum: None, open_context: ContextFactory
) -> None:
    learner = make_user("maya", first_name="Maya", last_name="Ito")
    make_user("otto", first_name="Otto", last_name="Berg")
    Project.objects.create(
        owner=learner,
        title="Spam filter",
        summary="Naive Bayes on an SMS corpus.",
        visibility=Project.Visibility.MENTORS,
    )
    maya = open_context().new_page()
    log_in(maya, "maya", PASSWORD)
    maya.goto(f"/skills/{SKILL}/")
    maya.locator(f"#status-{SKILL}").get_by_role("button", name="Done", exact=True).click()
    expect(maya.locator(f"#status-{SKILL} .status")).to_have_text("Done")

    # The learner makes an invite link and reads it off the page.
    maya.goto("/mentors/")
    expect(maya.get_by_text("Nobody mentors you yet.")).to_be_visible()
    maya.get_by_role("button", name="Create an invite link").click()
    link = maya.get_by_role("textbox", name=re.compile("^Invite link")).input_value()
    assert re.search(r"/mentors/accept/[^/]+/$", link), link
    # The copy button is the script's (static/js/copy.js): without it, the field is there.
    maya.context.grant_permissions(["clipboard-read", "clipboard-write"])
    maya.get_by_role("button", name="Copy the invite link").click()
    expect(maya.locator(".invite-row [role=status]")).to_have_text("Copied to the clipboard.")
    assert maya.evaluate("navigator.clipboard.readText()") == link

    # The mentor, in a browser of their own, opens it and accepts.
    otto = open_context().new_page()
    log_in(otto, "otto", PASSWORD)
    nav = otto.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Mentor")).to_have_count(0)  # not a mentor yet
    otto.goto(link)
    expect(otto.get_by_role("heading", level=1)).to_have_text(
        "Maya Ito invites you to be their mentor"
    )
    otto.get_by_role("button", name="Accept").click()
    expect(otto).to_have_url(re.compile(r"/mentor/maya/$"))
    nav.get_by_role("link", name="Mentor").click()
    expect(otto).to_have_url(re.compile(r"/mentor/$"))
    mentees = otto.locator("table.mentee-table tbody")
    expect(mentees.get_by_role("link", name=re.compile("Maya Ito"))).to_be_visible()
    mentees.get_by_role("link", name=re.compile("Maya Ito")).click()
    expect(otto).to_have_url(re.compile(r"/mentor/maya/$"))

    # Feedback on the shared project, confirmed in its card, in view (htmx).
    otto.get_by_label("Feedback on Spam filter").fill("Report **precision** at a fixed recall.")
    otto.get_by_role("button", name="Send feedback").first.click()
    card = otto.locator("article", has_text="Spam filter")
    expect(card.locator(".thread")).to_contain_text("Report precision at a fixed recall.")
    expect(card.get_by_role("status")).to_have_text("Feedback sent to Maya Ito.")
    expect(card.get_by_role("status")).to_be_in_viewport()

    # The done skill awaits verification first on the page; its evidence is in sight.
    row = otto.locator(f"#verify-{SKILL}")
    expect(row).to_contain_text("No project shows it")
    row.get_by_role("link", name=f"Review and verify {SKILL_TITLE}").click()
    panel = otto.locator(f"#verification-{SKILL}")
    expect(panel).to_contain_text("No evidence:")
    panel.get_by_label(re.compile("^Comment")).fill("We went through it on a call.")
    panel.get_by_role("button", name=f"Verify {SKILL_TITLE}").click()
    expect(panel.get_by_role("status")).to_contain_text(f"Verified {SKILL_TITLE}.")
    expect(panel.get_by_role("status")).to_be_in_viewport()
    expect(panel).to_contain_text("Verified by Otto Berg")
    expect(otto).to_have_url(re.compile(r"/mentor/maya/$"))  # answered in place

    # The learner sees both.
    maya.goto("/dashboard/")
    expect(maya.locator("#feedback-heading")).to_contain_text("1 unread")
    expect(maya.locator("section[aria-labelledby=feedback-heading]")).to_contain_text("Spam filter")
    maya.goto(f"/skills/{SKILL}/")
    expect(maya.locator(".my-status .verified")).to_contain_text("Verified by Otto Berg")
    expect(maya.locator(".my-status")).to_contain_text("We went through it on a call.")

    # The mentor withdraws it on the review page; the history keeps both.
    otto.goto(f"/mentor/maya/skills/{SKILL}/")
    otto.get_by_role("button", name=f"Withdraw my verification of {SKILL_TITLE}").click()
    expect(otto.locator(f"#verification-{SKILL} [role=status]")).to_contain_text("withdrawn")
    maya.goto(f"/skills/{SKILL}/")
    expect(maya.locator(".my-status .verified")).to_have_count(0)
    maya.locator(".history-details summary").click()
    expect(maya.locator(".history")).to_contain_text("Verification withdrawn")

    # The learner ends it; the mentor's page is gone at once.
    maya.goto("/mentors/")
    row = maya.locator(".mentor-row").filter(has_text="Otto Berg")
    row.get_by_role("button", name="Revoke").click()
    expect(maya.get_by_role("status")).to_contain_text("Otto Berg no longer mentors you.")
    expect(maya.locator("section[aria-labelledby=past-heading]")).to_contain_text("Otto Berg")
    response = otto.goto("/mentor/maya/")
    assert response is not None
    assert response.status == 404


def pick_prerequisite(page: Page, row: int, search: str, choice: str) -> None:
    """Fill an inline row's autocomplete (select2) as a curator does: open, type, choose."""
    widget = page.locator(f"#prerequisite_links-{row} .select2-selection")
    widget.click()
    page.locator(".select2-container--open .select2-search__field").fill(search)
    page.locator(".select2-results__option", has_text=choice).click()
    expect(widget).to_contain_text(choice)


def test_a_curator_adds_a_skill_in_admin_and_is_refused_a_cycle(
    transactional_db: None, open_context: ContextFactory
) -> None:
    first, _, last = make_catalog(tracks=1, skills_per_track=3)  # 1.3 needs 1.2 needs 1.1
    make_user("curator", is_staff=True, is_superuser=True)
    page = open_context().new_page()

    # /admin/ sends its login through allauth.
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=(/|%2F)admin(/|%2F)$"))
    page.get_by_label("Login").fill("curator")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    # A new skill that needs the last one of the track.
    page.get_by_role("link", name="Skills").first.click()
    page.get_by_role("link", name=re.compile("Add skill")).click()
    page.get_by_label("Track").select_option(label="Track 1")
    page.get_by_label("Title").fill("Bayesian inference")
    page.get_by_label("Title").press("Tab")  # admin fills the slug on change
    expect(page.get_by_label("Slug")).to_have_value("bayesian-inference")  # prepopulated
    page.get_by_label("Summary").fill("Priors, likelihoods and posteriors.")
    page.get_by_label("Hours").fill("6")
    pick_prerequisite(page, 0, "1.3", last.title)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    new = Skill.objects.get(slug="bayesian-inference")
    assert list(new.prerequisites.all()) == [last]

    # Making the first skill need it would close a loop: refused, and the loop named.
    page.goto(f"/admin/catalog/skill/{first.pk}/change/")
    pick_prerequisite(page, 0, "Bayes", "Bayesian inference")
    page.get_by_role("button", name="Save", exact=True).click()
    error = page.locator(".errornote, .errorlist").filter(has_text="would make a cycle")
    expect(error).to_contain_text(
        f"{first.title} → Bayesian inference → {last.title} → Skill 1.2 → {first.title}"
    )
    assert not first.prerequisites.exists()

    # The catalog shows the new skill (admin's save bumped the cached catalog).
    page.goto("/skills/bayesian-inference/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bayesian inference")
    learn_first = page.locator("section[aria-labelledby=prereq-heading]")
    expect(learn_first.get_by_role("link", name=last.title)).to_be_visible()


def test_a_link_pasted_without_https_is_accepted_not_refused_by_a_tooltip(
    open_context: ContextFactory,
) -> None:
    make_catalog(tracks=1, skills_per_track=2)
    make_user("lena")
    page = open_context().new_page()
    log_in(page, "lena", PASSWORD)
    page.goto("/skills/skill-1-1/")
    links = page.locator("#my-links")
    links.get_by_label("Title").fill("A good post")
    links.get_by_label("URL").fill("example.com/post")
    links.get_by_role("button", name="Add link").click()
    expect(links.get_by_role("link", name="A good post")).to_have_attribute(
        "href", "https://example.com/post"
    )
    # What is not a web address gets a message on the page, beside the field.
    links.get_by_label("Title").fill("Bad")
    links.get_by_label("URL").fill("javascript:alert(1)")
    links.get_by_role("button", name="Add link").click()
    expect(links.locator("#link-url-error")).to_have_text(re.compile("^Enter a web address"))
    expect(links.get_by_label("URL")).to_have_attribute("aria-invalid", "true")


def test_a_visitor_signs_up_from_a_skill_and_lands_back_on_it(
    open_context: ContextFactory,
) -> None:
    make_catalog(tracks=1, skills_per_track=2)
    page = open_context().new_page()
    page.goto("/skills/skill-1-2/")
    invitation = page.locator(".invitation")
    expect(invitation.get_by_role("heading")).to_have_text("Track this skill as you learn it")
    invitation.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("vera")
    page.get_by_label("Email").fill("vera@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label(re.compile(r"Password \(again\)")).fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/skills/skill-1-2/$"))
    expect(page.get_by_role("heading", name="Your status")).to_be_visible()


def test_on_a_phone_the_mentor_sees_each_mentees_status_and_last_activity(
    curriculum: None, open_context: ContextFactory
) -> None:
    mentor = make_user("nina", first_name="Nina", last_name="Ross")
    for name in ("ivy", "leo"):
        learner = make_user(name, first_name=name.title(), last_name="Long-Surname-Here")
        mentorship_create(learner=learner, mentor=mentor)
        skill = Skill.objects.get(slug=SKILL)
        progress_set_status(user=learner, skill_id=skill.pk, status="learning")
    page = open_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(page, "nina", PASSWORD)
    page.goto("/mentor/")
    for row in page.locator("table.mentee-table tbody tr").all():
        row.scroll_into_view_if_needed()
        for cell in (".col-status", ".col-last", ".col-unread", ".col-completion"):
            expect(row.locator(cell)).to_be_in_viewport()
        expect(row.locator(".col-status")).to_have_text("Active")
        label = "el => getComputedStyle(el, '::before').content"
        assert "Last activity" in row.locator(".col-last").evaluate(label)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_without_javascript_confirmations_show_where_the_mentor_acted(
    curriculum: None, open_context: ContextFactory
) -> None:
    """A plain form post is answered with a redirect to the thread or panel it came from,
    and the page draws the message there, in view, not at its top."""
    learner = make_user("maya", first_name="Maya", last_name="Ito")
    mentor = make_user("otto", first_name="Otto", last_name="Berg")
    mentorship_create(learner=learner, mentor=mentor)
    for i in range(4):  # enough above the last card to push it far down the page
        project = Project.objects.create(
            owner=learner, title=f"Project {i}", summary="s", visibility="mentors"
        )
    progress_set_status(user=learner, skill_id=Skill.objects.get(slug=SKILL).pk, status="done")
    page = open_context(java_script_enabled=False).new_page()
    log_in(page, "otto", PASSWORD)
    page.goto("/mentor/maya/")
    card = page.locator(f"#project-{project.pk}")
    card.get_by_label(f"Feedback on {project.title}").fill("Plot the residuals.")
    card.get_by_role("button", name="Send feedback").click()
    expect(page).to_have_url(re.compile(rf"/mentor/maya/#project-{project.pk}$"))
    expect(card.get_by_role("status")).to_have_text("Feedback sent to Maya Ito.")
    expect(card.get_by_role("status")).to_be_in_viewport()

    page.goto(f"/mentor/maya/skills/{SKILL}/")
    page.get_by_role("button", name=f"Verify {SKILL_TITLE}").click()
    status = page.locator(f"#verification-{SKILL}-actions [role=status]")
    expect(status).to_contain_text(f"Verified {SKILL_TITLE}.")
    expect(status).to_be_in_viewport()
