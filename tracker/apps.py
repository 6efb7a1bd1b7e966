from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Learners and progress"

    def ready(self) -> None:
        from . import revisions

        revisions.connect()
