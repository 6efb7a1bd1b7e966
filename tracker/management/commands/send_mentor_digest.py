from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker.mentoring.digest import send_mentor_digests


class Command(BaseCommand):
    help = (
        "Email each mentor a weekly digest of their mentees' progress. Quiet except one "
        "summary line, so it suits cron; exits 1 if any mail failed to send."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="ignore the once-a-week rule (still skips mentors with nothing to report)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="list who would get what; send nothing and record nothing",
        )

    def handle(self, *args: object, force: bool, dry_run: bool, **options: object) -> None:
        report = send_mentor_digests(force=force, dry_run=dry_run)
        if dry_run:
            for digest in report.digests:
                mentees = "; ".join(m.describe() for m in digest.mentees)
                self.stdout.write(f"{digest.mentor.email} ({digest.mentor.username}): {mentees}")
        for mentor, error in report.failures:
            self.stderr.write(f"Failed to send to {mentor.email} ({mentor.username}): {error}")
        self.stdout.write(str(report))
        if report.failed:
            plural = "" if report.failed == 1 else "s"
            raise CommandError(f"{report.failed} digest{plural} failed to send", returncode=1)
