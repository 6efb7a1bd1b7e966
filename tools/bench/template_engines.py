#!/usr/bin/env python
"""Render the two row-heavy parts of Gradient's pages with Django's template engine and
with Jinja2, from the same context, in one process, interleaved: the figures behind the
choice of Jinja2 for Gradient's pages (docs/performance.md).

    DATABASE_URL=sqlite:////tmp/gradient-bench/bench.sqlite3 \\
        .venv/bin/python tools/bench/template_engines.py [--rounds 200]

- a track page's skill list (the largest track, a status control per skill), for a
  learner with history;
- the mentor dashboard's table for the mentor with the most mentees (a bar per mentee
  and track).

Both engines get the same markup: the Jinja2 side is the real template's macros; the
Django side is written here the lean way (no {% include %} per row, the URL reversed
once per row like the Jinja2 side does).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db.models import Count  # noqa: E402
from django.template import Context, Engine  # noqa: E402
from django.template import engines as template_engines  # noqa: E402
from django.template.backends.jinja2 import Jinja2  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.utils import timezone  # noqa: E402

from catalog.snapshot import get_catalog  # noqa: E402
from tracker.mentoring.rules import mentee_rows  # noqa: E402
from tracker.models import Mentorship, User  # noqa: E402
from tracker.progress import rules  # noqa: E402

DJANGO_TRACK = """{% load static %}{% for skill, status, row in rows %}
<li class="skill-row" id="skill-{{ skill.slug }}"><div class="skill-main"><h2 class="skill-title"><a href="{{ skill.url }}">{{ skill.title }}</a></h2><p class="meta"><span class="badge badge-{{ skill.level }}">{{ skill.level_label }}</span><span>{{ skill.hours }} h</span>{% if row.verified_by_id %}<span class="verified">✓ Verified by {{ row.verifier_name }}, {{ row.verified_at|date:"j M Y" }}</span>{% endif %}</p></div>
<div class="skill-actions">{% url "tracker:progress" skill.slug as action %}<form id="status-{{ skill.slug }}" class="status-control" method="post" action="{{ action }}" hx-post="{{ action }}" hx-target="this" hx-swap="outerHTML"><input type="hidden" name="csrfmiddlewaretoken" value="{{ csrf_token }}"><input type="hidden" name="next" value="{{ next }}#skill-{{ skill.slug }}"><span class="status status-{{ status }}">{{ status }}</span><span class="status-buttons" role="group" aria-label="Set the status of {{ skill.title }}">{% for value, label in buttons %}<button type="submit" id="status-{{ skill.slug }}-{{ value }}" name="status" value="{{ value }}" aria-pressed="{% if value == status %}true{% else %}false{% endif %}">{{ label }}</button>{% endfor %}</span></form></div></li>
{% endfor %}"""  # noqa: E501

JINJA_TRACK = """{% import "progress/_progress.html" as progress with context %}{% for skill, status, row in rows %}
<li class="skill-row" id="skill-{{ skill.slug }}"><div class="skill-main"><h2 class="skill-title"><a href="{{ skill.url }}">{{ skill.title }}</a></h2><p class="meta"><span class="badge badge-{{ skill.level }}">{{ skill.level_label }}</span><span>{{ skill.hours }} h</span>{{ progress.verified_badge(row) }}</p></div>
<div class="skill-actions">{{ progress.status_control(skill, status, next ~ "#skill-" ~ skill.slug) }}</div></li>
{% endfor %}"""  # noqa: E501

DJANGO_MENTOR = """{% for row in rows %}<tr><th scope="row"><a href="{{ mentee_url }}{{ row.username|urlencode }}/">{{ row.name }}</a></th><td><span class="mentee-percent">{{ row.percent }}%</span> <span class="muted">{{ row.done }}/{{ row.counted }}</span><div class="progress" role="progressbar" aria-label="Completion" aria-valuemin="0" aria-valuemax="100" aria-valuenow="{{ row.percent }}"><span class="progress-fill w-{{ row.percent }}"></span></div></td><td><span class="matrix">{% for track, pct in row.tracks %}<i class="w-{{ pct }}" role="img" aria-label="{{ track.title }} {{ pct }}%"></i>{% endfor %}</span></td><td class="num">{{ row.done_last_7_days }}</td><td>{% if row.last_activity %}<time datetime="{{ row.last_activity_date }}">{{ row.idle_label }}</time>{% else %}<span class="muted">never</span>{% endif %}</td><td><span class="mentee-status mentee-status-{{ row.status }}">{{ row.status_label }}</span></td><td class="num">{% if row.unread_replies %}<strong>{{ row.unread_replies }}</strong>{% else %}0{% endif %}</td></tr>{% endfor %}"""  # noqa: E501


def jinja_mentor_table() -> str:
    """The real template's table body, cut out of it, so the Jinja2 side is what ships."""
    source = (ROOT / "templates" / "mentoring" / "mentor_dashboard.html").read_text()
    return source[source.index("{% for row in rows %}") : source.index("</tbody>")]


def timed(render: Callable[[], object], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        started = time.perf_counter()
        render()
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    options = parser.parse_args()
    catalog = get_catalog()
    track = max(catalog.tracks, key=lambda t: t.skill_count)
    learner = (
        User.objects.filter(username__startswith="learner")
        .annotate(n=Count("progress"))
        .order_by("-n")
        .first()
    )
    mentor = (
        User.objects.filter(mentees__state=Mentorship.State.ACTIVE)
        .annotate(n=Count("mentees"))
        .order_by("-n")
        .first()
    )
    assert learner is not None and mentor is not None, "a benchmark database is needed"
    request = RequestFactory().get(track.url)
    request.user = learner
    progress = rules.progress_rows(learner, notes=False)
    states = rules.statuses_of(progress)
    rows = [
        (skill, rules.status_of(states, skill.id), progress.get(skill.id))
        for skill in catalog.skills_of(track)
    ]
    buttons = [("todo", "To do"), ("learning", "Learning"), ("done", "Done"), ("skipped", "Skip")]
    track_context = {"rows": rows, "next": track.url, "buttons": buttons, "csrf_token": "x" * 64}
    mentor_context = {
        "rows": mentee_rows(mentor, catalog, timezone.now()),
        "mentee_url": "/mentor/",
    }
    django_engine = Engine(
        libraries={"static": "django.templatetags.static"}, builtins=[], autoescape=True
    )
    jinja = cast(Jinja2, template_engines["jinja2"]).env
    cases = [
        (f"track list ({len(rows)} skills)", DJANGO_TRACK, JINJA_TRACK,
         {**track_context, "csrf_input": "<input>"}),
        (f"mentor table ({len(mentor_context['rows'])} mentees x {len(catalog.tracks)} tracks)",
         DJANGO_MENTOR, jinja_mentor_table(), mentor_context),
    ]  # fmt: skip
    print("| rendered in one process | Django templates, ms (median) | Jinja2, ms (median) |")
    print("| --- | ---: | ---: |")
    for name, django_source, jinja_source, context in cases:
        # Compiled once, as each engine's cached loader does in production.
        django_template = django_engine.from_string(django_source)
        jinja_template = jinja.from_string(jinja_source)
        django_times, jinja_times = [], []
        for _ in range(options.rounds):  # interleaved, so the machine's noise hits both
            django_times += timed(lambda: django_template.render(Context(context)), 1)  # noqa: B023
            jinja_times += timed(lambda: jinja_template.render(context), 1)  # noqa: B023
        print(
            f"| {name} | {statistics.median(django_times):.2f} | "
            f"{statistics.median(jinja_times):.2f} |"
        )


if __name__ == "__main__":
    main()
