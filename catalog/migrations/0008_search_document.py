"""PostgreSQL's search document: one row per skill in catalog_skill_search, kept by the
database's own triggers, replacing 0005's expression indexes.

Each row holds the skill's weighted `tsvector` (title and aliases A, track title B,
resources' titles, authors and providers C, summary D) with a GIN index; the vectors of
the title and aliases and of the title alone, to rank the shorter first; and the title
and aliases as text, with a trigram GIN index and a function asking it, for misspellings.
Triggers on skill, track and resource rewrite a skill's row whenever what it is made of
changes, so the loader, admin saves and admin's bulk `queryset.update` all reach it, as
SQLite's FTS5 triggers do (catalog/search.py); a TRUNCATE of the catalog (a test flush)
rebuilds it.

Raw SQL: the ORM has no trigger, no function, and no model for this table (it exists on
PostgreSQL only, as the FTS5 table exists on SQLite only). The SQL is written out here,
not imported, so this migration keeps doing what it did when catalog/search.py changes.
On SQLite this migration does nothing.
"""

from importlib import import_module

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# 0005's functions, which add and remove its indexes: dropped here, put back going back.
OLD = import_module("catalog.migrations.0005_search_indexes")


def _statements(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> tuple[list[str], list[str]]:
    """The statements creating the table, its indexes, functions and triggers, and filling
    it; and those dropping them. Every name is made from the models' tables."""
    q = schema_editor.connection.ops.quote_name
    skill_table = apps.get_model("catalog", "Skill")._meta.db_table
    table = f"{skill_table}_search"
    search, skill = q(table), q(skill_table)
    track = q(apps.get_model("catalog", "Track")._meta.db_table)
    resource = q(apps.get_model("catalog", "Resource")._meta.db_table)
    refresh, rebuild, close = q(f"{table}_refresh"), q(f"{table}_rebuild"), q(f"{table}_close")
    on_skill, on_track, on_resource = q(f"{table}_skill"), q(f"{table}_track"), q(f"{table}_resource")

    def words(text: str) -> str:
        # A slash parts words, as in the query (catalog.search.query_words) and in SQLite's
        # FTS5: PostgreSQL's parser reads "A/B" or "CI/CD" as a file path, one lexeme, which
        # the query's words "a", "b" or "ci", "cd" would never match.
        return f"to_tsvector('english', translate({text}, '/', ' '))"

    head = words("s.title || ' ' || s.aliases")

    create = [
        # No foreign key to the skill: Django's flush truncates the models' tables and no
        # others, and PostgreSQL refuses to truncate a table another one references. The
        # triggers delete a skill's row with the skill, and a TRUNCATE rebuilds the table.
        f"""CREATE TABLE {search} (
            skill_id bigint PRIMARY KEY,
            document tsvector NOT NULL,
            head tsvector NOT NULL,
            title tsvector NOT NULL,
            names text NOT NULL
        )""",
        f"CREATE INDEX {q(f'{table}_document')} ON {search} USING gin (document)",
        f"CREATE INDEX {q(f'{table}_names')} ON {search} USING gin (names gin_trgm_ops)",
        # The rows of the skills `ids` names, written again from the catalog; a skill that
        # no longer exists loses its row.
        f"""CREATE FUNCTION {refresh}(ids bigint[]) RETURNS void LANGUAGE sql AS $$
            DELETE FROM {search} WHERE skill_id = ANY(ids);
            INSERT INTO {search} (skill_id, document, head, title, names)
            SELECT s.id,
                setweight({head}, 'A')
                || setweight({words("t.title")}, 'B')
                || setweight({words("coalesce(r.text, '')")}, 'C')
                || setweight({words("s.summary")}, 'D'),
                {head},
                {words("s.title")},
                s.title || ' ' || s.aliases
            FROM {skill} AS s
            JOIN {track} AS t ON t.id = s.track_id
            LEFT JOIN LATERAL (
                SELECT string_agg(r.title || ' ' || r.author || ' ' || r.provider, ' '
                                  ORDER BY r."order", r.id) AS text
                FROM {resource} AS r WHERE r.skill_id = s.id
            ) AS r ON true
            WHERE s.id = ANY(ids);
        $$""",  # nosec B608  # DDL from _meta names, no input
        # The skills whose title or aliases are close to `words` (a misspelling), by
        # pg_trgm's word similarity, from the trigram index. Both settings hold for this
        # query alone (a function with settings is never inlined): `%>` takes its threshold
        # from a setting, never from the query; and the planner prices a scan computing
        # word_similarity on every row (15 ms at 2,030 skills) below the index (1 ms).
        f"""CREATE FUNCTION {close}(words text)
            RETURNS TABLE (skill_id bigint, similarity real) LANGUAGE sql STABLE
            SET pg_trgm.word_similarity_threshold = 0.3 SET enable_seqscan = off AS $$
            SELECT d.skill_id, word_similarity(words, d.names) FROM {search} AS d
            WHERE d.names %> words;
        $$""",  # nosec B608  # DDL from _meta names, no input
        # OLD is NULL on an insert and NEW on a delete; refresh ignores a NULL id.
        f"""CREATE FUNCTION {on_skill}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM {refresh}(ARRAY[OLD.id, NEW.id]); RETURN NULL; END $$""",
        f"""CREATE FUNCTION {on_resource}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM {refresh}(ARRAY[OLD.skill_id, NEW.skill_id]); RETURN NULL; END $$""",
        f"""CREATE FUNCTION {on_track}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM {refresh}(ARRAY(SELECT id FROM {skill} WHERE track_id = NEW.id));
                RETURN NULL;
            END $$""",  # nosec B608  # DDL from _meta names, no input
        f"""CREATE FUNCTION {rebuild}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                DELETE FROM {search};
                PERFORM {refresh}(ARRAY(SELECT id FROM {skill}));
                RETURN NULL;
            END $$""",  # nosec B608  # DDL from _meta names, no input
        f"""CREATE TRIGGER {q(f"{table}_skill_insert_delete")} AFTER INSERT OR DELETE
            ON {skill} FOR EACH ROW EXECUTE FUNCTION {on_skill}()""",
        # An admin save writes every column: only a change of the text or the track counts.
        f"""CREATE TRIGGER {q(f"{table}_skill_update")}
            AFTER UPDATE OF title, aliases, summary, track_id ON {skill} FOR EACH ROW
            WHEN ((OLD.title, OLD.aliases, OLD.summary, OLD.track_id)
                  IS DISTINCT FROM (NEW.title, NEW.aliases, NEW.summary, NEW.track_id))
            EXECUTE FUNCTION {on_skill}()""",
        f"""CREATE TRIGGER {q(f"{table}_track_update")} AFTER UPDATE OF title ON {track}
            FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title)
            EXECUTE FUNCTION {on_track}()""",
        f"""CREATE TRIGGER {q(f"{table}_resource_insert_delete")} AFTER INSERT OR DELETE
            ON {resource} FOR EACH ROW EXECUTE FUNCTION {on_resource}()""",
        f"""CREATE TRIGGER {q(f"{table}_resource_update")}
            AFTER UPDATE OF title, author, provider, skill_id ON {resource} FOR EACH ROW
            WHEN ((OLD.title, OLD.author, OLD.provider, OLD.skill_id)
                  IS DISTINCT FROM (NEW.title, NEW.author, NEW.provider, NEW.skill_id))
            EXECUTE FUNCTION {on_resource}()""",
        *(
            f"""CREATE TRIGGER {q(f"{table}_{name}_truncate")} AFTER TRUNCATE ON {t}
                FOR EACH STATEMENT EXECUTE FUNCTION {rebuild}()"""
            for name, t in (("skill", skill), ("track", track), ("resource", resource))
        ),
        f"SELECT {refresh}(ARRAY(SELECT id FROM {skill}))",  # nosec B608  # DDL from _meta names, no input
    ]
    drop = [
        # Dropping the functions drops the triggers that call them.
        *(
            f"DROP FUNCTION {f}() CASCADE"
            for f in (on_skill, on_resource, on_track, rebuild)
        ),
        f"DROP FUNCTION {refresh}(bigint[])",
        f"DROP FUNCTION {close}(text)",
        f"DROP TABLE {search}",
    ]
    return create, drop


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    OLD.remove_indexes(apps, schema_editor)
    for statement in _statements(apps, schema_editor)[0]:
        schema_editor.execute(statement, None)


def backwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in _statements(apps, schema_editor)[1]:
        schema_editor.execute(statement, None)
    OLD.add_indexes(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0007_learning_paths")]

    operations = [migrations.RunPython(forwards, backwards)]
