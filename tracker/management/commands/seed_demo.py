from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.curriculum import CurriculumError, load_curriculum
from tracker.demo import (
    ACCOUNTS,
    DEFAULT_PASSWORD,
    ensure_demo_users,
    seed_goals,
    seed_history,
    seed_mentoring,
    seed_projects,
)


class Command(BaseCommand):
    help = (
        "Load the curriculum and create the demo accounts (idempotent). Synthetic learners "
        "for benchmarks come from tools/bench/seed.py."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"password for every demo account (default: {DEFAULT_PASSWORD})",
        )

    def handle(self, *args: object, password: str, **options: object) -> None:
        try:
            report = load_curriculum()
        except CurriculumError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"Curriculum: {report}")
        users = ensure_demo_users(password=password)
        seed_history(user=users["ada"], hours_per_week=9, learning=2, skipped=4, days=150,
                     seed=1, known=30)  # fmt: skip
        seed_history(user=users["alan"], hours_per_week=6, learning=1, skipped=0, days=3, seed=2)
        seed_projects(user=users["ada"])
        seed_goals(users=users)
        seed_mentoring(users=users, password=password)
        self.stdout.write(self.style.SUCCESS("Demo accounts (username / password):"))
        for account in ACCOUNTS:
            self.stdout.write(f"  {account.username:<6} / {password:<14} {account.role}")
        self.stdout.write(f"  {'linus':<6} / {password:<14} a former mentor of ada (revoked)")
