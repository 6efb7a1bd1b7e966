"""A catalog several times today's size, for search benchmarks: copies of every skill.

    DATABASE_URL=... .venv/bin/python tools/bench/synthetic_catalog.py --scale 10

Run it after `manage.py load_curriculum` (or seed_demo). Copy k of a skill ("pandas (2)",
slug `pandas-copy-2`) sits in the same track after the originals, with the skill's
summary, aliases, resources and its prerequisites among copy k, so the catalog's text,
and so the search index, grows k times with the vocabulary of a real curriculum. The
twelve tracks stay twelve: a bigger curriculum has more skills per area, not more areas.
Copies are published, so track pages grow too.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ORDER_STEP = 1000  # copy k of a skill is ordered at k * 1000 + its order: after the originals


def grow_catalog(scale: int) -> int:
    """Add copies 2..scale of every skill of the file; returns the skills added."""
    from django.db import transaction

    from catalog.models import Prerequisite, Resource, Skill
    from catalog.snapshot import bump_catalog_version

    skills = list(Skill.objects.exclude(slug__contains="-copy-").order_by("pk"))
    resources = list(Resource.objects.filter(skill__in=skills).order_by("pk"))
    links = list(Prerequisite.objects.filter(skill__in=skills, requires__in=skills))
    existing = set(Skill.objects.filter(slug__contains="-copy-").values_list("slug", flat=True))
    added = 0
    with transaction.atomic():
        for k in range(2, scale + 1):
            copies = {}
            for skill in skills:
                slug = f"{skill.slug}-copy-{k}"
                if slug in existing:
                    continue
                copies[skill.pk] = Skill.objects.create(
                    track_id=skill.track_id,
                    slug=slug,
                    title=f"{skill.title} ({k})",
                    summary=skill.summary,
                    level=skill.level,
                    hours=skill.hours,
                    order=k * ORDER_STEP + skill.order,
                    aliases=skill.aliases,
                    is_published=skill.is_published,
                )
            Resource.objects.bulk_create(
                Resource(
                    skill=copies[r.skill_id],
                    title=r.title,
                    key=r.key,
                    section=r.section,
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
