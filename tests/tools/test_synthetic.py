"""The benchmark's data generator (tools/bench/synthetic.py)."""

import pytest
from django.core.management import call_command

from tools.bench.synthetic import generate
from tracker.models import Metric, Progress, ProgressEvent, User

pytestmark = pytest.mark.slow  # the whole curriculum and thousands of rows


@pytest.mark.django_db
def test_the_generator_adds_synthetic_learners_and_mentors() -> None:
    from django.db.models import Count
    from django.utils import timezone

    call_command("seed_demo")
    report = generate(learners=60, mentors=2, password="x")
    learners = User.objects.filter(username__startswith="learner")
    assert learners.count() == 60
    mentors = User.objects.filter(username__startswith="mentor")
    assert mentors.count() == 2
    assert max(m.n for m in mentors.annotate(n=Count("mentees"))) == 50
    events = ProgressEvent.objects.filter(user__in=learners)
    assert events.count() > 60 * 20  # months of history each, on average
    assert not events.filter(created_at__gt=timezone.now()).exists()
    # Every progress row is where its last event left it.
    for progress in Progress.objects.filter(user__in=learners[:10]):
        last = events.filter(user=progress.user_id, skill=progress.skill_id).first()
        assert last.to_status == progress.status
    assert Metric.objects.filter(project__owner__in=learners).exists()
    # Most have a goal, as learners of the app would (the plan is part of the mix).
    with_goal = learners.filter(goals__isnull=False).distinct().count()
    assert 20 <= with_goal <= 50
    assert set(events.values_list("kind", flat=True)) == {"status"}
    assert str(report).startswith("60 learners, 2 mentors")
    generate(learners=5, mentors=0, password="x")  # adds more, after the ones that exist
    assert User.objects.filter(username__startswith="learner").count() == 65


@pytest.mark.django_db
def test_the_catalog_grows_by_copies_that_search_finds(client) -> None:
    from catalog.curriculum import load_curriculum
    from catalog.models import Resource, Skill, Track
    from catalog.snapshot import forget_catalog
    from tools.bench.synthetic_catalog import grow_catalog

    load_curriculum()
    skills, tracks, resources = (m.objects.count() for m in (Skill, Track, Resource))
    assert grow_catalog(3) == 2 * skills
    assert (Skill.objects.count(), Track.objects.count(), Resource.objects.count()) == (
        3 * skills,
        tracks,
        3 * resources,
    )
    assert grow_catalog(3) == 0  # copies that exist are not made again
    forget_catalog()
    html = client.get("/catalog/", {"q": "pandas"}).content.decode()
    for slug in ["pandas", "pandas-copy-2", "pandas-copy-3"]:
        assert f'href="/skills/{slug}/"' in html
