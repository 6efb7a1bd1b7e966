"""The mentor's view of one mentee, and what a mentor can do there: feedback,
verification, private notes. Every lookup goes through the active mentorship, so a
revoked mentor gets 404 from the next request on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST, require_safe

from catalog.snapshot import get_catalog

from ..account.models import User
from ..account.submissions import AlreadySubmitted
from ..formtools import parse_id
from ..http import AuthenticatedHttpRequest, published_skill, redirect_back, refuse_changed_resend
from ..markdown import render_markdown
from ..portfolio.models import Project
from ..progress import plan, rules
from ..progress.models import Progress, Status
from . import services
from .forms import FeedbackForm, MentorNoteForm
from .models import Feedback, MentorNote, Mentorship

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

SHORT_LIST = 10


class _NoteBody(TypedDict):
    note_body: str | None


def _get_mentorship(
    mentor: User | AnonymousUser, username: str
) -> WithAnnotations[Mentorship, _NoteBody]:
    """The active mentorship of `mentor` over `username`, or 404 (never 403), with the
    learner and the mentor's private note on them (`note_body`): one query.

    Every mentor page and action starts here, so a revoked mentor gets 404 from the
    next request on.
    """
    if not mentor.is_authenticated:
        raise Http404
    note = MentorNote.objects.filter(mentor=OuterRef("mentor"), learner=OuterRef("learner"))
    found = (
        Mentorship.objects.active()
        .filter(mentor=mentor, learner__username=username)
        .select_related("learner")
        .annotate(
            note_body=Subquery(note.values("body")[:1]),
        )
        .first()
    )
    if found is None:
        raise Http404("No such mentee.")
    found.mentor = mentor
    # The annotation above, which mypy does not follow through the custom queryset.
    return cast("WithAnnotations[Mentorship, _NoteBody]", found)


@require_safe
@login_required
def mentee_view(request: AuthenticatedHttpRequest, username: str) -> HttpResponse:
    """The mentee's dashboard, read-only, with the mentor's tools beside it."""
    mentorship = _get_mentorship(request.user, username)
    response = render(request, "mentoring/mentee.html", _mentee_context(request, mentorship))
    add_never_cache_headers(response)  # its feedback forms carry one-time keys
    return response


def _mentee_context(
    request: AuthenticatedHttpRequest, mentorship: WithAnnotations[Mentorship, _NoteBody]
) -> dict[str, Any]:
    learner = mentorship.learner
    catalog = get_catalog()
    # Notes can be long, and this mentor may not read them. Unpublished skills are left
    # out here, not in SQL: an IN list of every published id costs more than it saves.
    rows = rules.progress_rows(learner, notes=mentorship.share_notes)
    progress = {pk: row for pk, row in rows.items() if pk in catalog.skills}
    states = rules.statuses_of(progress)
    events = plan.status_events(learner)
    known = {pk for pk, row in progress.items() if row.known_before}
    facts = plan.facts_from(states, known, events, plan.goal_rows(learner))
    now = timezone.now()
    the_plan = plan.build_plan(facts, catalog, now=now)
    done = sorted(
        (p for p in progress.values() if p.status == Status.DONE),
        key=lambda p: p.completed_at or p.updated_at,
        reverse=True,
    )
    projects = list(
        Project.objects.filter(owner=learner)
        .shared_with_mentors()
        .prefetch_related("metrics")
        .order_by("-updated_at")
    )
    threads = list(
        Feedback.objects.filter(learner=learner, mentor=request.user).order_by("created_at", "id")
    )
    for item in threads:  # every author is one of the two: no join needed
        item.author = learner if item.author_id == learner.pk else request.user
    by_project: dict[int, list[Feedback]] = {}
    by_skill: dict[int, list[Feedback]] = {}
    for item in threads:
        if item.project_id:
            by_project.setdefault(item.project_id, []).append(item)
        elif item.skill_id:  # always, by feedback_on_a_project_or_a_skill
            by_skill.setdefault(item.skill_id, []).append(item)
    for project in projects:
        project.thread = by_project.get(project.pk, [])  # type: ignore[attr-defined]
    # Long lists are cut to the latest few unless asked for, so the page stays light
    # for a mentee with months of history.
    show_all = request.GET.get("all") == "1"
    notes = []
    if mentorship.share_notes:
        noted = sorted(
            (p for p in progress.values() if p.note and p.skill_id in catalog.skills),
            key=lambda p: p.updated_at,
            reverse=True,
        )
        notes = [
            (catalog.skills[p.skill_id], render_markdown(p.note))
            for p in (noted if show_all else noted[:SHORT_LIST])
        ]
    context = {
        "nav": "mentor",
        "mentorship": mentorship,
        "learner": learner,
        "overview": rules.overview(states, catalog),
        "next_up": rules.next_up(catalog, states),
        "learning": [
            catalog.skills[pk]
            for pk in catalog.order
            if rules.status_of(states, pk) == Status.LEARNING
        ],
        "done": [(catalog.skills[p.skill_id], p) for p in done][: None if show_all else SHORT_LIST],
        "done_count": len(done),
        "show_all": show_all,
        "recent": rules.recent_activity(events, catalog),
        "calendar": rules.build_calendar(rules.completion_days(events), timezone.localdate(now)),
        "goal": facts.goal,
        "goal_path": catalog.path(facts.goal.path_id) if facts.goal else None,
        "plan": the_plan,
        "streak_rule": plan.STREAK_RULE,
        "pace_rule": plan.PACE_RULE,
        "projects": projects,
        "skill_threads": [
            (catalog.skills[pk], items) for pk, items in by_skill.items() if pk in catalog.skills
        ],
        "skill_choices": [catalog.skills[pk] for pk in catalog.order if pk in progress],
        "notes": notes,
        "note_html": render_markdown(mentorship.note_body or ""),
        "note_body": mentorship.note_body or "",
    }
    if any(t.read_at is None and t.author_id != request.user.pk for t in threads):
        services.feedback_mark_read(
            reader=request.user,
            threads=Feedback.objects.filter(learner=learner, mentor=request.user),
        )
    return context


@require_POST
@login_required
def feedback_new(request: AuthenticatedHttpRequest, username: str) -> HttpResponse:
    """Feedback on one of the mentee's shared projects, or on a skill."""
    mentorship = _get_mentorship(request.user, username)
    learner = mentorship.learner
    back = reverse("tracker:mentee", args=[username])
    project = None
    skill_id = None
    if "project" in request.POST:
        pk = parse_id(request.POST["project"])
        if pk is None:
            raise Http404("No such project.")
        project = get_object_or_404(
            Project.objects.filter(owner=learner).shared_with_mentors(), pk=pk
        )
    elif "skill" not in request.POST:  # the form has one or the other: a broken client
        return render(request, "400.html", {"message": "Which skill or project?"}, status=400)
    else:
        skill = get_catalog().skill_by_slug(request.POST["skill"])
        if skill is None:
            messages.error(request, "Choose the skill or project your feedback is about.")
            return redirect_back(request, back + "#feedback")
        skill_id = skill.id
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(map(str, form.errors["body"])))
        return redirect_back(request, back + "#feedback")
    try:
        services.feedback_give(
            mentorship=mentorship,
            author=request.user,
            body=form.cleaned_data["body"],
            project=project,
            skill_id=skill_id,
            once=form.one_time_key(),
        )
    except AlreadySubmitted as repeat:  # a double click: one comment
        if not repeat.same:
            return refuse_changed_resend(request)
    else:
        messages.success(request, f"Feedback sent to {learner.display_name}.")
    return redirect_back(request, back + "#feedback")


