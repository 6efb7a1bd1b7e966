from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate


def _drop_search_triggers(sender: AppConfig, using: str, **kwargs: Any) -> None:
    from .search import drop_sqlite_triggers

    drop_sqlite_triggers(connections[using])


def _install_search_index(sender: AppConfig, using: str, **kwargs: Any) -> None:
    from .search import install_sqlite_index

    install_sqlite_index(connections[using])


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Curriculum"

    def ready(self) -> None:
        # SQLite's full-text index and its triggers live outside the migrations' state
        # (catalog/search.py): migrations run without the triggers, and every migrate
        # puts them back and refills the index.
        pre_migrate.connect(_drop_search_triggers, sender=self)
        post_migrate.connect(_install_search_index, sender=self)
