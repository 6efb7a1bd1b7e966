from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.curriculum import DEFAULT_PATH, CurriculumError, load_curriculum


class Command(BaseCommand):
    help = (
        "Load the curriculum file into the catalog, idempotently, in one transaction; "
        "entries curators changed in admin are left as they are unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", nargs="?", type=Path, default=DEFAULT_PATH, help="TOML curriculum file"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="apply the file to entries curators changed in admin too (they are listed "
            "otherwise, and left as they are)",
        )

    def handle(self, *args: object, path: Path, force: bool, **options: object) -> None:
        try:
            report = load_curriculum(path, force=force)
        except CurriculumError as e:
            raise CommandError(f"Refused, nothing changed. {e}") from None
        self.stdout.write(self.style.SUCCESS(f"{path}: {report}"))
