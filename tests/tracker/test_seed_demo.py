import pytest
from django.core.management import call_command

from catalog.models import Skill
from tracker.models import User


@pytest.mark.django_db
def test_it_loads_the_catalog_and_demo_accounts_idempotently(capsys) -> None:
    call_command("seed_demo", password="demo-password-1")
    call_command("seed_demo", password="demo-password-1")
    out = capsys.readouterr().out
    assert set(User.objects.values_list("username", flat=True)) == {"admin", "ada", "alan", "grace"}
    assert User.objects.get(username="admin").is_staff
    assert not User.objects.get(username="ada").is_staff
    assert User.objects.get(username="grace").check_password("demo-password-1")
    assert Skill.objects.published().count() >= 90
    assert "ada" in out and "demo-password-1" in out
