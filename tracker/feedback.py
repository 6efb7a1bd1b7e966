"""Reading feedback threads: a thread is one mentor's conversation about one project or
skill of one learner."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from . import services
from .models import Feedback, Mentorship, User


def group_threads(items: Iterable[Feedback]) -> list[list[Feedback]]:
    """Split feedback on one target into threads, one per mentor, oldest first."""
    threads: dict[int, list[Feedback]] = {}
    for item in items:
        threads.setdefault(item.mentor_id, []).append(item)
    return list(threads.values())


def threads_for_viewer(viewer: User, items: QuerySet[Feedback], learner_id: int) -> dict:
    """The threads `viewer` may read on one target, marked read for them.

    The learner reads every mentor's thread; a mentor reads only their own. Returns
    the threads and which of them can still be answered (the mentorship is active).
    """
    if viewer.pk != learner_id:
        items = items.filter(mentor=viewer)
    rows = list(items.select_related("author").order_by("created_at", "id"))
    if not rows:
        return {"threads": [], "open_mentors": set()}
    if any(r.read_at is None and r.author_id != viewer.pk for r in rows):
        services.feedback_mark_read(reader=viewer, threads=items)
    open_mentors = set(
        Mentorship.objects.active()
        .filter(learner_id=learner_id, mentor_id__in={r.mentor_id for r in rows})
        .values_list("mentor_id", flat=True)
    )
    return {"threads": group_threads(rows), "open_mentors": open_mentors}
