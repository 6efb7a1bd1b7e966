"""Demo accounts and data for `manage.py seed_demo`: idempotent, safe to run again."""

from __future__ import annotations

import datetime as dt
import io
import math
import random
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from catalog.models import LearningPath, Skill
from catalog.snapshot import build_catalog

from .mentoring.services import progress_verify
from .models import (
    Collaborator,
    Feedback,
    Goal,
    Mentorship,
    Metric,
    Progress,
    ProgressEvent,
    Project,
    ProjectImage,
    User,
)
from .portfolio.images import process_image
from .progress import plan
from .progress.services import (
    goal_set,
    progress_mark_known,
    progress_save_note,
    progress_set_status,
    resource_mark_used,
)

DEFAULT_PASSWORD = "gradient-demo"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    first_name: str
    last_name: str
    joined_days_ago: int  # demo dates agree: nobody did anything before joining
    is_staff: bool = False


ACCOUNTS = [
    DemoAccount(
        "admin",
        "staff: curates the catalog in /admin/",
        "Margaret",
        "Hamilton",
        joined_days_ago=400,
        is_staff=True,
    ),
    DemoAccount("ada", "learner with months of history", "Ada", "Lovelace", joined_days_ago=151),
    DemoAccount("alan", "learner who has just started", "Alan", "Turing", joined_days_ago=3),
    DemoAccount("grace", "mentor of ada and alan", "Grace", "Hopper", joined_days_ago=200),
]


@transaction.atomic
def ensure_demo_users(*, password: str = DEFAULT_PASSWORD) -> dict[str, User]:
    """Create or refresh the demo accounts, each with a verified email address."""
    users: dict[str, User] = {}
    for account in ACCOUNTS:
        email = f"{account.username}@example.com"
        joined = timezone.now() - dt.timedelta(days=account.joined_days_ago, hours=2)
        user, _ = User.objects.get_or_create(
            username=account.username,
            defaults={"email": email, "date_joined": joined},
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
    "- Re-derive the main result from scratch\n- Try it on a small dataset\n\n"
    "The step every optimiser takes, with learning rate $\\eta$:\n\n"
    "$$\\theta_{{t+1}} = \\theta_t - \\eta \\, \\nabla_\\theta \\mathcal{{L}}(\\theta_t)$$\n",
    "Worked through the first resource. Still fuzzy on the edge cases; revisit next week.",
    "Good summary to come back to:\n\n1. What problem it solves\n2. When *not* to use it\n"
    "3. How to check it worked",
]


