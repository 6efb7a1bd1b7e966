"""Each user's revision: a number that changes whenever anything a page shows about them does.

Pages keyed on it (tracker/pages.py) can be kept whole until the next change. Every
save and delete of the models below bumps the users the row belongs to, through the
signals connected here; the few bulk writes that send no signals (a track reset, marking
feedback read, an import) call `bump()` themselves.

The bump is one UPDATE in the writer's own transaction, so a page can never be kept
under a revision older than the data it shows: the revision is read (with the user)
before the page's data, and a write changes both at once. Revisions are random rather
than counted, so a value once left is never seen again: no page kept under it can
come back.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection
from django.db.models import Model, Q
from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import (
    Collaborator,
    Feedback,
    Invite,
    MentorNote,
    Mentorship,
    Metric,
    Progress,
    ProgressEvent,
    Project,
    ProjectImage,
    SkillLink,
    User,
)

_batch: ContextVar[set[int] | None] = ContextVar("revision_batch", default=None)


def bump(*user_ids: int | None) -> None:
    """Give these users a new revision (None and repeats are ignored); inside `batch()`,
    once, when the batch ends."""
    ids = {pk for pk in user_ids if pk is not None}
    pending = _batch.get()
    if pending is not None:
        pending |= ids
    elif ids:
        # Written out: it runs with every write, and the ORM's UPDATE costs more to compose
        # than to run. The table is the model's own; the values are parameters.
        marks = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE tracker_user SET revision = %s WHERE id IN ({marks})",  # nosec B608
                [new_revision(), *ids],
            )


@contextmanager
def batch() -> Iterator[None]:
    """Several writes, one bump per user at the end (call it inside their transaction)."""
    if _batch.get() is not None:  # already in one: it bumps for us
        yield
        return
    token = _batch.set(set())
    try:
        yield
        pending = _batch.get()
    finally:
        _batch.reset(token)
    bump(*pending or ())


def new_revision() -> int:
    return secrets.randbits(62)


def _project_owner(row: Model) -> Iterable[int | None]:
    """A project's rows name the owner through the project: the one they were saved with
    if it is at hand, else a lookup (a cascade deleting the project may already have
    taken it, and then the project's own signal bumps)."""
    project = row._state.fields_cache.get("project")
    if project is not None:
        return (project.owner_id,)
    owner = Project.objects.filter(pk=row.project_id).values_list("owner_id", flat=True)  # type: ignore[attr-defined]
    return list(owner)


# Whose pages show each model's rows.
OWNERS: dict[type[Model], Callable[[Model], Iterable[int | None]]] = {
    Progress: lambda row: (row.user_id, row.verified_by_id),  # type: ignore[attr-defined]
    ProgressEvent: lambda row: (row.user_id,),  # type: ignore[attr-defined]
    SkillLink: lambda row: (row.user_id,),  # type: ignore[attr-defined]
    Project: lambda row: (row.owner_id,),  # type: ignore[attr-defined]
    Metric: _project_owner,
    Collaborator: _project_owner,
    ProjectImage: _project_owner,
    Mentorship: lambda row: (row.learner_id, row.mentor_id),  # type: ignore[attr-defined]
    Invite: lambda row: (row.learner_id, row.used_by_id),  # type: ignore[attr-defined]
    Feedback: lambda row: (row.learner_id, row.mentor_id),  # type: ignore[attr-defined]
    MentorNote: lambda row: (row.learner_id, row.mentor_id),  # type: ignore[attr-defined]
}


def _changed(sender: type[Model], instance: Model, **kwargs: object) -> None:
    if kwargs.get("raw"):  # loaddata: nothing is shown from a fixture being loaded
        return
    bump(*OWNERS[sender](instance))


def _user_changed(sender: type[User], instance: User, **kwargs: object) -> None:
    """A profile change shows on the user's pages and on their mentors' and mentees'
    (names, avatars): bump them all."""
    if kwargs.get("raw"):
        return
    mentors = Mentorship.objects.filter(learner=instance).values("mentor_id")
    mentees = Mentorship.objects.filter(mentor=instance).values("learner_id")
    # One statement, the lists as subqueries: it runs on every sign-in (last_login).
    User.objects.filter(Q(pk=instance.pk) | Q(pk__in=mentors) | Q(pk__in=mentees)).update(
        revision=new_revision()
    )


def _skills_changed(sender: type[Model], instance: Model, action: str, **kwargs: object) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        if isinstance(instance, Project):
            bump(instance.owner_id)
        else:  # a skill's projects changed from the skill's side (admin)
            projects = Project.objects.filter(pk__in=kwargs.get("pk_set") or ())
            bump(*projects.values_list("owner_id", flat=True))


def connect() -> None:
    for model in OWNERS:
        uid = f"gradient-revision-{model.__name__}"
        post_save.connect(_changed, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=uid + "-delete")
    post_save.connect(_user_changed, sender=User, dispatch_uid="gradient-revision-user")
    m2m_changed.connect(
        _skills_changed, sender=Project.skills.through, dispatch_uid="gradient-revision-skills"
    )
