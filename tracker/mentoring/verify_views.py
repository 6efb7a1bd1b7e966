"""A mentor verifying one skill of a mentee: the evidence in sight (the projects the
learner linked to the skill that this mentor may read, their note and own links if they
share them), the skill's history, an optional comment, and a way back for the mentor who
verified. The panel is one block of the review page, so the mentee page loads it into a
row with htmx and the answers to Verify and Withdraw replace it where it stands."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST, require_safe

from catalog.snapshot import SkillNode, get_catalog

from ..http import AuthenticatedHttpRequest, published_skill
from ..markdown import render_markdown
from ..portfolio.models import Project
from ..progress import rules
from ..progress.models import Progress, SkillLink, Status
from ..templating import Flash, at, render_fragment
from . import services
from .forms import VerificationForm
from .mentor_views import get_mentorship
from .models import Mentorship

TEMPLATE = "mentoring/mentee_skill.html"


def anchor(skill: SkillNode) -> str:
    return f"verification-{skill.slug}"


def review_context(
    request: AuthenticatedHttpRequest,
    mentorship: Mentorship,
    skill: SkillNode,
    form: VerificationForm | None = None,
) -> dict[str, Any]:
    """What the panel shows: four queries (five when the learner shares notes)."""
    learner = mentorship.learner
    progress = (
        Progress.objects.filter(user=learner, skill_id=skill.id)
        .select_related("verified_by")
        .first()
    )
    evidence = list(
        Project.objects.filter(owner=learner, skills=skill.id)
        .shared_with_mentors()
        .order_by("-updated_at", "-id")
        .only("pk", "title", "summary", "kind", "visibility")
    )
    history = rules.skill_history(learner, skill.id)
    share = mentorship.share_notes
    mine = progress is not None and progress.verified_by_id == request.user.pk
    return {
        "nav": "mentor",
        "learner": learner,
        "mentorship": mentorship,
        "skill": skill,
        "track": get_catalog().track(skill.track_id),
        "progress": progress,
        "done": progress is not None and progress.status == Status.DONE,
        "mine": mine,
        "evidence": evidence,
        "note_html": render_markdown(progress.note) if share and progress and progress.note else "",
        "links": list(SkillLink.objects.filter(user=learner, skill_id=skill.id)) if share else [],
        "history": history,
        "form": form
        or VerificationForm(
            initial={"comment": progress.verification_comment if mine and progress else ""}
        ),
        "anchor": anchor(skill),
        "flash": None,
    }


@require_safe
@login_required
def mentee_skill(request: AuthenticatedHttpRequest, username: str, slug: str) -> HttpResponse:
    """The review page; for htmx, its panel alone (the mentee page opens it in a row)."""
    mentorship = get_mentorship(request.user, username)
    skill = published_skill(slug)
    context = review_context(request, mentorship, skill)
    if request.htmx:
        response = render_fragment(request, TEMPLATE, ["verification"], context)
    else:
        response = render(request, TEMPLATE, context)
    add_never_cache_headers(response)  # the state of a verification changes under it
    return response


@require_POST
@login_required
def verify(request: AuthenticatedHttpRequest, username: str, slug: str) -> HttpResponse:
    """Verify a skill the mentee marked done, with an optional comment."""
    mentorship = get_mentorship(request.user, username)
    skill = published_skill(slug)
    form = VerificationForm(request.POST)
    if not form.is_valid():
        context = review_context(request, mentorship, skill, form)
        if request.htmx:
            return render_fragment(request, TEMPLATE, ["verification"], context)
        return render(request, TEMPLATE, context)
    try:
        services.progress_verify(
            mentor=request.user,
            learner=mentorship.learner,
            skill_id=skill.id,
            comment=form.cleaned_data["comment"],
        )
    except services.VerificationError as e:
        return _answer(request, mentorship, skill, f"{skill.title}: {e}", messages.ERROR)
    who = mentorship.learner.first_name or mentorship.learner.username
    return _answer(
        request,
        mentorship,
        skill,
        f"Verified {skill.title}. {who} sees it on the skill, with your comment if you left one.",
        messages.SUCCESS,
    )


@require_POST
@login_required
def unverify(request: AuthenticatedHttpRequest, username: str, slug: str) -> HttpResponse:
    """Withdraw the verification this mentor gave."""
    mentorship = get_mentorship(request.user, username)
    skill = published_skill(slug)
    try:
        services.progress_unverify(
            mentor=request.user, learner=mentorship.learner, skill_id=skill.id
        )
    except services.VerificationError as e:
        return _answer(request, mentorship, skill, f"{skill.title}: {e}", messages.ERROR)
    return _answer(
        request,
        mentorship,
        skill,
        f"Verification of {skill.title} withdrawn; its history keeps the withdrawal.",
        messages.SUCCESS,
    )


def _answer(
    request: AuthenticatedHttpRequest,
    mentorship: Mentorship,
    skill: SkillNode,
    text: str,
    level: int,
) -> HttpResponse:
    """The panel with the confirmation in it (htmx), or a redirect to the panel on the
    review page, which shows the message there."""
    tag = "success" if level == messages.SUCCESS else "error"
    if request.htmx:
        context = review_context(request, mentorship, skill)
        context["flash"] = Flash(anchor(skill), text, tag)
        return render_fragment(request, TEMPLATE, ["verification"], context)
    messages.add_message(request, level, text, extra_tags=at(anchor(skill)))
    url = reverse("tracker:mentee-skill", args=[mentorship.learner.username, skill.slug])
    response = HttpResponseRedirect(f"{url}#{anchor(skill)}-actions")
    response.status_code = 303
    return response
