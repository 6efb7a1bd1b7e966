"""Demo accounts and data for `manage.py seed_demo`: idempotent, safe to run again."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from catalog.models import Skill
from catalog.snapshot import build_catalog

from .models import ProgressEvent, User
from .services import progress_save_note, progress_set_status

DEFAULT_PASSWORD = "gradient-demo"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    first_name: str
    last_name: str
    is_staff: bool = False


ACCOUNTS = [
    DemoAccount("admin", "staff: curates the catalog in /admin/", "Ada", "Admin", is_staff=True),
    DemoAccount("ada", "learner with months of history", "Ada", "Lovelace"),
    DemoAccount("alan", "learner who has just started", "Alan", "Turing"),
    DemoAccount("grace", "mentor", "Grace", "Hopper"),
]


@transaction.atomic
def ensure_demo_users(*, password: str = DEFAULT_PASSWORD) -> dict[str, User]:
    """Create or refresh the demo accounts, each with a verified email address."""
    users: dict[str, User] = {}
    for account in ACCOUNTS:
        email = f"{account.username}@example.com"
        user, _ = User.objects.get_or_create(
            username=account.username,
            defaults={"email": email},
        )
        user.email = email
        user.first_name = account.first_name
        user.last_name = account.last_name
        user.is_staff = user.is_superuser = account.is_staff
        user.set_password(password)
        user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        users[account.username] = user
    return users


NOTES = [
    "**Key idea:** {title} is easier once you write the pieces out by hand.\n\n"
    "- Re-derive the main result from scratch\n- Try it on a small dataset\n",
    "Worked through the first resource. Still fuzzy on the edge cases; revisit next week.",
    "Good summary to come back to:\n\n1. What problem it solves\n2. When *not* to use it\n"
    "3. How to check it worked",
]


@transaction.atomic
def seed_history(
    *, user: User, share_done: float, learning: int, skipped: int, days: int, seed: int
) -> bool:
    """Give a demo learner a believable past, in curriculum order, once.

    Returns False (and changes nothing) if the learner already has a history.
    """
    if ProgressEvent.objects.filter(user=user).exists():
        return False
    rng = random.Random(seed)
    catalog = build_catalog()
    order = list(catalog.order)
    n_done = round(len(order) * share_done)
    now = timezone.now()
    # Completions spread over the period, denser lately, on some days several at once.
    offsets = sorted((rng.triangular(0, days, 0) for _ in range(n_done)), reverse=True)
    done_ids: set[int] = set()
    for offset in offsets:
        # The first skill ready in each track; a learner mixes the early tracks.
        ready: dict[int, int] = {}
        for pk in order:
            node = catalog.skills[pk]
            if pk not in done_ids and all(req in done_ids for req in node.prerequisites):
                ready.setdefault(node.track_id, pk)
        if not ready:
            break
        skill_id = rng.choice(list(ready.values())[:4])
        finished = now - dt.timedelta(days=offset, hours=rng.uniform(0, 8))
        started = finished - dt.timedelta(days=rng.uniform(0.5, 9))
        progress_set_status(user=user, skill_id=skill_id, status="learning", now=started)
        progress_set_status(user=user, skill_id=skill_id, status="done", now=finished)
        done_ids.add(skill_id)
    rest = [pk for pk in order if pk not in done_ids]
    for i, skill_id in enumerate(rest[:learning]):
        started = now - dt.timedelta(days=rng.uniform(0.2, 12), hours=i)
        progress_set_status(user=user, skill_id=skill_id, status="learning", now=started)
    for skill_id in rng.sample(rest[learning:], min(skipped, len(rest) - learning)):
        when = now - dt.timedelta(days=rng.uniform(1, days))
        progress_set_status(user=user, skill_id=skill_id, status="skipped", now=when)
    for i, skill_id in enumerate(sorted(done_ids)[:: max(1, len(done_ids) // 6)]):
        title = catalog.skills[skill_id].title
        progress_save_note(
            user=user, skill=Skill(pk=skill_id), note=NOTES[i % len(NOTES)].format(title=title)
        )
    return True
