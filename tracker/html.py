"""HTML for the pieces a page repeats dozens or hundreds of times, built in Python.

Django's template engine costs tens of microseconds per tag; a track page shows a
status control per skill and the mentor dashboard a bar per mentee and track, so those
are built here (escaped by hand, with django.utils.html.escape) and reused through
template tags, by the pages and by the htmx fragments alike: one source for both.
"""

from __future__ import annotations

import functools
from html import escape as _escape
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from catalog.snapshot import SkillNode

from .models import Status

LABELS = {Status.TODO: "To do", Status.LEARNING: "Learning", Status.DONE: "Done",
          Status.SKIPPED: "Skipped"}  # fmt: skip
BUTTONS = [(Status.TODO, "To do"), (Status.LEARNING, "Learning"), (Status.DONE, "Done"),
           (Status.SKIPPED, "Skip")]  # fmt: skip


def escape(value: object) -> str:
    """Like django.utils.html.escape (the same five characters), without its lazy
    wrapper and SafeString: these builders escape thousands of values a page."""
    return _escape(str(value), quote=True)


def trusted(html: str) -> SafeString:
    """HTML built from escaped values, numbers and fixed strings, marked safe in one
    reviewed place. Call it only with such HTML."""
    return mark_safe(html)  # noqa: S308  # nosec B308, B703  # see the docstring


_parts: dict[tuple[int, str, str], tuple[str, str]] = {}


def _skill_parts(skill: SkillNode) -> tuple[str, str]:
    """The request-independent halves of a skill's control, kept per skill and title."""
    key = (skill.id, skill.slug, skill.title)
    parts = _parts.get(key)
    if parts is None:
        url = escape(reverse("tracker:progress", args=[skill.slug]))
        head = (
            f'<form id="status-{escape(skill.slug)}" class="status-control" method="post" '
            f'action="{url}" hx-post="{url}" hx-target="this" hx-swap="outerHTML">'
        )
        group = (
            '<span class="status-buttons" role="group" '
            f'aria-label="Set the status of {escape(skill.title)}">'
        )
        parts = _parts[key] = (head, group)
    return parts


def status_label(status: str) -> SafeString:
    return trusted(f'<span class="status status-{status}">{LABELS[status]}</span>')


def status_control(skill: SkillNode, status: str, next_url: str, csrf_token: str) -> SafeString:
    """A skill's status as a label and a four-way control: a real form, enhanced by htmx."""
    head, group = _skill_parts(skill)
    slug = escape(skill.slug)
    # Ids let htmx put the keyboard focus back on the pressed button after the swap.
    buttons = "".join(
        f'<button type="submit" id="status-{slug}-{value}" name="status" value="{value}" '
        f'aria-pressed="{"true" if value == status else "false"}">{label}</button>'
        for value, label in BUTTONS
    )
    html = (
        f'{head}<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
        f'<input type="hidden" name="next" value="{escape(next_url)}">'
        f"{status_label(status)}{group}{buttons}</span></form>"
    )
    return trusted(html)


def verified_badge(progress) -> str:  # type: ignore[no-untyped-def]
    """For a Progress or a progress.ProgressRow."""
    if progress is None or not progress.verified_by_id:
        return ""
    name = getattr(progress, "verifier_name", None) or progress.verified_by.display_name
    who = escape(name)
    return f'<span class="verified">✓ Verified by {who}, {progress.verified_at:%-d %b %Y}</span>'


def _row_parts(catalog, skill: SkillNode) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The parts of a track-page row that depend only on the catalog, kept with it."""
    memo = catalog.memo.setdefault("track-rows", {})
    parts = memo.get(skill.id)
    if parts is None:
        head = (
            f'<li class="skill-row" id="skill-{escape(skill.slug)}"><div class="skill-main">'
            f'<h2 class="skill-title"><a href="{escape(skill.url)}">{escape(skill.title)}</a>'
            f'</h2><p class="meta"><span class="badge badge-{skill.level}">'
            f"{escape(skill.level_label)}</span><span>{skill.hours} h</span>"
        )
        links = ", ".join(
            f'<a href="{escape(p.url)}">{escape(p.title)}</a>'
            for p in catalog.prerequisites_of(skill)
        )
        tail = "</p>"
        if links:
            tail += f'<p class="prereqs"><span class="muted">After:</span> {links}</p>'
        tail += "</div>"
        parts = memo[skill.id] = (head, tail)
    return parts


def skill_rows(catalog, rows, next_base: str, csrf_token: str, signed_in: bool) -> SafeString:  # type: ignore[no-untyped-def]
    """The rows of a track page: (skill, status, progress) each."""
    out = []
    for skill, status, progress in rows:
        head, tail = _row_parts(catalog, skill)
        out.append(head)
        out.append(verified_badge(progress))
        out.append(tail)
        if signed_in:
            out.append('<div class="skill-actions">')
            out.append(status_control(skill, status, f"{next_base}#skill-{skill.slug}", csrf_token))
            out.append("</div>")
        out.append("</li>")
    return trusted("".join(out))


def track_progress(stats, oob: bool = False) -> str:  # type: ignore[no-untyped-def]
    """A track's completion bar (progressbar semantics) and its counts."""
    track, pct = stats.track, stats.percent
    extra = ""
    if stats.learning:
        extra += f"<span>{stats.learning} learning</span>"
    if stats.skipped:
        extra += f"<span>{stats.skipped} skipped</span>"
    swap = ' hx-swap-oob="true"' if oob else ""
    return (
        f'<div id="track-progress-{escape(track.slug)}" class="track-progress"{swap}>'
        f'<div class="progress" role="progressbar" aria-label="{escape(track.title)} completion"'
        f' aria-valuemin="0" aria-valuemax="100" aria-valuenow="{pct}">'
        f'<span class="progress-fill w-{pct}"></span></div><p class="meta"><span>{pct}%</span>'
        f"<span>{stats.done} of {stats.counted} done</span>{extra}</p></div>"
    )


