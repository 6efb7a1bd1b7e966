"""Writes of the portfolio, each in one transaction: projects with their tables and
images, and projects as evidence of skills."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.files.storage import default_storage
from django.db import transaction
from django.forms import BaseInlineFormSet

from ..account import submissions
from ..account.models import Submission, User
from .models import Project, ProjectImage

if TYPE_CHECKING:
    from .forms import ProjectForm


@transaction.atomic
def project_save(
    *,
    owner: User,
    form: ProjectForm,
    metrics: BaseInlineFormSet,
    collaborators: BaseInlineFormSet,
    captions: BaseInlineFormSet,
    once: submissions.OneTimeKey | None = None,
) -> Project:
    """Save a project with its evaluation table, collaborators, its images' captions and
    new images, together.

    The forms are already valid. A new project's form key is claimed first (raising
    AlreadySubmitted for a repeat). Image files are written before the rows that name
    them; if anything fails, the files written here are removed again.
    """
    claim = submissions.claim(once, owner, Submission.Kind.PROJECT)
    project = _save_project(owner, form, [metrics, collaborators, captions])
    submissions.made(claim, project)
    return project


def _save_project(owner: User, form: ProjectForm, tables: list[BaseInlineFormSet]) -> Project:
    project = form.save(commit=False)
    project.owner = owner
    project.save()
    form.save_m2m()
    for formset in tables:
        formset.instance = project
        formset.save()
    written: list[str] = []
    try:
        start = project.images.count()
        for offset, (processed, caption) in enumerate(form.cleaned_data.get("new_images") or []):
            image = ProjectImage(
                project=project,
                caption=caption,
                width=processed.width,
                height=processed.height,
                order=start + offset,
            )
            image.image.save(processed.content.name, processed.content, save=False)
            written.append(image.image.name)
            image.thumbnail.save(processed.thumbnail.name, processed.thumbnail, save=False)
            written.append(image.thumbnail.name)
            image.save()
    except BaseException:  # SystemExit too: gunicorn's timeout ends a worker with one
        _delete_files(written)
        raise
    return project


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _delete_after_commit(images: list[ProjectImage]) -> None:
    names = [name for image in images for name in (image.image.name, image.thumbnail.name)]
    transaction.on_commit(lambda: _delete_files(names))


@transaction.atomic
def project_delete(*, project: Project) -> None:
    """Delete a project; its image files go once the deletion has committed."""
    _delete_after_commit(list(project.images.all()))
    project.delete()


@transaction.atomic
def project_image_delete(*, image: ProjectImage) -> None:
    _delete_after_commit([image])
    image.delete()


def project_attach_skill(*, project: Project, skill_id: int) -> None:
    """Record `project` as evidence of a skill (idempotent)."""
    project.skills.add(skill_id)
