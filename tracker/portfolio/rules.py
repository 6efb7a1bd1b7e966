"""Reading the portfolio: projects with what their cards and pages show, and projects
as evidence of skills."""

from __future__ import annotations

from typing import NamedTuple

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse

from catalog.snapshot import Catalog, get_catalog

from ..account.models import User
from .models import Project


class EvidenceRow(NamedTuple):
    pk: int
    title: str
    shows: bool  # recorded as evidence for the skill in question

    def get_absolute_url(self) -> str:
        return reverse("tracker:project", args=[self.pk])


def projects_as_evidence(user: User, skill_id: int) -> list[EvidenceRow]:
    """The user's projects, each flagged if it is evidence for the skill: one query."""
    shows = Project.skills.through.objects.filter(project=OuterRef("pk"), skill_id=skill_id)
    rows = (
        Project.objects.filter(owner=user)
        .annotate(shows=Exists(shows))
        .order_by("title", "id")
        .values_list("pk", "title", "shows")
    )
    return [EvidenceRow(*row) for row in rows]


def evidenced_skill_ids(user: User) -> set[int]:
    """Skills the user has recorded at least one project for: one query."""
    through = Project.skills.through.objects.filter(project__owner=user)
    return set(through.values_list("skill_id", flat=True).distinct())


def with_details(
    projects: QuerySet[Project],
    *,
    collaborators: bool = True,
    verified: dict | None = None,
    catalog: Catalog | None = None,
) -> list[Project]:
    """Everything a project card or page shows, in a fixed number of queries.

    Metrics, images (and collaborators) are prefetched; the skills come as catalog nodes
    in `project.skills_shown` as (skill, verification or None), read from the link table
    alone: the catalog already knows every published skill's title and address.
    """
    related: list = ["metrics", "images"]
    if collaborators:
        related.append("collaborators")
    found = list(projects.prefetch_related(*related))
    catalog = catalog or get_catalog()
    links: dict[int, list] = {}
    through = Project.skills.through.objects.filter(project__in=[p.pk for p in found])
    for project_id, skill_id in through.values_list("project_id", "skill_id"):
        if skill_id in catalog.skills:
            links.setdefault(project_id, []).append(catalog.skills[skill_id])
    for project in found:
        nodes = sorted(links.get(project.pk, []), key=lambda node: node.title)
        project.skills_shown = [(n, (verified or {}).get(n.id)) for n in nodes]  # type: ignore[attr-defined]
    return found