@functools.lru_cache(maxsize=2048)
def calendar_grid(calendar) -> str:  # type: ignore[no-untyped-def]
    """The activity heatmap: 53 week columns of 7 day cells.

    The grid is decorative for screen readers; the list after it names every day with
    a completion and its count. Labels hold only dates and numbers, nothing to escape.
    """
    labels = dict(calendar.months)
    months = "".join(f"<span>{labels.get(i, '')}</span>" for i in range(len(calendar.weeks)))
    cells = []
    active = []
    for week in calendar.weeks:
        for day in week:
            if day.future:
                continue
            if day.count:
                cells.append(f'<i class="day lvl-{day.level}" title="{day.label}"></i>')
                active.append(day.label)
            else:
                cells.append('<i class="day lvl-0"></i>')
    listing = "".join(f"<li>{label}</li>" for label in reversed(active))
    return (
        '<div class="calendar-scroll" aria-hidden="true">'
        f'<div class="calendar-months">{months}</div><div class="calendar">{"".join(cells)}</div>'
        '</div><ul class="visually-hidden" aria-label="Days with completions">'
        f"{listing or '<li>No completions in the last year.</li>'}</ul>"
    )


def done_rows(rows, learner_username: str, viewer_id: int, csrf_token: str) -> SafeString:  # type: ignore[no-untyped-def]
    """A mentee's done skills, each with its verification or a Verify button."""
    base = reverse("tracker:mentee-verify", args=["-", "-"])[: -len("-/verify/-/")]
    prefix = escape(f"{base}{quote(learner_username, safe='@+')}/verify/")
    token = escape(csrf_token)
    out = ['<ul class="skill-list" role="list">']
    for skill, progress in rows:
        title = escape(skill.title)
        when = f"<span>{progress.completed_at:%-d %b %Y}</span>" if progress.completed_at else ""
        out.append(
            f'<li class="skill-row"><div class="skill-main"><h3 class="skill-title">'
            f'<a href="{escape(skill.url)}">{title}</a></h3><p class="meta"><span class="status '
            f'status-done">Done</span>{when}{verified_badge(progress)}</p></div>'
        )
        if progress.verified_by_id != viewer_id:
            out.append(
                f'<div class="skill-actions"><form method="post" action="{prefix}'
                f'{escape(skill.slug)}/" class="inline-form"><input type="hidden" '
                f'name="csrfmiddlewaretoken" value="{token}"><button type="submit" class="button '
                f'button-secondary button-small">Verify<span class="visually-hidden"> {title}'
                "</span></button></form></div>"
            )
        out.append("</li>")
    out.append("</ul>")
    return trusted("".join(out))


def skill_options(skills) -> SafeString:  # type: ignore[no-untyped-def]
    return trusted(
        "".join(f'<option value="{escape(s.slug)}">{escape(s.title)}</option>' for s in skills)
    )


def overall_progress(overview, oob: bool = False) -> SafeString:  # type: ignore[no-untyped-def]
    """The learner's headline numbers (dashboard, mentee page; htmx out-of-band)."""
    pct = overview.percent
    swap = ' hx-swap-oob="true"' if oob else ""
    return trusted(
        f'<div id="overall-progress" class="stats"{swap}><div class="stat stat-wide">'
        f'<span class="stat-value">{pct}%</span><span class="stat-label">of the curriculum '
        'done</span><div class="progress" role="progressbar" aria-label="Overall completion" '
        f'aria-valuemin="0" aria-valuemax="100" aria-valuenow="{pct}"><span class="progress-fill '
        f'w-{pct}"></span></div></div><div class="stat"><span class="stat-value">{overview.done}'
        '</span><span class="stat-label">skills done</span></div><div class="stat"><span '
        f'class="stat-value">{overview.learning}</span><span class="stat-label">learning now'
        '</span></div><div class="stat"><span class="stat-value">'
        f'{overview.hours_left} h</span><span class="stat-label">estimated to go</span></div></div>'
    )


def ago(when, now) -> str:  # type: ignore[no-untyped-def]
    """'today', 'yesterday', '3 days ago', '2 weeks ago': in days, like streaks and the
    calendar, so a page showing it stays true all day and can be kept (tracker/pages.py)."""
    days = max(0, (timezone.localdate(now) - timezone.localdate(when)).days)
    if days < 2:
        return ("today", "yesterday")[days]
    for size, unit in ((365, "year"), (30, "month"), (7, "week")):
        if days >= size:
            n = days // size
            return f"{n} {unit}{'' if n == 1 else 's'} ago"
    return f"{days} days ago"


def recent_activity(recent, now) -> SafeString:  # type: ignore[no-untyped-def]
    """Recent status changes: [(event, skill node or None)]."""
    out = []
    for event, skill in recent:
        status = event.to_status
        link = (
            f'<a href="{escape(skill.url)}">{escape(skill.title)}</a>'
            if skill
            else "a retired skill"
        )
        out.append(
            f'<li><span class="status status-{status}">{LABELS[status]}</span> {link} '
            f'<time class="muted" datetime="{event.created_at.isoformat()}">'
            f"{ago(event.created_at, now)}</time></li>"
        )
    return trusted("".join(out))
