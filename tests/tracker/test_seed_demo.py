import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.models import Skill
from catalog.snapshot import build_catalog
from tracker.models import (
    Feedback,
    Mentorship,
    Metric,
    Progress,
    ProgressEvent,
    Project,
    ProjectImage,
    User,
)
from tracker.progress import plan
from tracker.progress.plan import Plan

pytestmark = pytest.mark.slow  # the whole curriculum and the demo accounts


def plan_of(user: User) -> Plan:
    statuses, known = plan.progress_states(user)
    facts = plan.facts_from(statuses, known, plan.status_events(user), plan.goal_rows(user))
    found = plan.build_plan(facts, build_catalog(), now=timezone.now())
    assert found is not None
    return found


@pytest.mark.django_db
def test_it_loads_the_catalog_and_demo_accounts_idempotently(capsys) -> None:
    call_command("seed_demo", password="demo-password-1")
    call_command("seed_demo", password="demo-password-1")
    out = capsys.readouterr().out
    assert set(User.objects.values_list("username", flat=True)) == {
        "admin", "ada", "alan", "grace", "linus"
    }  # fmt: skip
    assert User.objects.get(username="admin").is_staff
    assert not User.objects.get(username="ada").is_staff
    assert User.objects.get(username="grace").check_password("demo-password-1")
    assert Skill.objects.published().count() >= 90
    assert "ada" in out and "demo-password-1" in out
    ada = User.objects.get(username="ada")
    # ada knew 30 skills when she began five months ago and has worked at about 9 h a
    # week since: a little slower than the 10 h of her goal, so she is slightly behind.
    known = Progress.objects.filter(user=ada, status="done", known_before=True).count()
    worked = Progress.objects.filter(user=ada, status="done", known_before=False).count()
    assert known == 30 and 5 <= worked <= 20
    assert Progress.objects.filter(user=ada, status="learning").exists()
    assert ProgressEvent.objects.filter(user=ada, kind="status").count() >= 2 * worked
    ada_plan = plan_of(ada)
    assert 6 <= ada_plan.pace <= 12 and 1 <= ada_plan.weeks_behind <= 6
    assert ada_plan.streak >= 10
    alan_plan = plan_of(User.objects.get(username="alan"))
    assert alan_plan.pace is None  # three days of history: his 6 h a week stand in
    assert alan_plan.required_done >= len(alan_plan.path.stages[0].steps) // 2
    assert Progress.objects.filter(user=ada).exclude(note="").exists()
    alan_known = Progress.objects.filter(user__username="alan", known_before=True).count()
    assert 0 < alan_known < 20
    visibilities = sorted(Project.objects.filter(owner=ada).values_list("visibility", flat=True))
    assert visibilities == ["mentors", "private", "public", "public"]
    assert ProjectImage.objects.filter(project__owner=ada).exists()
    assert Metric.objects.filter(project__owner=ada).count() >= 4
    active = Mentorship.objects.filter(mentor__username="grace", state="active")
    assert sorted(active.values_list("learner__username", flat=True)) == ["ada", "alan"]
    assert Mentorship.objects.filter(mentor__username="linus", state="revoked").exists()
    assert Feedback.objects.filter(learner=ada, author=ada).exists()  # a reply in a thread
    assert Progress.objects.filter(user=ada, verified_by__username="grace").exists()


@pytest.mark.django_db
def test_demo_dates_agree() -> None:
    """Nobody acts before joining; a mentorship starts before it ends; the admin is not
    greeted as Ada."""
    call_command("seed_demo", password="demo-password-1")
    users = {u.username: u for u in User.objects.all()}
    assert users["admin"].first_name != "Ada"
    for user in users.values():
        first = ProgressEvent.objects.filter(user=user).order_by("created_at").first()
        assert first is None or first.created_at >= user.date_joined, user.username
    for link in Mentorship.objects.all():
        assert link.created_at >= max(link.learner.date_joined, link.mentor.date_joined)
        assert link.revoked_at is None or link.revoked_at > link.created_at
    ada_grace = Mentorship.objects.get(learner__username="ada", mentor__username="grace")
    assert (timezone.now() - ada_grace.created_at).days >= 60  # not "since today"
    for item in Feedback.objects.all():
        assert item.created_at >= ada_grace.created_at
