"""The learner's progress: the dashboard, the status toggle, notes, own links, resources
marked as used, and resetting a track."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import reswap, retarget

from catalog.snapshot import PathNode, get_catalog

from ..account.models import User
from ..account.submissions import AlreadySubmitted
from ..http import AuthenticatedHttpRequest, published_skill, redirect_back, refuse_changed_resend
from ..markdown import render_markdown
from ..mentoring.models import Feedback
from ..mentoring.rules import note_readers
from ..portfolio.rules import evidenced_skill_ids
from ..templating import render_fragment
from . import plan, rules, services
from .browse import resources_context
from .forms import GoalForm, NoteForm, SkillLinkForm
from .models import Progress, SkillLink, Status


@require_safe
@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where the learner stands: a fixed number of queries whatever their history."""
    return render(request, "progress/dashboard.html", _dashboard_context(request.user))


def _dashboard_context(user: User) -> dict[str, Any]:
    catalog = get_catalog()
    statuses, known = plan.progress_states(user)
    events = plan.status_events(user)
    facts = plan.facts_from(statuses, known, events, plan.goal_rows(user))
    now = timezone.now()
    today = timezone.localdate(now)
    learning = [catalog.skills[pk] for pk in catalog.order if statuses.get(pk) == Status.LEARNING]
    done = [catalog.skills[pk] for pk in catalog.order if statuses.get(pk) == Status.DONE]
    evidenced = evidenced_skill_ids(user)
    without_evidence = [skill for skill in done if skill.id not in evidenced]
    received = Feedback.objects.filter(learner=user).exclude(author=user)
    counts = received.aggregate(total=Count("id"), unread=Count("id", filter=Q(read_at=None)))
    latest: QuerySet[Feedback] | list[Feedback] = []
    if counts["total"]:  # most learners have none: skip the join
        latest = received.select_related("author", "project", "skill").order_by("-created_at")[:5]
    goal = facts.goal
    the_plan = plan.build_plan(facts, catalog, now=now)
    overview = rules.overview(statuses, catalog)
    # With a plan, the path's tracks lead and the others fold away.
    # A skill of this week's plan is not repeated under "Next up" (one control per skill).
    this_week = {item.skill.id for item in the_plan.this_week} if the_plan else set()
    next_up = rules.next_up(catalog, statuses, limit=5 + len(this_week))
    path_tracks: set[int] = set()
    if the_plan:
        path_tracks = {catalog.skills[pk].track_id for pk in the_plan.path.skill_ids}
    return {
        "nav": "dashboard",
        "goal": goal,
        "goal_path": catalog.path(goal.path_id) if goal else None,
        "plan": the_plan,
        "streak_rule": plan.STREAK_RULE,
        "pace_rule": plan.PACE_RULE,
        "unread_feedback": counts["unread"],
        "latest_feedback": latest,
        "done_count": len(done),
        "evidence_percent": round(100 * (len(done) - len(without_evidence)) / len(done))
        if done
        else 0,
        "without_evidence": without_evidence,
        "overview": overview,
        "path_tracks": [t for t in overview.tracks if t.track.id in path_tracks],
        "other_tracks": [t for t in overview.tracks if t.track.id not in path_tracks],
        "next_up": [s for s in next_up if s.id not in this_week][:5],
        "learning": learning,
        "recent": rules.recent_activity(events, catalog),
        "calendar": rules.build_calendar(rules.completion_days(events), today),
        "completion_rule": rules.COMPLETION_RULE,
    }


