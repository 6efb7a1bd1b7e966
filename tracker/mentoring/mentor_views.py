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
from ..http import AuthenticatedHttpRequest, refuse_changed_resend
from ..markdown import render_markdown
from ..portfolio.models import Project
from ..progress import plan, rules
from ..progress.models import Status
from ..templating import Flash, at, render_fragment
from . import services
from .forms import FeedbackForm, MentorNoteForm
from .models import Feedback, MentorNote, Mentorship

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

SHORT_LIST = 10


class _NoteBody(TypedDict):
    note_body: str | None


def get_mentorship(
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
    mentorship = get_mentorship(request.user, username)
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
    skill_threads = [
        (catalog.skills[pk], items) for pk, items in by_skill.items() if pk in catalog.skills
    ]
    # What needs the mentor comes first on the page: replies not read yet (the page marks
    # them read as it shows them) and done skills nobody has verified.
    unread = [
        (project.title, f"project-{project.pk}", n)
        for project in projects
        if (n := _unread(project.thread, request.user))  # type: ignore[attr-defined]
    ] + [
        (skill.title, f"skill-thread-{skill.slug}", n)
        for skill, items in skill_threads
        if (n := _unread(items, request.user))
    ]
    evidence: dict[int, list[str]] = {}
    titles = {project.pk: project.title for project in projects}
    for skill_id, project_id in Project.skills.through.objects.filter(
        project_id__in=list(titles)
    ).values_list("skill_id", "project_id"):
        evidence.setdefault(skill_id, []).append(titles[project_id])
    awaiting = [p for p in done if not p.known_before and p.verified_by_id is None]
    # Long lists are cut to the latest few unless asked for, so the page stays light
    # for a mentee with months of history.
    show_all = request.GET.get("all") == "1"
    cut = None if show_all else SHORT_LIST
    notes = []
    if mentorship.share_notes:
        noted = sorted(
            (p for p in progress.values() if p.note and p.skill_id in catalog.skills),
            key=lambda p: p.updated_at,
            reverse=True,
        )
        notes = [(catalog.skills[p.skill_id], render_markdown(p.note)) for p in noted[:cut]]
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
        "done": [(catalog.skills[p.skill_id], p) for p in done][:cut],
        "done_count": len(done),
        "awaiting": [
            (catalog.skills[p.skill_id], p, sorted(evidence.get(p.skill_id, [])))
            for p in awaiting[:cut]
        ],
        "awaiting_count": len(awaiting),
        "unread": unread,
        "show_all": show_all,
        "recent": rules.recent_activity(events, catalog),
        "calendar": rules.build_calendar(rules.completion_days(events), timezone.localdate(now)),
        "goal": facts.goal,
        "goal_path": catalog.path(facts.goal.path_id) if facts.goal else None,
        "plan": the_plan,
        "streak_rule": plan.STREAK_RULE,
        "pace_rule": plan.PACE_RULE,
        "projects": projects,
        "skill_threads": skill_threads,
        "skill_choices": [catalog.skills[pk] for pk in catalog.order if pk in progress],
        "notes": notes,
        "note_html": render_markdown(mentorship.note_body or ""),
        "note_body": mentorship.note_body or "",
        "flash": None,
        "draft": {},
    }
    if unread:
        services.feedback_mark_read(
            reader=request.user,
            threads=Feedback.objects.filter(learner=learner, mentor=request.user),
        )
    return context


def _unread(items: list[Feedback], reader: User) -> int:
    return sum(1 for item in items if item.read_at is None and item.author_id != reader.pk)


@require_POST
@login_required
def feedback_new(request: AuthenticatedHttpRequest, username: str) -> HttpResponse:
    """Feedback on one of the mentee's shared projects, or on a skill.

    The confirmation (or the refusal) shows in the thread it is about: htmx gets that
    project's card, or the skills' feedback, re-rendered with it; a plain form post is
    sent back to the thread's anchor, where the page shows the message.
    """
    mentorship = get_mentorship(request.user, username)
    learner = mentorship.learner
    project = None
    skill = None
    if "project" in request.POST:
        pk = parse_id(request.POST["project"])
        if pk is None:
            raise Http404("No such project.")
        project = get_object_or_404(
            Project.objects.filter(owner=learner).shared_with_mentors(), pk=pk
        )
        anchor = f"project-{project.pk}"
    elif "skill" not in request.POST:  # the form has one or the other: a broken client
        return render(request, "400.html", {"message": "Which skill or project?"}, status=400)
    else:
        skill = get_catalog().skill_by_slug(request.POST["skill"])
        anchor = f"skill-thread-{skill.slug}" if skill else NEW_SKILL_THREAD
        if skill is None:
            message = "Choose the skill or project your feedback is about."
            return _feedback_answer(request, mentorship, anchor, message, error=True)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        message = " ".join(map(str, form.errors["body"]))
        if (
            skill is not None
            and anchor != NEW_SKILL_THREAD
            and not _has_thread(request.user, learner, skill.id)
        ):
            anchor = NEW_SKILL_THREAD  # the thread does not exist yet: the form it came from
        return _feedback_answer(
            request, mentorship, anchor, message, error=True, draft=request.POST.get("body", "")
        )
    try:
        services.feedback_give(
            mentorship=mentorship,
            author=request.user,
            body=form.cleaned_data["body"],
            project=project,
            skill_id=skill.id if skill else None,
            once=form.one_time_key(),
        )
    except AlreadySubmitted as repeat:  # a double click: one comment
        if not repeat.same:
            return refuse_changed_resend(request)
    return _feedback_answer(
        request, mentorship, anchor, f"Feedback sent to {learner.display_name}."
    )


NEW_SKILL_THREAD = "skill-feedback-new"


def _has_thread(mentor: User, learner: User, skill_id: int) -> bool:
    return Feedback.objects.filter(mentor=mentor, learner=learner, skill_id=skill_id).exists()


def _feedback_answer(
    request: AuthenticatedHttpRequest,
    mentorship: WithAnnotations[Mentorship, _NoteBody],
    anchor: str,
    text: str,
    *,
    error: bool = False,
    draft: str = "",
) -> HttpResponse:
    if not request.htmx:
        level = messages.ERROR if error else messages.SUCCESS
        messages.add_message(request, level, text, extra_tags=at(anchor))
        back = reverse("tracker:mentee", args=[mentorship.learner.username])
        response = HttpResponseRedirect(f"{back}#{anchor}")
        response.status_code = 303
        return response
    context = _mentee_context(request, mentorship)
    context |= {
        "flash": Flash(anchor, text, "error" if error else "success"),
        "draft": {anchor: draft} if draft else {},
    }
    if anchor.startswith("project-"):
        context["project"] = next(p for p in context["projects"] if f"project-{p.pk}" == anchor)
        block = "project_card"
    else:
        block = "skill_feedback"
    return render_fragment(request, "mentoring/mentee.html", [block], context)


@require_POST
@login_required
def mentor_note(request: AuthenticatedHttpRequest, username: str) -> HttpResponse:
    mentorship = get_mentorship(request.user, username)
    back = reverse("tracker:mentee", args=[username]) + "#mentor-notes"
    form = MentorNoteForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, " ".join(map(str, form.errors["body"])), extra_tags=at("mentor-notes")
        )
        return HttpResponseRedirect(back)
    body = form.cleaned_data["body"]
    services.mentor_note_save(mentor=request.user, learner=mentorship.learner, body=body)
    messages.success(request, "Notes saved. Only you can see them.", extra_tags=at("mentor-notes"))
    return HttpResponseRedirect(back)
