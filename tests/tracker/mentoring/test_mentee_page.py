"""The mentee page: what needs the mentor first, in-page navigation, and feedback
confirmed in the thread it was sent to."""

import re

import pytest
from django.test import Client

from tests.helpers import as_sent
from tracker.mentoring.services import feedback_give, invite_accept, invite_create
from tracker.models import Feedback, Project
from tracker.progress.services import goal_set, progress_set_status

HTMX = {"HTTP_HX_REQUEST": "true"}


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def mentorship(alice, grace, catalog):
    return invite_accept(invite=invite_create(learner=alice), mentor=grace)


@pytest.fixture
def project(alice, mentorship):
    return Project.objects.create(owner=alice, title="MNIST", summary="s", visibility="mentors")


@pytest.mark.django_db
def test_every_link_of_the_table_of_contents_leads_to_a_section(alice, grace, mentorship):
    html = login(grace).get("/mentor/alice/").content.decode()
    toc = html[html.index('<nav class="page-toc"') : html.index("</nav>", html.index("page-toc"))]
    targets = re.findall(r'href="#([^"]+)"', toc)
    assert {"attention", "progress-heading", "feedback", "activity", "mentor-notes"} <= set(targets)
    for target in targets:
        assert f'id="{target}"' in html, target


@pytest.mark.django_db
def test_what_needs_the_mentor_comes_first(alice, grace, mentorship, project, catalog) -> None:
    skill = catalog[0]
    progress_set_status(user=alice, skill_id=skill.pk, status="done")
    goal_set(user=alice, path_id=None, hours_per_week=5, target_date=None, time_zone="")
    first = feedback_give(mentorship=mentorship, author=grace, body="Why?", project=project)
    feedback_give(mentorship=mentorship, author=alice, body="Because.", project=project)
    html = login(grace).get("/mentor/alice/").content.decode()
    attention = html.index('id="attention"')
    assert attention < html.index('id="progress-heading"') < html.index('id="projects-heading"')
    needs = html[attention : html.index('id="progress-heading"')]
    assert f'<a href="#project-{project.pk}">MNIST</a>' in needs and "1 new" in needs
    assert f'id="verify-{skill.slug}"' in needs
    assert "No project shows it" in needs
    assert first.pk  # the thread is there to jump to
    assert f'id="project-{project.pk}"' in html
    # Shown once: the next visit has no unread reply.
    again = login(grace).get("/mentor/alice/").content.decode()
    assert "1 new" not in again


@pytest.mark.django_db
def test_the_plan_stays_on_the_page(alice, grace, mentorship, catalog) -> None:
    from catalog.models import LearningPath, PathStep

    path = LearningPath.objects.create(slug="p", title="Path", summary="S.", suits="All.")
    PathStep.objects.create(path=path, skill=catalog[0], stage="One", order=1)
    goal_set(user=alice, path_id=path.pk, hours_per_week=5, target_date=None, time_zone="")
    html = login(grace).get("/mentor/alice/").content.decode()
    assert '<section id="plan"' in html
    assert 'href="#plan"' in html


@pytest.mark.django_db
def test_feedback_without_javascript_is_confirmed_in_its_thread(
    alice, grace, mentorship, project
) -> None:
    mentor = login(grace)
    response = mentor.post("/mentor/alice/feedback/", as_sent(project=project.pk, body="Nice."))
    assert response.status_code == 303
    assert response["Location"] == f"/mentor/alice/#project-{project.pk}"
    html = mentor.get(response["Location"]).content.decode()
    card = html[html.index(f'<article id="project-{project.pk}"') :]
    card = card[: card.index("</article>")]
    assert "Feedback sent to alice." in card
    assert '<ul class="messages"' not in html  # not drawn far above, at the top


@pytest.mark.django_db
def test_feedback_over_htmx_answers_its_card_with_the_confirmation(
    alice, grace, mentorship, project
) -> None:
    response = login(grace).post(
        "/mentor/alice/feedback/", as_sent(project=project.pk, body="Nice."), **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<article id="project-{project.pk}"')
    assert "<html" not in html
    assert "Nice." in html and "Feedback sent to alice." in html
    assert 'name="submission"' in html  # a fresh form for the next comment


@pytest.mark.django_db
def test_empty_feedback_over_htmx_keeps_nothing_and_says_why_in_place(
    alice, grace, mentorship, catalog
) -> None:
    response = login(grace).post(
        "/mentor/alice/feedback/", as_sent(skill=catalog[0].slug, body=""), **HTMX
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="skill-feedback"')
    assert "Write something first." in html
    assert not Feedback.objects.exists()


@pytest.mark.django_db
def test_a_new_skill_thread_is_confirmed_in_that_thread(alice, grace, mentorship, catalog):
    mentor = login(grace)
    response = mentor.post("/mentor/alice/feedback/", as_sent(skill=catalog[0].slug, body="Go"))
    assert response["Location"] == f"/mentor/alice/#skill-thread-{catalog[0].slug}"
    html = mentor.get(response["Location"]).content.decode()
    thread = html[html.index(f'id="skill-thread-{catalog[0].slug}"') :]
    assert thread.index("Feedback sent to alice.") < thread.index("</article>")


@pytest.mark.django_db
def test_a_learners_reply_is_confirmed_in_its_thread(alice, grace, mentorship, project) -> None:
    first = feedback_give(mentorship=mentorship, author=grace, body="Why?", project=project)
    learner = login(alice)
    page = learner.get(f"/projects/{project.pk}/").content.decode()
    assert f'name="next" value="/projects/{project.pk}/#thread-{first.pk}"' in page
    response = learner.post(
        f"/feedback/{first.pk}/reply/",
        as_sent(body="Because.", next=f"/projects/{project.pk}/#thread-{first.pk}"),
    )
    assert response["Location"] == f"/projects/{project.pk}/#thread-{first.pk}"
    html = learner.get(response["Location"]).content.decode()
    thread = html[html.index(f'id="thread-{first.pk}"') :]
    assert "Reply sent." in thread[: thread.index('class="reply-form"')]
    assert '<ul class="messages"' not in html
