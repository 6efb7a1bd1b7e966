"""Changing progress: the status toggle, notes, own links, and resetting a track."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from catalog.models import Skill, Track
from catalog.snapshot import get_catalog

from .. import progress as rules
from .. import services
from ..forms import NoteForm, SkillLinkForm
from ..markdown import render_markdown
from ..models import Progress, SkillLink, Status
from ..templating import render_fragment


def _published_skill(slug: str) -> Skill:
    return get_object_or_404(Skill.objects.published(), slug=slug)


def _redirect_back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """303 to the validated `next` (same host only), else to `fallback`."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = fallback
    response = HttpResponseRedirect(target)
    response.status_code = 303
    return response


def refuse_changed_resend(request: HttpRequest) -> HttpResponse:
    """The answer to a create form sent again under its one-time key with other content."""
    message = (
        "This form was already sent once, with different content, so nothing was saved "
        "this time. Reload the page to get a fresh form."
    )
    return render(request, "400.html", {"message": message}, status=400)


@require_POST
@login_required
def progress_update(request: HttpRequest, slug: str) -> HttpResponse:
    catalog = get_catalog()
    skill = catalog.skill_by_slug(slug)
    if skill is None:
        raise Http404("No such skill in the catalog.")
    status = request.POST.get("status", "")
    if status not in Status.values:
        choices = ", ".join(Status.values)
        return render(
            request,
            "400.html",
            {"message": f"“{status[:40]}” is not a status. Choose one of: {choices}."},
            status=400,
        )
    progress, _ = services.progress_set_status(user=request.user, skill_id=skill.id, status=status)
    if not request.htmx:
        return _redirect_back(request, skill.url)
    # Out of band, only what the page that asked shows: the track's bar on a track page
    # and the dashboard, the headline numbers on the dashboard.
    page = request.htmx.current_url_abs_path or ""
    on_dashboard = page.startswith(reverse("tracker:dashboard"))
    on_track = page.startswith(catalog.track(skill.track_id).url)
    overview = rules.overview(request.user, catalog) if on_dashboard or on_track else None
    context = {
        "skill": skill,
        "status": progress.status if progress else Status.TODO,
        "next": request.POST.get("next", ""),
        "track_stats": overview.for_track(skill.track_id) if overview else None,
        "overview": overview if on_dashboard else None,
    }
    return render(request, "progress/status_changed.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def note_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The note on a skill: GET shows the editor (a fragment for htmx), POST saves it."""
    skill = _published_skill(slug)
    progress = Progress.objects.filter(user=request.user, skill=skill).first()
    form = NoteForm(request.POST if request.method == "POST" else None, instance=progress)
    if request.method == "POST" and form.is_valid():
        progress = services.progress_save_note(
            user=request.user, skill=skill, note=form.cleaned_data["note"]
        )
        if not request.htmx:
            return _redirect_back(request, skill.get_absolute_url() + "#notes")
        # `saved` moves the keyboard focus to the notes' heading after the swap.
        context = {"skill": skill, "note_html": render_markdown(progress.note), "saved": True}
        return render_fragment(request, "browse/skill.html", ["notes"], context)
    context = {"skill": skill, "form": form}
    if request.htmx:
        return render_fragment(request, "progress/note_form.html", ["note_form"], context)
    return render(request, "progress/note_form.html", context)


@require_POST
@login_required
def link_add(request: HttpRequest, slug: str) -> HttpResponse:
    skill = _published_skill(slug)
    form = SkillLinkForm(request.POST)
    if form.is_valid():
        try:
            services.skill_link_add(
                user=request.user,
                skill=skill,
                title=form.cleaned_data["title"],
                url=form.cleaned_data["url"],
                once=form.one_time_key(),
            )
        except services.AlreadySubmitted as repeat:  # a double click: the first one counts
            if not repeat.same:
                return refuse_changed_resend(request)
        form = SkillLinkForm()
        if not request.htmx:
            return _redirect_back(request, skill.get_absolute_url() + "#my-links")
    elif not request.htmx:
        response = render(request, "progress/link_form.html", {"skill": skill, "link_form": form})
        add_never_cache_headers(response)  # it carries a one-time key
        return response
    links = SkillLink.objects.filter(user=request.user, skill=skill)
    # An invalid form re-renders with its errors at 200, which htmx swaps.
    context = {"skill": skill, "links": links, "link_form": form}
    return render_fragment(request, "browse/skill.html", ["my_links"], context)


@require_POST
@login_required
def link_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    skill = _published_skill(slug)
    link = get_object_or_404(SkillLink, pk=pk, user=request.user, skill=skill)
    link.delete()
    if not request.htmx:
        return _redirect_back(request, skill.get_absolute_url() + "#my-links")
    links = SkillLink.objects.filter(user=request.user, skill=skill)
    context = {"skill": skill, "links": links, "link_form": SkillLinkForm()}
    return render_fragment(request, "browse/skill.html", ["my_links"], context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def track_reset(request: HttpRequest, slug: str) -> HttpResponse:
    """Confirm (GET), then move every skill of the track back to *to do* (POST)."""
    track = get_object_or_404(Track, slug=slug)
    if request.method == "POST":
        n = services.progress_reset_track(user=request.user, track=track)
        messages.success(request, f"Reset {n} skill{'s' if n != 1 else ''} in {track.title}.")
        return HttpResponseRedirect(reverse("tracker:dashboard"))
    affected = (
        Progress.objects.filter(user=request.user, skill__track=track)
        .exclude(status=Status.TODO)
        .count()
    )
    return render(
        request,
        "progress/track_reset.html",
        {"track": track, "affected": affected, "nav": "dashboard"},
    )
