"""PostgreSQL's search support: pg_trgm for misspellings, and GIN indexes on the very
search vectors catalog/search.py queried until 0008. On SQLite this migration does
nothing: its FTS5 index is (re)built after every migrate (catalog/apps.py)."""

from django.apps.registry import Apps
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

INDEXES = {"skill": ["skill_search_head", "skill_search_summary"], "resource": ["resource_search"]}


def _indexes() -> dict[str, list[GinIndex]]:
    """The vectors catalog/search.py queried when this migration was written (0008
    replaced them with a stored document, and drops these indexes)."""
    from django.contrib.postgres.search import SearchVector

    return {
        "skill": [
            GinIndex(SearchVector("title", "aliases", config="english"), name=INDEXES["skill"][0]),
            GinIndex(SearchVector("summary", config="english"), name=INDEXES["skill"][1]),
        ],
        "resource": [
            GinIndex(
                SearchVector("title", "author", "provider", config="english"),
                name=INDEXES["resource"][0],
            )
        ],
    }


class TrigramExtensionOnPostgres(TrigramExtension):
    """Django's operation, minus its backwards step on SQLite (which asks pg_extension)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def add_indexes(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, indexes in _indexes().items():
        model = apps.get_model("catalog", model_name)
        for index in indexes:
            schema_editor.add_index(model, index)


def remove_indexes(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, indexes in _indexes().items():
        model = apps.get_model("catalog", model_name)
        for index in indexes:
            schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_search_fields")]

    operations = [
        TrigramExtensionOnPostgres(),
        migrations.RunPython(add_indexes, remove_indexes),
    ]