@require_POST
@login_required
def verify(request: AuthenticatedHttpRequest, username: str, slug: str) -> HttpResponse:
    """Confirm a skill the mentee marked done, against the evidence they attached."""
    mentorship = _get_mentorship(request.user, username)
    skill = published_skill(slug)
    try:
        services.progress_verify(mentor=request.user, learner=mentorship.learner, skill_id=skill.id)
    except Progress.DoesNotExist:
        messages.error(request, f"{skill.title} is not marked done, so it cannot be verified.")
        return HttpResponseRedirect(reverse("tracker:mentee", args=[username]) + "#done")
    messages.success(request, f"Verified {skill.title}.")
    return redirect_back(request, reverse("tracker:mentee", args=[username]) + "#done")


@require_POST
@login_required
def mentor_note(request: AuthenticatedHttpRequest, username: str) -> HttpResponse:
    mentorship = _get_mentorship(request.user, username)
    back = reverse("tracker:mentee", args=[username]) + "#mentor-notes"
    form = MentorNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(map(str, form.errors["body"])))
        return HttpResponseRedirect(back)
    body = form.cleaned_data["body"]
    services.mentor_note_save(mentor=request.user, learner=mentorship.learner, body=body)
    messages.success(request, "Notes saved. Only you can see them.")
    return HttpResponseRedirect(back)
