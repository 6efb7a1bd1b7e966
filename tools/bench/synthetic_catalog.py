"""A catalog several times today's size, for search benchmarks: copies of every track.

    DATABASE_URL=... .venv/bin/python tools/bench/synthetic_catalog.py --scale 10

Run it after `manage.py load_curriculum` (or seed_demo). Copy k of a track is a new track
("Data (copy 2)") with copies of its skills, their prerequisites within the copy, aliases
and resources, so the catalog's text, and so the search index, grows k times with the
vocabulary of a real curriculum. Copies are published: pages listing tracks grow too.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def grow_catalog(scale: int) -> int:
    """Add copies 2..scale of every track made from the file; returns skills added."""
    from django.db import transaction

    from catalog.models import Prerequisite, Resource, Skill, Track
    from catalog.snapshot import bump_catalog_version

    originals = list(Track.objects.exclude(slug__contains="-copy-").order_by("order"))
    skills = list(Skill.objects.filter(track__in=originals).order_by("pk"))
    resources = list(Resource.objects.filter(skill__in=skills).order_by("pk"))
    links = list(Prerequisite.objects.filter(skill__in=skills, requires__in=skills))
    existing = set(Track.objects.values_list("slug", flat=True))
    added = 0
    top = max((t.order for t in Track.objects.all()), default=0)
    with transaction.atomic():
        for k in range(2, scale + 1):
            tracks = {}
            for track in originals:
                slug = f"{track.slug}-copy-{k}"
                if slug in existing:
                    continue
                top += 1
                tracks[track.pk] = Track.objects.create(
                    slug=slug, title=f"{track.title} (copy {k})", summary=track.summary, order=top
                )
            copies = {}
            for skill in skills:
                if skill.track_id not in tracks:
                    continue
                copies[skill.pk] = Skill.objects.create(
                    track=tracks[skill.track_id],
                    slug=f"{skill.slug}-copy-{k}",
                    title=f"{skill.title} ({k})",
                    summary=skill.summary,
                    level=skill.level,
                    hours=skill.hours,
                    order=skill.order,
                    aliases=skill.aliases,
                    is_published=skill.is_published,
                )
            Resource.objects.bulk_create(
                Resource(
                    skill=copies[r.skill_id],
                    title=r.title,
                    url=r.url,
                    kind=r.kind,
                    is_free=r.is_free,
                    minutes=r.minutes,
                    author=r.author,
                    provider=r.provider,
                    order=r.order,
                )
                for r in resources
                if r.skill_id in copies
            )
            Prerequisite.objects.bulk_create(
                Prerequisite(skill=copies[p.skill_id], requires=copies[p.requires_id])
                for p in links
                if p.skill_id in copies
            )
            added += len(copies)
        bump_catalog_version()
    return added


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=10, help="times today's catalog")
    options = parser.parse_args()
    if options.scale < 1:
        sys.exit("--scale must be 1 or more.")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    print(f"Added {grow_catalog(options.scale)} skills.")


if __name__ == "__main__":
    main()
