"""Mentors see each mentee's goal: on the dashboard, the mentee's page and the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone

from catalog.models import LearningPath, PathStep, Skill
from catalog.snapshot import forget_catalog
from tracker.progress import services as progress


@pytest.fixture
def goal(catalog, alice, mentored) -> None:
    path = LearningPath.objects.create(slug="analyst", title="Analyst", summary="S.", suits="A.")
    PathStep.objects.create(path=path, skill=Skill.objects.get(slug="skill-1-1"), stage="A")
    forget_catalog()
    progress.goal_set(user=alice, path_id=path.pk, hours_per_week=6, target_date=None,
                      time_zone="UTC", now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))  # fmt: skip
    progress.goal_set(user=alice, path_id=path.pk, hours_per_week=9,
                      target_date=dt.date(2027, 6, 1), time_zone="UTC")  # fmt: skip


@pytest.mark.django_db
def test_the_mentor_sees_the_goal_in_force(goal, grace) -> None:
    client = Client()
    client.force_login(grace)
    dashboard = client.get("/mentor/").content.decode()
    assert '<span class="mentee-goal">Analyst · 9 h a week · by 1 Jun 2027</span>' in dashboard
    finish = timezone.localdate() + dt.timedelta(days=2)  # 2 h at 9 h a week: 1.6 days
    assert f'On track</span> <span class="muted">finish ~{finish:%-d %b %Y}</span>' in dashboard
    page = client.get("/mentor/alice/").content.decode()
    assert "<strong>Goal:</strong> Analyst, 9 h a week, by 1 Jun 2027." in page
    rows = list(csv.reader(io.StringIO(client.get("/mentor/export.csv").content.decode())))
    # No history yet: the 9 h a week stand in for a pace; one 2 h skill, done in a week.
    assert rows[1][9:14] == ["Analyst", "9", "2027-06-01", finish.isoformat(), "0"]


@pytest.mark.django_db
def test_a_mentee_without_a_goal_says_so(catalog, alice, mentored, grace) -> None:
    client = Client()
    client.force_login(grace)
    assert "No goal set yet." in client.get("/mentor/alice/").content.decode()
    assert "mentee-goal" not in client.get("/mentor/").content.decode()