@transaction.atomic
def seed_history(
    *,
    user: User,
    hours_per_week: float,
    learning: int,
    skipped: int,
    days: int,
    seed: int,
    known: int = 0,
) -> bool:
    """Give a demo learner a believable past, once: `known` skills marked as known
    before on the first day, then skills worked through one after another at about
    `hours_per_week`, each begun when the one before was done, the first ready skill
    of one of the early tracks each time.

    Returns False (and changes nothing) if the learner already has a history.
    """
    if ProgressEvent.objects.filter(user=user).exists():
        return False
    rng = random.Random(seed)
    catalog = build_catalog()
    order = list(catalog.order)
    now = timezone.now()
    begun = now - dt.timedelta(days=days)
    done_ids: set[int] = set()

    def ready_one() -> int | None:
        ready: dict[int, int] = {}
        for pk in order:
            node = catalog.skills[pk]
            if pk not in done_ids and all(req in done_ids for req in node.prerequisites):
                ready.setdefault(node.track_id, pk)
        return rng.choice(list(ready.values())[:4]) if ready else None

    placement: list[int] = []
    while len(placement) < known and (skill_id := ready_one()) is not None:
        placement.append(skill_id)
        done_ids.add(skill_id)
    if placement:
        progress_mark_known(user=user, skill_ids=placement, now=begun)
    started = begun + dt.timedelta(hours=rng.uniform(1, 30))
    while (skill_id := ready_one()) is not None:
        # Some weeks go better than others.
        weeks = catalog.skills[skill_id].hours / (hours_per_week * rng.uniform(0.75, 1.25))
        finished = started + dt.timedelta(weeks=weeks)
        if finished > now:
            break
        progress_set_status(user=user, skill_id=skill_id, status="learning", now=started)
        progress_set_status(user=user, skill_id=skill_id, status="done", now=finished)
        done_ids.add(skill_id)
        started = finished + dt.timedelta(hours=rng.uniform(2, 40))
    # What is under way now: the skill the loop stopped on, and others ready.
    in_hand: list[int] = []
    while len(in_hand) < learning and (skill_id := ready_one()) is not None:
        in_hand.append(skill_id)
        done_ids.add(skill_id)  # only so that ready_one moves on
    for i, skill_id in enumerate(in_hand):
        when = min(now, started) - dt.timedelta(days=3 * i, hours=rng.uniform(0, 12))
        progress_set_status(user=user, skill_id=skill_id, status="learning", now=when)
    rest = [pk for pk in order if pk not in done_ids]
    done_ids.difference_update(placement)
    done_ids.difference_update(in_hand)
    for skill_id in rng.sample(rest, min(skipped, len(rest))):
        when = now - dt.timedelta(days=rng.uniform(0, days))
        progress_set_status(user=user, skill_id=skill_id, status="skipped", now=when)
    for i, skill_id in enumerate(sorted(done_ids)[:: max(1, len(done_ids) // 6)]):
        title = catalog.skills[skill_id].title
        progress_save_note(
            user=user, skill_id=skill_id, note=NOTES[i % len(NOTES)].format(title=title)
        )
    for skill_id in done_ids:  # the resource each skill was learned from
        for resource in catalog.skills[skill_id].resources[:1]:
            resource_mark_used(user=user, resource_id=resource.id, used=True)
    return True


def _chart_png(seed: int, title: str) -> ContentFile:
    """A small learning-curve chart drawn with Pillow: train and validation loss."""
    rng = random.Random(seed)
    width, height, pad = 800, 450, 60
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([pad, pad, width - pad, height - pad], outline="#c7c9d9")
    for i in range(1, 5):
        y = pad + i * (height - 2 * pad) / 5
        draw.line([pad, y, width - pad, y], fill="#eceef5")
    draw.text((pad, 20), title, fill="#1c1e2e")
    for colour, floor, noise in (("#6d28d9", 0.15, 0.01), ("#f59e0b", 0.3, 0.03)):
        points = []
        for step in range(40):
            loss = floor + 0.9 * math.exp(-step / 8) + rng.uniform(-noise, noise)
            x = pad + step * (width - 2 * pad) / 39
            y = height - pad - (1 - min(loss, 1)) * (height - 2 * pad)
            points.append((x, y))
        draw.line(points, fill=colour, width=4, joint="curve")
    draw.text((width - pad - 150, pad + 10), "train", fill="#6d28d9")
    draw.text((width - pad - 150, pad + 28), "validation", fill="#f59e0b")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="chart.png")


DEMO_PROJECTS: list[dict[str, Any]] = [
    {
        "title": "Handwritten digit classifier",
        "kind": Project.Kind.COURSE,
        "visibility": Project.Visibility.PUBLIC,
        "summary": "A small convolutional network for MNIST, from a logistic-regression "
        "baseline to 99% test accuracy.",
        "problem": "Recognise handwritten digits from 28×28 grey-scale images.",
        "data_source": "MNIST",
        "data_size": "70,000 images, 28×28",
        "data_licence": "CC BY-SA 3.0",
        "data_url": "https://yann.lecun.com/exdb/mnist/",
        "approach": "Started from **logistic regression** as a baseline, then a two-layer "
        "CNN in PyTorch with dropout; early stopping on a validation split.",
        "results": "The CNN reaches 99.1% test accuracy. Most errors are 4↔9 and 3↔5.",
        "repository_url": "https://github.com/ada-demo/mnist-cnn",
        "metrics": [
            ("accuracy", "test", "0.991", "0.925"),
            ("F1 (macro)", "test", "0.990", "0.923"),
            ("accuracy", "train", "0.998", "0.933"),
        ],
        "skills": ["pytorch", "convolutional-networks", "evaluation-metrics"],
        "collaborators": [],
        "image": "Training and validation loss",
    },
    {
        "title": "House prices: gradient boosting",
        "kind": Project.Kind.KAGGLE,
        "visibility": Project.Visibility.PUBLIC,
        "summary": "Kaggle's house-prices competition: feature engineering and gradient "
        "boosting, top 15% on the leaderboard.",
        "problem": "Predict sale prices of houses in Ames, Iowa from 79 features.",
        "data_source": "Kaggle: House Prices – Advanced Regression Techniques",
        "data_size": "1,460 training rows, 79 features",
        "data_url": "https://www.kaggle.com/c/house-prices-advanced-regression-techniques",
        "approach": "Log-transformed the target, imputed missing values per feature, "
        "one-hot encoded categoricals, tuned gradient boosting with 5-fold cross-validation.",
        "results": "RMSE on log prices of 0.121 in cross-validation.",
        "repository_url": "https://github.com/ada-demo/house-prices",
        "metrics": [
            ("RMSE (log)", "cv", "0.121", "0.182"),
            ("RMSE (log)", "test", "0.125", "0.186"),
        ],
        "skills": ["feature-engineering", "ensemble-methods", "cross-validation", "missing-values"],
        "collaborators": [("Alan Turing", "https://example.com/alan")],
        "image": "",
    },
    {
        "title": "Churn prediction for a subscription app",
        "kind": Project.Kind.INTERNSHIP,
        "visibility": Project.Visibility.MENTORS,
        "summary": "Internship project: predicting which subscribers cancel next month.",
        "problem": "Find customers likely to cancel, so the team can reach out first.",
        "data_source": "Company data (not shareable)",
        "data_size": "120,000 customers, 18 months",
        "approach": "Logistic regression and gradient boosting on usage features; "
        "time-based split to avoid leakage.",
        "results": "AUC 0.84 on the last month, against 0.71 for the rule of thumb in use.",
        "metrics": [("AUC", "test", "0.84", "0.71"), ("recall at 20%", "test", "0.52", "0.31")],
        "skills": ["logistic-regression", "held-out-data"],
        "collaborators": [("Data team at Acme", "")],
        "image": "",
    },
    {
        "title": "Reinforcement learning: CartPole notes",
        "kind": Project.Kind.PERSONAL,
        "visibility": Project.Visibility.PRIVATE,
        "summary": "Working notes while learning policy gradients on CartPole.",
        "problem": "Balance a pole on a cart; learn REINFORCE from scratch.",
        "approach": "REINFORCE with a baseline; still unstable.",
        "results": "Solves the task in about half the runs.",
        "metrics": [("mean reward", "validation", "412", "22", Metric.Better.HIGHER)],
        "skills": ["reinforcement-learning"],
        "collaborators": [],
        "image": "",
    },
]


@transaction.atomic
def seed_projects(*, user: User) -> int:
    """Ada's four demo projects (two public, one for mentors, one private), once each."""
    made = 0
    skills = {s.slug: s for s in Skill.objects.published()}
    for i, spec in enumerate(DEMO_PROJECTS):
        if Project.objects.filter(owner=user, title=spec["title"]).exists():
            continue
        fields = {
            k: v
            for k, v in spec.items()
            if k not in {"metrics", "skills", "collaborators", "image"}
        }
        today = timezone.localdate()
        project = Project.objects.create(
            owner=user,
            started_on=today - dt.timedelta(days=120 - 30 * i),
            finished_on=today - dt.timedelta(days=90 - 30 * i),
            **fields,
        )
        for order, (name, split, value, baseline, *better) in enumerate(spec["metrics"]):
            Metric.objects.create(
                project=project,
                name=name,
                split=split,
                value=value,
                baseline=baseline,
                better="".join(better),
                order=order,
            )
        for order, (name, url) in enumerate(spec["collaborators"]):
            Collaborator.objects.create(project=project, name=name, url=url, order=order)
        project.skills.set([skills[slug] for slug in spec["skills"] if slug in skills])
        if spec["image"]:
            processed = process_image(_chart_png(i, spec["image"]))
            image = ProjectImage(
                project=project,
                width=processed.width,
                height=processed.height,
                caption=spec["image"],
            )
            image.image.save(processed.content.name, processed.content, save=False)
            image.thumbnail.save(processed.thumbnail.name, processed.thumbnail, save=False)
            image.save()
        # Recorded when it was finished, not when the demo was seeded.
        written = timezone.now() - dt.timedelta(days=90 - 30 * i)
        Project.objects.filter(pk=project.pk).update(created_at=written, updated_at=written)
        made += 1
    if made:
        user.headline = user.headline or "Aspiring ML engineer: vision and tabular data"
        user.bio = user.bio or (
            "I moved from analytics into machine learning. I like **careful evaluation** "
            "and models that ship."
        )
        user.github_url = user.github_url or "https://github.com/ada-demo"
        user.show_progress = True
        user.save()
    return made


@transaction.atomic
def seed_mentoring(*, users: dict[str, User], password: str) -> None:
    """grace mentors ada and alan; linus mentored ada once and was revoked; a feedback
    thread and a verified skill. Idempotent."""
    now = timezone.now()
    linus, _ = User.objects.get_or_create(
        username="linus",
        defaults={"email": "linus@example.com", "first_name": "Linus", "last_name": "Torvalds",
                  "date_joined": now - dt.timedelta(days=300)},
    )  # fmt: skip
    linus.set_password(password)
    linus.save()
    EmailAddress.objects.update_or_create(
        user=linus, email="linus@example.com", defaults={"verified": True, "primary": True}
    )
    ada, alan, grace = users["ada"], users["alan"], users["grace"]
    # ada asked grace three months ago, after linus (her first mentor) stopped; alan asked
    # grace the day after he joined.
    for learner, days_ago in ((ada, 95), (alan, 2)):
        link, made = Mentorship.objects.get_or_create(
            learner=learner, mentor=grace, state=Mentorship.State.ACTIVE,
            defaults={"share_notes": learner == ada},
        )  # fmt: skip
        if made:
            Mentorship.objects.filter(pk=link.pk).update(
                created_at=now - dt.timedelta(days=days_ago)
            )
    if not Mentorship.objects.filter(learner=ada, mentor=linus).exists():
        link = Mentorship.objects.create(
            learner=ada,
            mentor=linus,
            state=Mentorship.State.REVOKED,
            revoked_at=now - dt.timedelta(days=100),
        )
        Mentorship.objects.filter(pk=link.pk).update(created_at=now - dt.timedelta(days=148))
    project = Project.objects.filter(owner=ada, title=DEMO_PROJECTS[1]["title"]).first()
    if project and not Feedback.objects.filter(learner=ada, mentor=grace).exists():
        days_ago = 5
        for author, body in [
            (grace, "Strong write-up. Did you check the **log-transform** on the residuals? "
                    "A plot of residuals against predictions would make the case."),
            (ada, "Good point: I'll add the residual plot this week."),
            (grace, "Looking forward to it. Also try target encoding for the neighbourhood."),
        ]:  # fmt: skip
            item = Feedback.objects.create(
                learner=ada, mentor=grace, author=author, project=project, body=body
            )
            days_ago -= 1  # a message a day, the last two days ago
            Feedback.objects.filter(pk=item.pk).update(created_at=now - dt.timedelta(days=days_ago))
    verified = Progress.objects.filter(
        user=ada, status="done", verified_by__isnull=True, known_before=False
    )
    first = verified.filter(skill__slug="feature-engineering").first() or verified.first()
    if first and not Progress.objects.filter(user=ada, verified_by=grace).exists():
        progress_verify(
            mentor=grace,
            learner=ada,
            skill_id=first.skill_id,
            comment="Checked against the house-prices project: the target encoding is sound.",
            now=timezone.now() - dt.timedelta(days=3),
        )


def seed_goals(*, users: dict[str, User]) -> None:
    """ada aims at ML engineer, 10 h a week, set when she began, by a date about three
    weeks before her pace would get her there (slightly behind); alan set data scientist
    a few days ago and marked its first stage as known. Once each."""
    paths = {p.slug: p for p in LearningPath.objects.all()}
    now = timezone.now()
    catalog = build_catalog()
    ada, alan = users["ada"], users["alan"]
    if not Goal.objects.filter(user=ada).exists() and "ml-engineer" in paths:
        path_id, set_at = paths["ml-engineer"].pk, now - dt.timedelta(days=150)
        statuses, known = plan.progress_states(ada)
        facts = plan.facts_from(
            statuses, known, plan.status_events(ada), [plan.GoalRow(path_id, 10, None, set_at)]
        )
        projected = plan.build_plan(facts, catalog, now=now, full=False)
        finish = projected.finish_at_pace if projected else None
        target = (finish or now.date() + dt.timedelta(days=240)) - dt.timedelta(weeks=3)
        goal_set(user=ada, path_id=path_id, hours_per_week=10, target_date=target,
                 time_zone="Europe/London", now=set_at)  # fmt: skip
    if not Goal.objects.filter(user=alan).exists() and "data-scientist" in paths:
        when = now - dt.timedelta(days=3)
        goal_set(user=alan, path_id=paths["data-scientist"].pk, hours_per_week=6,
                 target_date=None, time_zone="America/New_York", now=when)  # fmt: skip
        path = catalog.path(paths["data-scientist"].pk)
        if path is not None and path.stages:
            first_stage = [pk for pk, _ in path.stages[0].steps]
            progress_mark_known(user=alan, skill_ids=first_stage, now=when)
