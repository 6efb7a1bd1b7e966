"""The learner's portfolio: project pages, their images, evidence for skills, and the
public portfolio page."""

from __future__ import annotations

import mimetypes
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.forms.models import BaseInlineFormSet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from catalog.snapshot import get_catalog

from ..account.models import User
from ..account.submissions import AlreadySubmitted
from ..formtools import parse_id
from ..http import AuthenticatedHttpRequest, published_skill, refuse_changed_resend
from ..markdown import render_markdown
from ..mentoring.rules import threads_for_viewer
from ..progress import rules as progress_rules
from ..templating import render_fragment
from . import services
from .forms import (
    CAPTION_HELP,
    MAX_COLLABORATORS,
    MAX_METRICS,
    CollaboratorFormSet,
    ImageCaptionFormSet,
    MetricFormSet,
    NewProjectForm,
    ProjectForm,
)
from .metrics import KNOWN_HIGHER, KNOWN_LOWER
from .models import Project, ProjectImage
from .rules import with_details


def _get_project_for_viewer(user: User | AnonymousUser, pk: int) -> Project:
    """A project `user` may read, or 404, so other people's projects do not leak."""
    projects = Project.objects.visible_to(user).select_related("owner").filter(pk=pk)
    found = with_details(projects)
    if not found:
        raise Http404("No such project.")
    return found[0]


def _get_own_project(user: User, pk: int) -> Project:
    return get_object_or_404(Project, pk=pk, owner=user)


@require_safe
@login_required
def project_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    mine = Project.objects.filter(owner=request.user)
    context = {"projects": with_details(mine, collaborators=False), "nav": "projects"}
    return render(request, "portfolio/project_list.html", context)


def _edit(request: AuthenticatedHttpRequest, project: Project | None) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = (NewProjectForm if project is None else ProjectForm)(data, files, instance=project)
    metrics = MetricFormSet(data, instance=project, prefix="metrics")
    collaborators = CollaboratorFormSet(data, instance=project, prefix="collaborators")
    captions = ImageCaptionFormSet(data, instance=project, prefix="images")
    if request.method == "POST":
        tables: list[BaseInlineFormSet] = [metrics, collaborators, captions]
        if all([form.is_valid(), *(table.is_valid() for table in tables)]):
            try:
                saved = services.project_save(
                    owner=request.user,
                    form=form,
                    metrics=metrics,
                    collaborators=collaborators,
                    captions=captions,
                    once=form.one_time_key() if isinstance(form, NewProjectForm) else None,
                )
            except AlreadySubmitted as repeat:
                return _project_sent_again(request, repeat)
            messages.success(request, f"Saved “{saved.title}”.")
            return HttpResponseRedirect(saved.get_absolute_url())
    context = {
        "form": form,
        "metrics": metrics,
        "collaborators": collaborators,
        "captions": captions,
        "project": project,
        "caption_help": CAPTION_HELP,
        "known_higher": KNOWN_HIGHER,
        "known_lower": KNOWN_LOWER,
        "nav": "projects",
    }
    return render(request, "portfolio/project_form.html", context)


def _project_sent_again(
    request: AuthenticatedHttpRequest, repeat: AlreadySubmitted
) -> HttpResponse:
    """A new-project form sent again: lead to the project the first send made."""
    if not repeat.same:
        return refuse_changed_resend(request)
    made = None
    if repeat.claim.object_id is not None:
        made = Project.objects.filter(pk=repeat.claim.object_id, owner=request.user).first()
    if made is None:  # deleted since
        return HttpResponseRedirect(reverse("tracker:projects"))
    messages.info(request, f"“{made.title}” was already saved; here it is.")
    return HttpResponseRedirect(made.get_absolute_url())


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@never_cache  # the form carries a one-time key: a cached copy would send it again
def project_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _edit(request, None)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def project_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _edit(request, _get_own_project(request.user, pk))


ROW_FORMSETS: dict[str, tuple[type[BaseInlineFormSet], int]] = {
    "metrics": (MetricFormSet, MAX_METRICS),
    "collaborators": (CollaboratorFormSet, MAX_COLLABORATORS),
}


@require_safe
@login_required
def formset_row(request: AuthenticatedHttpRequest, prefix: str) -> HttpResponse:
    """One more empty row of an inline table, for htmx; the count goes up out of band."""
    if prefix not in ROW_FORMSETS:
        raise Http404("No such table.")
    formset_class, limit = ROW_FORMSETS[prefix]
    try:
        total = int(request.GET.get(f"{prefix}-TOTAL_FORMS", ""))
    except ValueError:
        return HttpResponse("Missing or malformed row count.", status=400)
    if not 0 <= total < limit:
        context = {"table": prefix, "limit": limit}
        return render_fragment(request, "portfolio/project_form.html", ["row_limit"], context)
    formset = formset_class(prefix=prefix)
    # An extra row at the next index (Django's private API, absent from django-stubs).
    row = formset._construct_form(total)  # type: ignore[attr-defined]
    context = {"row": row, "table": prefix, "total": total + 1}
    return render_fragment(request, "portfolio/project_form.html", ["new_row"], context)


