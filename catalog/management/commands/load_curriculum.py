from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.curriculum import DEFAULT_PATH, CurriculumError, load_curriculum


class Command(BaseCommand):
    help = "Load the curriculum file into the catalog, idempotently, in one transaction."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", nargs="?", type=Path, default=DEFAULT_PATH, help="TOML curriculum file"
        )

    def handle(self, *args: object, path: Path, **options: object) -> None:
        try:
            report = load_curriculum(path)
        except CurriculumError as e:
            raise CommandError(f"Refused, nothing changed. {e}") from None
        self.stdout.write(self.style.SUCCESS(f"{path}: {report}"))
