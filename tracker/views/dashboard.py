from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from catalog.snapshot import get_catalog

from .. import progress as rules
from ..models import Feedback, Status, User


@require_safe
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Where the learner stands: a fixed number of queries whatever their history."""
    return render(request, "progress/dashboard.html", _context(request.user))


def _context(user: User) -> dict[str, Any]:
    catalog = get_catalog()
    progress = rules.status_map(user)
    today = timezone.localdate()
    days = rules.completion_days(user)
    current_streak, longest_streak = rules.streaks(days, today)
    learning = [
        catalog.skills[pk]
        for pk in catalog.order
        if rules.status_of(progress, pk) == Status.LEARNING
    ]
    done = [
        catalog.skills[pk] for pk in catalog.order if rules.status_of(progress, pk) == Status.DONE
    ]
    evidenced = rules.evidenced_skill_ids(user)
    without_evidence = [skill for skill in done if skill.id not in evidenced]
    received = Feedback.objects.filter(learner=user).exclude(author=user)
    counts = received.aggregate(total=Count("id"), unread=Count("id", filter=Q(read_at=None)))
    latest = []
    if counts["total"]:  # most learners have none: skip the join
        latest = received.select_related("author", "project", "skill").order_by("-created_at")[:5]
    return {
        "nav": "dashboard",
        "unread_feedback": counts["unread"],
        "latest_feedback": latest,
        "done_count": len(done),
        "evidence_percent": round(100 * (len(done) - len(without_evidence)) / len(done))
        if done
        else 0,
        "without_evidence": without_evidence,
        "overview": rules.overview(user, catalog),
        "next_up": rules.next_up(catalog, progress),
        "learning": learning,
        "recent": rules.recent_activity(user, catalog),
        "calendar": rules.build_calendar(days, today),
        "current_streak": current_streak,
        "longest_streak": longest_streak,
        "completion_rule": rules.COMPLETION_RULE,
    }
