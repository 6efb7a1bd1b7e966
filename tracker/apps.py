from django.apps import AppConfig
from django.urls import reverse


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Learners and progress"

    def ready(self) -> None:
        from catalog.snapshot import link_pages

        # The catalog's pages are the tracker's (progress/browse.py): tell the catalog's
        # snapshot where they are.
        link_pages(
            skill=lambda slug: reverse("catalog:skill", args=[slug]),
            track=lambda slug: reverse("catalog:track", args=[slug]),
            path=lambda slug: reverse("catalog:path", args=[slug]),
        )