@require_safe
@login_required
def formset_row_removed(request: AuthenticatedHttpRequest, prefix: str) -> HttpResponse:
    """htmx: a row the learner removed. An unsaved row just goes; a saved one stays as
    hidden inputs that delete it when the form is saved (and without JavaScript the
    same checkbox does that on submit)."""
    if prefix not in ROW_FORMSETS:
        raise Http404("No such table.")
    match = next(
        (
            m
            for key in request.GET
            if (m := re.fullmatch(rf"{prefix}-(\d+)-DELETE", key)) and int(m[1]) < 1000
        ),
        None,
    )
    if match is None:
        return HttpResponse("Which row?", status=400)
    index = int(match[1])
    row_id = request.GET.get(f"{prefix}-{index}-id", "")
    if not row_id.isdigit():
        return HttpResponse("")  # an unsaved row: nothing to remember
    context = {
        "prefix": f"{prefix}-{index}",
        "row_id": row_id,
        "columns": 6 if prefix == "metrics" else 3,
    }
    return render_fragment(request, "portfolio/project_form.html", ["removed_row"], context)


@require_safe
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = _get_project_for_viewer(request.user, pk)
    threads: dict[str, Any] = {"threads": [], "open_mentors": set()}
    if request.user.is_authenticated:
        threads = threads_for_viewer(request.user, project.feedback.all(), project.owner_id)
    context = {
        **threads,
        "project": project,
        "is_owner": project.owner_id == request.user.pk,
        "problem_html": render_markdown(project.problem),
        "approach_html": render_markdown(project.approach),
        "results_html": render_markdown(project.results),
        "nav": "projects" if project.owner_id == request.user.pk else "",
    }
    response = render(request, "portfolio/project_detail.html", context)
    if request.user.is_authenticated:  # reply forms carry one-time keys
        add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def project_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    project = _get_own_project(request.user, pk)
    if request.method == "POST":
        title = project.title
        services.project_delete(project=project)
        messages.success(request, f"Deleted “{title}”.")
        return HttpResponseRedirect(reverse("tracker:projects"))
    context = {"project": project, "nav": "projects"}
    return render(request, "portfolio/project_delete.html", context)


@require_safe
def project_image(request: HttpRequest, pk: int, image_id: int, variant: str) -> FileResponse:
    """Serve an image only to someone who may see its project; there is no public media URL."""
    project = get_object_or_404(Project.objects.visible_to(request.user), pk=pk)
    image = get_object_or_404(ProjectImage, pk=image_id, project=project)
    stored = image.thumbnail if variant == "thumb" else image.image
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404("The image file is missing.") from None
    content_type = mimetypes.guess_type(stored.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    # Names are random and never reused, so the browser may keep its copy. Never a shared
    # cache: a project made private later must not stay readable through one.
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


@require_POST
@login_required
def project_image_delete(request: AuthenticatedHttpRequest, pk: int, image_id: int) -> HttpResponse:
    project = _get_own_project(request.user, pk)
    image = get_object_or_404(ProjectImage, pk=image_id, project=project)
    services.project_image_delete(image=image)
    messages.success(request, "Image removed.")
    return HttpResponseRedirect(reverse("tracker:project-edit", args=[project.pk]) + "#images")


@require_POST
@login_required
def evidence_attach(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Attach one of the learner's projects to a skill as evidence."""
    skill = published_skill(slug)
    raw = request.POST.get("project", "")
    if not re.fullmatch(r"-?[0-9]{1,100}", raw):  # not a number (of sane length): malformed
        return render(request, "400.html", {"message": "Choose one of your projects."}, status=400)
    pk = parse_id(raw)
    if pk is None:  # a number, but no project could have it
        raise Http404("No such project.")
    project = _get_own_project(request.user, pk)
    services.project_attach_skill(project=project, skill_id=skill.id)
    messages.success(request, f"“{project.title}” now shows {skill.title}.")
    return HttpResponseRedirect(skill.url + "#evidence")


@require_safe
def portfolio(request: HttpRequest, username: str) -> HttpResponse:
    owner = get_object_or_404(User, username__iexact=username, is_active=True)
    if owner.username != username:  # one name whatever its case: send links to its own
        return HttpResponsePermanentRedirect(owner.get_absolute_url())
    return render(request, "portfolio/portfolio.html", _portfolio_context(request, owner))


def _portfolio_context(request: HttpRequest, owner: User) -> dict[str, Any]:
    verified = {
        p.skill_id: p
        for p in owner.progress.filter(verified_by__isnull=False).select_related("verified_by")
    }
    catalog = get_catalog()
    projects = with_details(
        Project.objects.public().filter(owner=owner),
        collaborators=False,
        verified=verified,
        catalog=catalog,
    )
    overview = None
    if owner.show_progress:
        overview = progress_rules.overview(progress_rules.status_map(owner), catalog)
    return {
        "owner": owner,
        "projects": projects,
        "overview": overview,
        "bio_html": render_markdown(owner.bio),
        "is_owner": owner.pk == request.user.pk,
    }
