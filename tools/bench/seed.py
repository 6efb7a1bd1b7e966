#!/usr/bin/env python
"""Add synthetic learners and mentors to a database, for benchmarks and load tests.

    .venv/bin/python tools/bench/seed.py --learners 10000 --mentors 200

Run `manage.py seed_demo` first (the curriculum and the demo accounts); this adds
learners with months of history and projects, and mentors of 50 each (synthetic.py).
The database is the one DATABASE_URL names, as for manage.py.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--learners", type=int, required=True)
    parser.add_argument("--mentors", type=int, default=0, help="50 mentees each")
    parser.add_argument("--password", default="gradient-demo")
    options = parser.parse_args()
    if options.learners < 0 or options.mentors < 0:
        sys.exit("--learners and --mentors must be 0 or more.")

    import django

    django.setup()
    from tqdm import tqdm

    from tools.bench.synthetic import generate

    started = time.monotonic()
    with tqdm(total=options.learners, unit="learner", file=sys.stderr, disable=None) as bar:
        report = generate(
            learners=options.learners,
            mentors=options.mentors,
            password=options.password,
            progress=bar.update,
        )
    print(f"Added {report} in {time.monotonic() - started:.0f} s.")


if __name__ == "__main__":
    main()
