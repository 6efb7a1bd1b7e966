import pytest
from django.core.management import call_command

from catalog.models import Skill
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

pytestmark = pytest.mark.slow  # the whole curriculum and the demo accounts


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
    done = Progress.objects.filter(user=ada, status="done").count()
    assert 0.35 < done / Skill.objects.published().count() < 0.45
    assert Progress.objects.filter(user=ada, status="learning").exists()
    assert ProgressEvent.objects.filter(user=ada).count() > 2 * done - 1
    assert Progress.objects.filter(user=ada).exclude(note="").exists()
    assert 0 < Progress.objects.filter(user__username="alan", status="done").count() < 15
    visibilities = sorted(Project.objects.filter(owner=ada).values_list("visibility", flat=True))
    assert visibilities == ["mentors", "private", "public", "public"]
    assert ProjectImage.objects.filter(project__owner=ada).exists()
    assert Metric.objects.filter(project__owner=ada).count() >= 4
    active = Mentorship.objects.filter(mentor__username="grace", state="active")
    assert sorted(active.values_list("learner__username", flat=True)) == ["ada", "alan"]
    assert Mentorship.objects.filter(mentor__username="linus", state="revoked").exists()
    assert Feedback.objects.filter(learner=ada, author=ada).exists()  # a reply in a thread
    assert Progress.objects.filter(user=ada, verified_by__username="grace").exists()