@require_POST
@login_required
def progress_update(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    skill = published_skill(slug)
    status = request.POST.get("status", "")
    if status not in Status.values:
        choices = ", ".join(Status.values)
        message = f"“{status[:40]}” is not a status. Choose one of: {choices}."
        return render(request, "400.html", {"message": message}, status=400)
    progress, _ = services.progress_set_status(user=request.user, skill_id=skill.id, status=status)
    if not request.htmx:
        return redirect_back(request, skill.url)
    catalog = get_catalog()
    page = request.htmx.current_url_abs_path or ""
    if page.startswith(reverse("tracker:dashboard")):
        # A change on the dashboard moves skills between its sections (this week, next
        # up, continue, recent activity): its whole body comes back, re-rendered.
        context = _dashboard_context(request.user)
        response = render_fragment(request, "progress/dashboard.html", ["dashboard_body"], context)
        return retarget(reswap(response, "outerHTML"), "#dashboard-body")
    # Out of band, only what the page that asked shows: the row's status in words on a
    # track or a path page, the track's bar on a track page.
    on_track = page.startswith(catalog.track(skill.track_id).url)
    on_path = any(page.startswith(path.url) for path in catalog.paths)
    stats = None
    if on_track:
        stats = rules.overview(rules.status_map(request.user), catalog, track_ids=[skill.track_id])
    context = {
        "skill": skill,
        "status": progress.status if progress else Status.TODO,
        "next": request.POST.get("next", ""),
        "row_status": on_track or on_path,
        "track_stats": stats.for_track(skill.track_id) if stats else None,
    }
    return render(request, "progress/status_changed.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def note_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The note on a skill: GET shows the editor (a fragment for htmx), POST saves it, or,
    with `preview`, shows it rendered without saving (htmx gets the preview alone)."""
    skill = published_skill(slug)
    progress = Progress.objects.filter(user=request.user, skill_id=skill.id).first()
    form = NoteForm(request.POST if request.method == "POST" else None, instance=progress)
    previewing = request.method == "POST" and "preview" in request.POST
    if request.method == "POST" and not previewing and form.is_valid():
        progress = services.progress_save_note(
            user=request.user, skill_id=skill.id, note=form.cleaned_data["note"]
        )
        if not request.htmx:
            return redirect_back(request, skill.url + "#notes")
        # `saved` moves the keyboard focus to the notes' heading after the swap.
        saved = {"skill": skill, "note_html": render_markdown(progress.note), "saved": True}
        return render_fragment(request, "browse/skill.html", ["notes"], saved)
    context: dict[str, Any] = {"skill": skill, "form": form, "previewing": previewing}
    if previewing and form.is_valid():
        context["preview"] = render_markdown(form.cleaned_data["note"])
    if request.htmx and previewing:
        return render_fragment(request, "progress/note_form.html", ["note_preview"], context)
    context["readers"] = note_readers(request.user)
    if request.htmx:
        return render_fragment(request, "progress/note_form.html", ["note_form"], context)
    return render(request, "progress/note_form.html", context)


@require_POST
@login_required
def link_add(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    skill = published_skill(slug)
    form = SkillLinkForm(request.POST)
    if form.is_valid():
        try:
            services.skill_link_add(
                user=request.user,
                skill_id=skill.id,
                title=form.cleaned_data["title"],
                url=form.cleaned_data["url"],
                once=form.one_time_key(),
            )
        except AlreadySubmitted as repeat:  # a double click: the first one counts
            if not repeat.same:
                return refuse_changed_resend(request)
        form = SkillLinkForm()
        if not request.htmx:
            return redirect_back(request, skill.url + "#my-links")
    elif not request.htmx:
        response = render(request, "progress/link_form.html", {"skill": skill, "link_form": form})
        add_never_cache_headers(response)  # it carries a one-time key
        return response
    return _my_links(request, skill, form)


@require_POST
@login_required
def link_delete(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    skill = published_skill(slug)
    try:
        services.skill_link_delete(user=request.user, skill_id=skill.id, link_id=pk)
    except SkillLink.DoesNotExist:
        raise Http404("No such link.") from None
    if not request.htmx:
        return redirect_back(request, skill.url + "#my-links")
    return _my_links(request, skill, SkillLinkForm())


def _my_links(request: AuthenticatedHttpRequest, skill: Any, form: SkillLinkForm) -> HttpResponse:
    """The skill page's own-links section, for htmx (an invalid form with its errors at
    200, which htmx swaps)."""
    links = SkillLink.objects.filter(user=request.user, skill_id=skill.id)
    context = {"skill": skill, "links": links, "link_form": form}
    return render_fragment(request, "browse/skill.html", ["my_links"], context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def goal(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Set a goal: a path, hours a week, perhaps a target date, and the time zone. Every
    change is kept as the goal's history; the latest is in force."""
    catalog = get_catalog()
    current = rules.current_goal(request.user)
    if request.method == "POST":
        form = GoalForm(request.POST, catalog=catalog)
        if form.is_valid():
            path = catalog.path_by_slug(form.cleaned_data["path"])
            assert path is not None  # the form offered only these
            services.goal_set(
                user=request.user,
                path_id=path.id,
                hours_per_week=form.cleaned_data["hours_per_week"],
                target_date=form.cleaned_data["target_date"],
                time_zone=form.cleaned_data["time_zone"],
            )
            messages.success(request, f"Your goal is set: {path.title}.")
            # A first goal goes on to what the learner knows already, then the dashboard.
            then = "tracker:dashboard" if current else "tracker:goal-known"
            return redirect_back(request, reverse(then))
    else:
        initial: dict[str, object] = {"time_zone": request.user.time_zone or settings.TIME_ZONE}
        if current:
            path = catalog.path(current.path_id)
            initial |= {
                "path": path.slug if path else None,
                "hours_per_week": current.hours_per_week,
                "target_date": current.target_date,
            }
        form = GoalForm(initial=initial, catalog=catalog)
    paths = {p.slug: p for p in catalog.paths}
    return render(
        request,
        "progress/goal.html",
        {"nav": "dashboard", "form": form, "paths": paths, "current": current,
         "next": request.GET.get("next", "")},
    )  # fmt: skip


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def goal_known(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The goal's path in stages, to mark what the learner knows already: ticked skills, or
    a whole stage with its own button. Marked skills are done as *known before*."""
    catalog = get_catalog()
    current = rules.current_goal(request.user)
    path = catalog.path(current.path_id) if current else None
    if path is None:
        messages.info(request, "Set a goal first: the skills to mark come from its path.")
        return HttpResponseRedirect(reverse("tracker:goal"))
    statuses, known = plan.progress_states(request.user)
    error = ""
    if request.method == "POST":
        chosen = _known_choice(request, path)
        if chosen is None:
            message = "That is not a skill or a stage of your path."
            return render(request, "400.html", {"message": message}, status=400)
        if chosen:
            marked = services.progress_mark_known(user=request.user, skill_ids=chosen)
            n = len(marked)
            if n:
                messages.success(
                    request, f"Marked {n} skill{'' if n == 1 else 's'} as known before."
                )
            else:
                messages.info(request, "Those skills were done already; nothing changed.")
            return redirect_back(request, reverse("tracker:dashboard"))
        error = "Tick the skills you know already, or press a stage's button."
    stages = [
        (
            index,
            stage.title,
            [(catalog.skills[pk], rules.status_of(statuses, pk), required)
             for pk, required in stage.steps],
        )
        for index, stage in enumerate(path.stages, start=1)
    ]  # fmt: skip
    context = {"nav": "dashboard", "path": path, "stages": stages, "error": error, "known": known}
    return render(request, "progress/goal_known.html", context)


def _known_choice(request: AuthenticatedHttpRequest, path: PathNode) -> list[int] | None:
    """The skill ids a known-before form asks for ([] for none), or None if it names
    anything outside the path."""
    catalog = get_catalog()
    stage = request.POST.get("stage")
    if stage is not None:
        # isdecimal() alone lets "²" and "٣" through, which int() refuses or reads.
        if not (stage.isascii() and stage.isdecimal()) or not 1 <= int(stage) <= len(path.stages):
            return None
        return [pk for pk, _ in path.stages[int(stage) - 1].steps]
    in_path = set(path.skill_ids)
    chosen = []
    for slug in request.POST.getlist("skill"):
        skill = catalog.skill_by_slug(slug)
        if skill is None or skill.id not in in_path:
            return None
        chosen.append(skill.id)
    return chosen


@require_POST
@login_required
def resource_used(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Mark one of the skill's curated resources as used (`used=1`) or not (`used=0`)."""
    skill = published_skill(slug)
    if all(resource.id != pk for resource in skill.resources):
        raise Http404("No such resource on this skill.")
    used = request.POST.get("used", "")
    if used not in ("0", "1"):
        message = f"“{used[:40]}” is not a choice here: send used=1 or used=0."
        return render(request, "400.html", {"message": message}, status=400)
    services.resource_mark_used(user=request.user, resource_id=pk, used=used == "1")
    if not request.htmx:
        return redirect_back(request, skill.url + "#resources")
    context = resources_context(skill, request.user)
    return render_fragment(request, "browse/skill.html", ["resources"], context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def track_reset(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Confirm (GET), then move every skill of the track back to *to do* (POST)."""
    track = get_catalog().track_by_slug(slug)
    if track is None:
        raise Http404("No such track in the catalog.")
    if request.method == "POST":
        n = services.progress_reset_track(user=request.user, track_id=track.id)
        messages.success(request, f"Reset {n} skill{'s' if n != 1 else ''} in {track.title}.")
        return HttpResponseRedirect(reverse("tracker:dashboard"))
    affected = (
        Progress.objects.filter(user=request.user, skill__track_id=track.id)
        .exclude(status=Status.TODO)
        .count()
    )
    context = {"track": track, "affected": affected, "nav": "dashboard"}
    return render(request, "progress/track_reset.html", context)
