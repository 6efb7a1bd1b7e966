"""The mentor's overview of every mentee: a sortable table, and the same rows as CSV."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from catalog.snapshot import Catalog, get_catalog

from ..account.export import csv_safe
from ..http import AuthenticatedHttpRequest
from ..progress.plan import Plan
from .rules import (
    ACTIVE_DAYS,
    SLOWING_DAYS,
    STATUS_RANK,
    MenteeRow,
    mentee_rows,
)

_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)

# Column key → (header, sort key, the direction a first click sorts in).
# Rows are ordered by name first, and Python's sort is stable (reverse=True too),
# so ties always stay in name order.
COLUMNS: dict[str, tuple[str, Callable[[MenteeRow], Any], str]] = {
    "name": ("Mentee", lambda r: (r.name.casefold(), r.username), "asc"),
    "completion": ("Completion", lambda r: r.percent, "desc"),
    "recent": ("Done in 7 days", lambda r: r.done_last_7_days, "desc"),
    "last": ("Last activity", lambda r: r.last_activity or _NEVER, "desc"),
    "status": ("Status", lambda r: STATUS_RANK[r.status], "asc"),
    "unread": ("Unread replies", lambda r: r.unread_replies, "desc"),
}


def _sorting(request: HttpRequest) -> tuple[str, str]:
    sort = request.GET.get("sort", "")
    direction = request.GET.get("dir", "")
    if sort not in COLUMNS:
        return "name", "asc"
    if direction not in ("asc", "desc"):
        direction = COLUMNS[sort][2]
    return sort, direction


def _sorted_rows(
    request: AuthenticatedHttpRequest, catalog: Catalog
) -> tuple[list[MenteeRow], str, str]:
    sort, direction = _sorting(request)
    rows = mentee_rows(request.user, catalog, timezone.now())
    if sort != "name" or direction != "asc":  # mentee_rows already answers by name
        rows.sort(key=COLUMNS[sort][1], reverse=direction == "desc")
    return rows, sort, direction


@require_safe
@login_required
def mentor_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every mentee in one table: a fixed number of queries however many there are."""
    catalog = get_catalog()
    rows, sort, direction = _sorted_rows(request, catalog)
    headers = []
    for key, (label, _, first) in COLUMNS.items():
        current = key == sort
        next_dir = ("desc" if direction == "asc" else "asc") if current else first
        headers.append(
            {
                "key": key,
                "label": label,
                "href": f"?sort={key}&dir={next_dir}",
                "aria_sort": ("ascending" if direction == "asc" else "descending")
                if current
                else "",
                "arrow": ("▲" if direction == "asc" else "▼") if current else "",
                "numeric": key in ("recent", "unread"),
            }
        )
    context = {
        "nav": "mentor",
        "rows": rows,
        "headers": headers,
        "sort": sort,
        "dir": direction,
        "active_days": ACTIVE_DAYS,
        "slowing_days": SLOWING_DAYS,
        "sort_label": COLUMNS[sort][0],
        "direction": "ascending" if direction == "asc" else "descending",
        "tracks": catalog.tracks,
        # Reversed once, not per row: a mentor may have hundreds of mentees.
        "mentee_url": reverse("tracker:mentee", args=["-"])[:-2],
    }
    return render(request, "mentoring/mentor_dashboard.html", context)


@require_safe
@login_required
def mentor_export_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The dashboard's rows as CSV, in the dashboard's order (by name unless told)."""
    catalog = get_catalog()
    rows, _, _ = _sorted_rows(request, catalog)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mentees.csv"'
    writer = csv.writer(response)
    header = [
        "username",
        "name",
        "completion %",
        "done",
        "of",
        "done last 7 days",
        "last activity",
        "status",
        "unread replies",
        "path",
        "hours a week",
        "target date",
        "projected finish",
        "weeks behind",
    ]
    header += [f"{track.title} %" for track in catalog.tracks]
    writer.writerow([csv_safe(h) for h in header])
    for row in rows:
        cells: list[object] = [
            row.username,
            row.full_name,
            row.percent,
            row.done,
            row.counted,
            row.done_last_7_days,
            row.last_activity_date,
            row.status,
            row.unread_replies,
            row.goal_path or "",
            row.goal_hours or "",
            row.goal_target.isoformat() if row.goal_target else "",
            _finish(row.plan),
            "" if row.plan is None or row.plan.weeks_behind is None else row.plan.weeks_behind,
        ]
        cells += [pct for _, pct in row.tracks]
        writer.writerow([csv_safe(c) for c in cells])
    return response


def _finish(plan: Plan | None) -> str:
    """The projected finish at the mentee's pace, ISO 8601; "" without one."""
    if plan is None or plan.finish_at_pace is None:
        return ""
    return plan.finish_at_pace.isoformat()
