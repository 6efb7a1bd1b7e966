"""What tests build their data with: users, a small catalog, and form data as a browser
sends our forms. Tests import these from here; fixtures live in tests/conftest.py."""

from __future__ import annotations

import uuid
from typing import Any

from catalog.models import Resource, Skill, Track
from catalog.snapshot import forget_catalog
from tracker.models import User

PASSWORD = "correct-horse-battery"


def make_user(username: str, **extra: object) -> User:
    return User.objects.create_user(
        username=username, email=f"{username}@example.com", password=PASSWORD, **extra
    )


def make_catalog(tracks: int = 2, skills_per_track: int = 3) -> list[Skill]:
    """A small catalog: each skill requires the one before it in its track.

    Track numbers continue after existing tracks, so it can be called again to grow it.
    """
    skills = []
    first = Track.objects.count() + 1
    for t in range(first, first + tracks):
        track = Track.objects.create(slug=f"track-{t}", title=f"Track {t}", order=t)
        previous = None
        for s in range(1, skills_per_track + 1):
            skill = Skill.objects.create(
                track=track,
                slug=f"skill-{t}-{s}",
                title=f"Skill {t}.{s}",
                summary=f"Summary of skill {t}.{s}. It matters.",
                hours=s * 2,
                order=s,
            )
            Resource.objects.create(
                skill=skill,
                title=f"Docs for {t}.{s}",
                url=f"https://example.org/{t}/{s}",
                kind=Resource.Kind.DOCS,
                minutes=30,
            )
            if previous:
                skill.prerequisites.add(previous)
            previous = skill
            skills.append(skill)
    forget_catalog()
    return skills


def as_sent(data: dict | None = None, **more: object) -> dict:
    """Form data as a browser sends our forms: with the hidden marker that the form came
    whole and a fresh one-time key (tracker/formtools.py); forms without them ignore them."""
    return {"sent": "1", "submission": str(uuid.uuid4()), **(data or {}), **more}


def project_fields(**changes: Any) -> dict[str, Any]:
    """Every field of the project form, valid, with one metric row, no collaborators and
    no images; `changes` override (None drops a field)."""
    data: dict[str, Any] = {
        "title": "MNIST",
        "kind": "personal",
        "summary": "Digits.",
        **dict.fromkeys(
            [
                "problem",
                "data_source",
                "data_size",
                "data_licence",
                "data_url",
                "approach",
                "results",
                "repository_url",
                "demo_url",
                "started_on",
                "finished_on",
            ],
            "",
        ),  # fmt: skip
        "visibility": "private",
        "metrics-TOTAL_FORMS": "1",
        "metrics-INITIAL_FORMS": "0",
        "metrics-MIN_NUM_FORMS": "0",
        "metrics-MAX_NUM_FORMS": "20",
        "metrics-0-id": "",
        "metrics-0-name": "accuracy",
        "metrics-0-split": "test",
        "metrics-0-value": "0.97",
        "metrics-0-baseline": "",
        "metrics-0-better": "",
        "collaborators-TOTAL_FORMS": "0",
        "collaborators-INITIAL_FORMS": "0",
        "collaborators-MIN_NUM_FORMS": "0",
        "collaborators-MAX_NUM_FORMS": "20",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
        "image_1_caption": "",
        "image_2_caption": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def new_project_form(**changes: object) -> dict:
    """The new-project form as a browser sends it: every field, one metric row, no
    collaborators, the marker and a fresh one-time key."""
    return as_sent(project_fields(), **changes)


def new_images(*files: Any, captions: tuple[str, ...] = ()) -> dict[str, Any]:
    """The project form's new-image slots filled with `files`, in order, each with its
    caption (by default "Chart 1", "Chart 2"…)."""
    data: dict[str, Any] = {}
    for n, upload in enumerate(files, start=1):
        data[f"image_{n}"] = upload
        data[f"image_{n}_caption"] = captions[n - 1] if n <= len(captions) else f"Chart {n}"
    return data
