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
from .progress.services import (
    goal_set,
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
    is_staff: bool = False


ACCOUNTS = [
    DemoAccount("admin", "staff: curates the catalog in /admin/", "Ada", "Admin", is_staff=True),
    DemoAccount("ada", "learner with months of history", "Ada", "Lovelace"),
    DemoAccount("alan", "learner who has just started", "Alan", "Turing"),
    DemoAccount("grace", "mentor of ada and alan", "Grace", "Hopper"),
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
    "- Re-derive the main result from scratch\n- Try it on a small dataset\n\n"
    "The step every optimiser takes, with learning rate $\\eta$:\n\n"
    "$$\\theta_{{t+1}} = \\theta_t - \\eta \\, \\nabla_\\theta \\mathcal{{L}}(\\theta_t)$$\n",
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
            ("accuracy", "test", 0.991, 0.925),
            ("F1 (macro)", "test", 0.990, 0.923),
            ("accuracy", "train", 0.998, 0.933),
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
        "metrics": [("RMSE (log)", "cv", 0.121, 0.182), ("RMSE (log)", "test", 0.125, 0.186)],
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
        "metrics": [("AUC", "test", 0.84, 0.71), ("recall at 20%", "test", 0.52, 0.31)],
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
        "metrics": [("mean reward", "validation", 412.0, 22.0)],
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
        for order, (name, split, value, baseline) in enumerate(spec["metrics"]):
            Metric.objects.create(
                project=project, name=name, split=split, value=value, baseline=baseline, order=order
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
    linus, _ = User.objects.get_or_create(
        username="linus",
        defaults={"email": "linus@example.com", "first_name": "Linus", "last_name": "Torvalds"},
    )
    linus.set_password(password)
    linus.save()
    EmailAddress.objects.update_or_create(
        user=linus, email="linus@example.com", defaults={"verified": True, "primary": True}
    )
    ada, alan, grace = users["ada"], users["alan"], users["grace"]
    for learner in (ada, alan):
        Mentorship.objects.get_or_create(
            learner=learner, mentor=grace, state=Mentorship.State.ACTIVE,
            defaults={"share_notes": learner == ada},
        )  # fmt: skip
    if not Mentorship.objects.filter(learner=ada, mentor=linus).exists():
        Mentorship.objects.create(
            learner=ada,
            mentor=linus,
            state=Mentorship.State.REVOKED,
            revoked_at=timezone.now() - dt.timedelta(days=40),
        )
    project = Project.objects.filter(owner=ada, title=DEMO_PROJECTS[1]["title"]).first()
    if project and not Feedback.objects.filter(learner=ada, mentor=grace).exists():
        for author, body in [
            (grace, "Strong write-up. Did you check the **log-transform** on the residuals? "
                    "A plot of residuals against predictions would make the case."),
            (ada, "Good point: I'll add the residual plot this week."),
            (grace, "Looking forward to it. Also try target encoding for the neighbourhood."),
        ]:  # fmt: skip
            Feedback.objects.create(
                learner=ada, mentor=grace, author=author, project=project, body=body
            )
    verified = Progress.objects.filter(user=ada, status="done", verified_by__isnull=True)
    first = verified.filter(skill__slug="feature-engineering").first() or verified.first()
    if first and not Progress.objects.filter(user=ada, verified_by=grace).exists():
        first.verified_by, first.verified_at = grace, timezone.now() - dt.timedelta(days=3)
        first.save(update_fields=["verified_by", "verified_at"])


def seed_goals(*, users: dict[str, User]) -> None:
    """ada aims at ML engineer, 10 h a week, by a date about eight months away, set when
    she began; alan set data scientist a few days ago. Once each."""
    paths = {p.slug: p for p in LearningPath.objects.all()}
    now = timezone.now()
    plans = [
        ("ada", "ml-engineer", 10, 240, 150, "Europe/London"),
        ("alan", "data-scientist", 6, None, 3, "America/New_York"),
    ]
    for username, slug, hours, months_ahead, days_ago, zone in plans:
        user = users[username]
        if Goal.objects.filter(user=user).exists() or slug not in paths:
            continue
        goal_set(
            user=user,
            path_id=paths[slug].pk,
            hours_per_week=hours,
            target_date=(now + dt.timedelta(days=months_ahead)).date() if months_ahead else None,
            time_zone=zone,
            now=now - dt.timedelta(days=days_ago),
        )
