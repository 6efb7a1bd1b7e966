from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from catalog.curriculum import DEFAULT_PATH
from catalog.dump import dump_curriculum


class Command(BaseCommand):
    help = (
        "Write the published catalog, as curators left it in admin, in the curriculum "
        "file's format (to the file, or to standard output with -)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", nargs="?", default=str(DEFAULT_PATH), help="where to write it; - for stdout"
        )

    def handle(self, *args: object, path: str, **options: object) -> None:
        text = dump_curriculum()
        if path == "-":
            self.stdout.write(text, ending="")
            return
        Path(path).write_text(text, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {path}. Review the diff, then commit it."))
